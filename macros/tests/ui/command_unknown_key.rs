// A typo in a key is reported once, with the key it was likely meant to be, and then read as that
// key: no second error says `aggregate` is missing.
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
}

#[aggregate]
impl Order {
    #[handle]
    fn place(&self, _: PlaceOrder) -> OrderEvent {
        OrderEvent::OrderPlaced
    }
}

fn main() {}
