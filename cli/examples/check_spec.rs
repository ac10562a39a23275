//! Prints the diagnostics (or the model) of a spec: `cargo run -p seedwork-cli --example check_spec -- FILE`.
fn main() {
    let path = std::env::args().nth(1).expect("a spec path");
    let (source, checked) = seedwork_cli::check::load(path.as_ref()).expect("readable");
    print!("{}", checked.diagnostics.to_text(&source));
    if let Some(model) = checked.model {
        if std::env::args().nth(2).is_some() {
            println!("{}", serde_json::to_string_pretty(&model).expect("json"));
        }
    }
}
