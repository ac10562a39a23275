// Applying an event cannot fail, so an `#[apply]` method returns nothing.
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

    #[apply(CookingStarted)]
    fn cooking_started(&mut self) -> Result<(), String> {
        self.cooking = true;
        Ok(())
    }
}

fn main() {}
