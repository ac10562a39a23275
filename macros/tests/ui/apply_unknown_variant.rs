// `#[apply(…)]` names a variant of the aggregate's event enum; the compiler's error points at the
// name in the attribute.
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
    fn start_cooking(&self, _: StartCooking) -> OrderEvent {
        OrderEvent::CookingStarted
    }

    #[apply(CookingStarteed)]
    fn cooking_started(&mut self) {
        self.cooking = true;
    }
}

fn main() {}
