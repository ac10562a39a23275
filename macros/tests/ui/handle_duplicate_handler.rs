// A command has exactly one handler.
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
    #[id]
    order_id: OrderId,
}

#[aggregate]
impl Order {
    #[handle]
    fn start_cooking(&self, _: StartCooking) -> OrderEvent {
        OrderEvent::CookingStarted
    }

    #[handle]
    fn start_cooking_again(&self, _: StartCooking) -> Vec<OrderEvent> {
        vec![OrderEvent::CookingStarted]
    }
}

fn main() {}
