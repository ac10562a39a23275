// A custom validator is `fn(&T) -> Result<(), impl Display>` for a field of type `T`.
use seedwork::value_object;

fn even(value: &u32) -> Result<(), &'static str> {
    if value % 2 == 0 {
        Ok(())
    } else {
        Err("must be even")
    }
}

#[value_object]
struct Pizza {
    #[validate(custom = even)]
    name: String,
}

fn main() {}
