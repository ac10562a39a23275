// The struct says what the aggregate is; its `#[aggregate] impl` block, which says how it handles
// commands, is required too.
use seedwork::{aggregate, aggregate_id, event};

#[aggregate_id]
struct OrderId(uuid::Uuid);

#[event]
enum OrderEvent {
    OrderPlaced,
}

#[aggregate(id = OrderId, event = OrderEvent)]
#[derive(Debug, Default)]
struct Order;

fn main() {}
