// Stored events are told apart by name, so two variants cannot share one.
use seedwork::event;

#[event]
enum OrderEvent {
    #[event(name = "order_placed")]
    OrderPlaced,
    #[event(name = "order_placed", version = 2)]
    OrderPlacedV2 { customer: String },
}

fn main() {}
