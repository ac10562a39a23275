// The parameters of an `#[apply]` method are named like the event's fields.
use seedwork::{aggregate, aggregate_id, command, event};

#[aggregate_id]
struct OrderId(uuid::Uuid);

#[event]
enum OrderEvent {
    OrderPlaced { customer: String },
}

#[aggregate(id = OrderId, event = OrderEvent)]
#[derive(Debug, Default)]
struct Order {
    customer: String,
}

#[command(aggregate = Order, creates)]
struct PlaceOrder {
    #[id]
    order_id: OrderId,
    customer: String,
}

#[aggregate]
impl Order {
    #[handle]
    fn place(&self, command: PlaceOrder) -> OrderEvent {
        OrderEvent::OrderPlaced {
            customer: command.customer,
        }
    }

    #[apply(OrderPlaced)]
    fn placed(&mut self, custmer: &str) {
        self.customer = custmer.to_owned();
    }
}

fn main() {}
