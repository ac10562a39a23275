// `storage` is `event_sourced` or `state_stored`.
use seedwork::{aggregate, aggregate_id, command, event};

#[aggregate_id]
struct OrderId(uuid::Uuid);

#[event]
enum OrderEvent {
    OrderPlaced,
}

#[aggregate(id = OrderId, event = OrderEvent, storage = event_sourcing)]
#[derive(Debug, Default)]
struct Order;

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
}

fn main() {}
