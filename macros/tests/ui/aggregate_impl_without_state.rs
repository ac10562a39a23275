// `#[aggregate]` on the impl block reads what `#[aggregate(…)]` on the struct declares (id, events,
// error); without the latter it has nothing to go on.
use seedwork::{aggregate, aggregate_id, command, event};

#[aggregate_id]
struct OrderId(uuid::Uuid);

#[event]
enum OrderEvent {
    CookingStarted,
}

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
}

fn main() {}
