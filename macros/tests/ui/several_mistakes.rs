// Three independent mistakes in one command (a key typo, min > max, a constraint on the wrong
// type): all three are reported in one build, each on its own token.
use seedwork::{aggregate, aggregate_id, command, event};

#[aggregate_id]
struct OrderId(uuid::Uuid);

#[event]
enum OrderEvent {
    OrderPlaced,
}

#[aggregate(id = OrderId, event = OrderEvent)]
#[derive(Debug, Default)]
struct Order;

#[command(agregate = Order, creates)]
struct PlaceOrder {
    #[id]
    order_id: OrderId,
    #[validate(length(min = 5, max = 2))]
    customer: String,
    #[validate(range(min = 1, max = 20))]
    notes: String,
}

#[aggregate]
impl Order {
    #[handle]
    fn place(&self, _: PlaceOrder) -> OrderEvent {
        OrderEvent::OrderPlaced
    }
}

fn main() {}
