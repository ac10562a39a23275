// An aggregate id wraps exactly one value.
use seedwork::aggregate_id;

#[aggregate_id]
struct OrderId {
    value: uuid::Uuid,
}

fn main() {}
