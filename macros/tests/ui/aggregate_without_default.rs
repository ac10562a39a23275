// The aggregate's state before its first event is its `Default`, which the user derives.
use seedwork::{aggregate, aggregate_id, command, event};

#[aggregate_id]
struct OrderId(uuid::Uuid);

#[event]
enum OrderEvent {
    OrderPlaced,
}

#[aggregate(id = OrderId, event = OrderEvent)]
#[derive(Debug)]
struct Order {
    placed: bool,
}

#[command(aggregate = Order, creates)]
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

    #[apply(OrderPlaced)]
    fn placed(&mut self) {
        self.placed = true;
    }
}

fn main() {}
