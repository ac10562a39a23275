//! The input drives the generator of valid specs and two layouts of each: the spec checks
//! without a diagnostic, renders code that parses, and both layouts (another key order,
//! sections or inline tables, defaults written or left out) render the same bytes.
#![no_main]

#[path = "../../tests/spec_support/mod.rs"]
mod spec_support;

use libfuzzer_sys::fuzz_target;
use seedwork_cli::check::check;
use seedwork_cli::diagnostic::SourceFile;
use seedwork_cli::model::Model;
use spec_support::choices::Choices;
use spec_support::invariants::{assert_renders, check_text};
use spec_support::writer::{write, Layout};

fn clean_model(text: &str) -> Model {
    let source = SourceFile::new("generated.toml", text);
    let checked = check(&source);
    assert!(
        checked.diagnostics.is_empty(),
        "a generated spec does not check clean:\n{}\n--- spec ---\n{text}",
        checked.diagnostics.to_text(&source)
    );
    checked.model.expect("no error, so a model")
}

fuzz_target!(|data: &[u8]| {
    // The first three quarters make the spec, the rest its two layouts.
    let split = data.len() * 3 / 4;
    let (spec, layouts) = data.split_at(split);
    let (first_layout, second_layout) = layouts.split_at(layouts.len() / 2);
    let tree = spec_support::valid::spec(&mut Choices::new(spec));
    let first = write(&tree, &mut Layout::new(&mut Choices::new(first_layout)));
    let second = write(&tree, &mut Layout::new(&mut Choices::new(second_layout)));
    check_text(&first);
    let files = assert_renders(&clean_model(&first), &first);
    let other = spec_support::invariants::render_only(&clean_model(&second));
    assert!(
        files == other,
        "two layouts of one spec render differently:\n{first}\n--- and ---\n{second}"
    );
});
