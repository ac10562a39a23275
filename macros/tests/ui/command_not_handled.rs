// Every command of an aggregate needs a `#[handle]` method in the aggregate's impl block.
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

#[command(aggregate = Order, creates)]
struct PlaceOrder {
    #[id]
    order_id: OrderId,
}

#[command(aggregate = Order)]
struct StartCooking {
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
