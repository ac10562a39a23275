// `from` and `to` name variants of the status enum; each unknown one is an error on its token.
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
    #[handle(from = [Placed, Baking], to = Coking)]
    fn start_cooking(&self, _: StartCooking) -> OrderEvent {
        OrderEvent::CookingStarted
    }

    #[apply(CookingStarted)]
    fn cooking_started(&mut self) {
        self.status = Status::Cooking;
    }
}

fn main() {}
