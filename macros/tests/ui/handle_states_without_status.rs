// `from` and `to` check the aggregate's status, so the aggregate must say which field holds it
// (`status = …` on the struct).
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

#[aggregate(id = OrderId, event = OrderEvent)]
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
    #[handle(from = Placed, to = Cooking)]
    fn start_cooking(&self, _: StartCooking) -> OrderEvent {
        OrderEvent::CookingStarted
    }

    #[apply(CookingStarted)]
    fn cooking_started(&mut self) {
        self.status = Status::Cooking;
    }
}

fn main() {}
