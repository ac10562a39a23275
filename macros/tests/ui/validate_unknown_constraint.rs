// An unknown constraint is reported with the one it was likely meant to be.
use seedwork::value_object;

#[value_object]
struct Pizza {
    #[validate(lenght(min = 1, max = 40))]
    name: String,
}

fn main() {}
