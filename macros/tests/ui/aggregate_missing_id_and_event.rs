// An aggregate declares its id and event types.
use seedwork::aggregate;

#[aggregate(name = "order")]
#[derive(Debug, Default)]
struct Order;

fn main() {}
