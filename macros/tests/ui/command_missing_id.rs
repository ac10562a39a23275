// A command must say which field holds its aggregate's id.
use seedwork::{aggregate, aggregate_id, command, event};

#[aggregate_id]
struct OrderId(uuid::Uuid);

#[event]
enum OrderEvent {
    CookingStarted,
}

#[aggregate(id = OrderId, event = OrderEvent)]
#[derive(Debug, Default)]
struct Order;

#[command(aggregate = Order)]
struct StartCooking {
    order_id: OrderId,
}

#[aggregate]
impl Order {
    #[handle]
    fn start_cooking(&self, _: StartCooking) -> OrderEvent {
        OrderEvent::CookingStarted
    }
}

fn main() {}
