// An aggregate handles at least one command; an impl block with only `#[apply]` methods is
// incomplete.
use seedwork::{aggregate, aggregate_id, event};

#[aggregate_id]
struct OrderId(uuid::Uuid);

#[event]
enum OrderEvent {
    OrderPlaced,
}

#[aggregate(id = OrderId, event = OrderEvent)]
#[derive(Debug, Default)]
struct Order {
    placed: bool,
}

#[aggregate]
impl Order {
    #[apply(OrderPlaced)]
    fn placed(&mut self) {
        self.placed = true;
    }
}

fn main() {}
