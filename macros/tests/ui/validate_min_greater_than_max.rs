// A constraint no value could pass is a mistake, reported on the bound.
use seedwork::value_object;

#[value_object]
struct Pizza {
    #[validate(length(min = 40, max = 1))]
    name: String,
}

fn main() {}
