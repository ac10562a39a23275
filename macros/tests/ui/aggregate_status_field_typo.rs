// `status = …` names a field of the struct. Here it is misspelt, while a handler declares `from`
// and `to` states as usual.
use seedwork::{aggregate, aggregate_id, command, event};

#[aggregate_id]
struct OrderId(uuid::Uuid);

#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
enum Status {
    #[default]
    Placed,
    Cancelled,
}

#[event]
enum OrderEvent {
    OrderPlaced,
    OrderCancelled,
}

#[aggregate(id = OrderId, event = OrderEvent, status = stauts)]
#[derive(Debug, Default)]
struct Order {
    status: Status,
}

#[command(aggregate = Order, creates)]
struct PlaceOrder {
    #[id]
    order_id: OrderId,
}

#[command(aggregate = Order)]
struct Cancel {
    #[id]
    order_id: OrderId,
}

#[aggregate]
impl Order {
    #[handle]
    fn place(&self, _: PlaceOrder) -> OrderEvent {
        OrderEvent::OrderPlaced
    }

    #[handle(from = Placed, to = Cancelled)]
    fn cancel(&self, _: Cancel) -> OrderEvent {
        OrderEvent::OrderCancelled
    }

    #[apply(OrderCancelled)]
    fn cancelled(&mut self) {
        self.status = Status::Cancelled;
    }
}

fn main() {}
