//! Arbitrary bytes (lossily UTF-8) as a spec: the checker never panics, every diagnostic has a
//! valid position, and a spec it accepts renders code that parses. Seed it with the example
//! specs and the invalid corpus, and the dictionary `spec.dict` (scripts/fuzz-spec does).
#![no_main]

#[path = "../../tests/spec_support/mod.rs"]
mod spec_support;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (_, checked) = spec_support::invariants::check_text(&text);
    if let Some(model) = checked.model {
        spec_support::invariants::assert_renders(&model, &text);
    }
});
