// A handler only decides; changing the state is the job of `#[apply]` methods.
use seedwork::{aggregate, aggregate_id, command, event};

#[aggregate_id]
struct OrderId(uuid::Uuid);

#[event]
enum OrderEvent {
    CookingStarted,
}

#[aggregate(id = OrderId, event = OrderEvent)]
#[derive(Debug, Default)]
struct Order {
    cooking: bool,
}

#[command(aggregate = Order)]
struct StartCooking {
    #[id]
    order_id: OrderId,
}

#[aggregate]
impl Order {
    #[handle]
    fn start_cooking(&mut self, _: StartCooking) -> OrderEvent {
        self.cooking = true;
        OrderEvent::CookingStarted
    }
}

fn main() {}
