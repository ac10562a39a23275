// A value object is a struct whose fields are checked; an enum is valid by construction already.
use seedwork::value_object;

#[value_object]
enum Size {
    Small,
    Large,
}

fn main() {}
