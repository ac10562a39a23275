// Patterns are compiled when the macro runs, so a broken one fails the build, not a request.
use seedwork::value_object;

#[value_object]
struct PostCode {
    #[validate(pattern = "^[0-9]{5$")]
    code: String,
}

fn main() {}
