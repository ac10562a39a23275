// A misspelt `#[handle]` key: `form` for `from`, two letters swapped.
use seedwork::{aggregate, aggregate_id, command, event};

#[aggregate_id]
struct OrderId(uuid::Uuid);

#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
enum Status {
    #[default]
    Placed,
    Cooking,
}

#[event]
enum OrderEvent {
    CookingStarted,
}

#[aggregate(id = OrderId, event = OrderEvent, status = status)]
#[derive(Debug, Default)]
struct Order {
    status: Status,
}

#[command(aggregate = Order)]
struct StartCooking {
    #[id]
    order_id: OrderId,
}

#[aggregate]
impl Order {
    #[handle(form = Placed, to = Cooking)]
    fn start_cooking(&self, _: StartCooking) -> OrderEvent {
        OrderEvent::CookingStarted
    }

    #[apply(CookingStarted)]
    fn cooking_started(&mut self) {
        self.status = Status::Cooking;
    }
}

fn main() {}
