//! The input drives mutations of a real spec (an example spec or one of the invalid corpus):
//! lines deleted, duplicated, swapped, tokens replaced, text inserted, specs spliced and
//! truncated. The checker never panics, every diagnostic has a valid position, and a mutated
//! spec it still accepts renders code that parses.
#![no_main]

#[path = "../../tests/spec_support/mod.rs"]
mod spec_support;

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use spec_support::choices::Choices;

fn seeds() -> &'static [(String, String)] {
    static SEEDS: OnceLock<Vec<(String, String)>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let cli = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        spec_support::mutate::seeds(&cli)
    })
}

fuzz_target!(|data: &[u8]| {
    let text = spec_support::mutate::mutated(seeds(), &mut Choices::new(data));
    let (_, checked) = spec_support::invariants::check_text(&text);
    if let Some(model) = checked.model {
        spec_support::invariants::assert_renders(&model, &text);
    }
});
