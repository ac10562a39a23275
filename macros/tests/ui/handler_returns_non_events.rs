// A handler returns events (`E`, `Option<E>`, `Vec<E>`, or those in a `Result<_, Error>`), not
// another type.
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
    fn start_cooking(&self, _: StartCooking) -> String {
        "cooking".to_owned()
    }
}

fn main() {}
