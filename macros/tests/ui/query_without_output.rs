// A query says what it answers with.
use seedwork::query;

#[query]
struct KitchenQueue {
    #[validate(range(min = 1, max = 100))]
    limit: u32,
}

fn main() {}
