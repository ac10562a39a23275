// Event variants have named fields, which `#[apply]` methods and the stored JSON refer to.
use seedwork::event;

#[event]
enum OrderEvent {
    OrderPlaced(String),
    CookingStarted,
}

fn main() {}
