// Each constraint applies to one kind of type: `length` to text, `range` to numbers.
use seedwork::value_object;

#[value_object]
struct Pizza {
    #[validate(range(min = 1, max = 40))]
    name: String,
    #[validate(length(max = 3))]
    size_cm: u32,
}

fn main() {}
