//! Property tests of the checker and the generator (bounded: a few seconds each).
//!
//! - Arbitrary bytes, TOML-like text and mutations of the example specs and the invalid
//!   corpus never make the checker panic, and every diagnostic has a valid position
//!   ([`spec_support::invariants`]); a mutated spec that still checks renders code that parses.
//! - Random valid specs ([`spec_support::valid`]) check without a diagnostic, and generate
//!   deterministically: rendering twice gives the same bytes, and so does rendering another
//!   layout of the same spec (keys in another order, tables as sections, inline tables or
//!   dotted keys, defaults written out or left out); the code parses with syn, and is formatted.
//!
//! The fuzz targets in `fuzz/` run the same checks for as long as one wants. A failure prints
//! the spec: paste it into a file and run `seedwork validate` on it.

mod spec_support;

use std::path::Path;
use std::sync::OnceLock;

use proptest::collection::vec;
use proptest::prelude::*;

use seedwork_cli::check::check;
use seedwork_cli::diagnostic::SourceFile;
use seedwork_cli::files::FileSet;
use seedwork_cli::model::Model;
use seedwork_cli::render::{render, TemplateSet};
use spec_support::choices::Choices;
use spec_support::invariants::{assert_renders, check_text, options};
use spec_support::writer::{write, Layout};
use spec_support::{mutate, valid};

fn seeds() -> &'static [(String, String)] {
    static SEEDS: OnceLock<Vec<(String, String)>> = OnceLock::new();
    SEEDS.get_or_init(|| mutate::seeds(Path::new(env!("CARGO_MANIFEST_DIR"))))
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        max_shrink_iters: 2_000,
        ..ProptestConfig::default()
    }
}

/// The model of a spec that must check clean.
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

fn rendered(model: &Model) -> FileSet {
    render(model, &TemplateSet::embedded(), &options()).expect("renders")
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..600)) {
        check_text(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn toml_like_text_never_panics(text in r#"[\[\]{}=".,'#a-zA-Z0-9_<>/ \n\t\\-]{0,400}"#) {
        check_text(&text);
    }

    #[test]
    fn mutated_specs_never_panic_and_still_valid_ones_render(bytes in vec(any::<u8>(), 0..64)) {
        let text = mutate::mutated(seeds(), &mut Choices::new(&bytes));
        let (_, checked) = check_text(&text);
        if let Some(model) = checked.model {
            assert_renders(&model, &text);
        }
    }
}

proptest! {
    #![proptest_config(config(40))]

    #[test]
    fn valid_specs_check_clean_and_generate_deterministically(
        spec in vec(any::<u8>(), 0..3000),
        first_layout in vec(any::<u8>(), 0..400),
        second_layout in vec(any::<u8>(), 0..400),
    ) {
        let tree = valid::spec(&mut Choices::new(&spec));
        let first = write(&tree, &mut Layout::new(&mut Choices::new(&first_layout)));
        let second = write(&tree, &mut Layout::new(&mut Choices::new(&second_layout)));
        let model = clean_model(&first);
        check_text(&first);
        let files = assert_renders(&model, &first);
        assert_eq!(files, rendered(&model), "rendering twice differs:\n{first}");
        let other = rendered(&clean_model(&second));
        if let Some((path, _)) = files.iter().zip(other.iter()).find(|(a, b)| a != b).map(|(a, _)| a) {
            panic!("`{path}` differs between two layouts of one spec:\n{first}\n--- and ---\n{second}");
        }
        assert_eq!(files, other, "two layouts of one spec render differently:\n{first}\n--- and ---\n{second}");
    }
}

/// Formatting runs rustfmt once per project: a few generated specs go all the way through
/// render → verify (syn) → rustfmt, twice, with the same bytes.
#[test]
fn valid_specs_format_the_same_twice() {
    for seed in 0..3 {
        let tree = valid::spec(&mut Choices::seeded(seed, 4096));
        let text = write(
            &tree,
            &mut Layout::new(&mut Choices::seeded(seed + 100, 512)),
        );
        let model = clean_model(&text);
        let root = Path::new("target/properties");
        let runtime = seedwork_cli::pipeline::RuntimeSource::Version("0.1".to_owned());
        let first = seedwork_cli::pipeline::render_project(
            &model,
            &TemplateSet::embedded(),
            &runtime,
            root,
        )
        .unwrap_or_else(|error| panic!("{error}\n{text}"));
        let second = seedwork_cli::pipeline::render_project(
            &model,
            &TemplateSet::embedded(),
            &runtime,
            root,
        )
        .expect("renders again");
        assert_eq!(first, second, "{text}");
    }
}
