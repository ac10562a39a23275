//! Shared by the property tests (`tests/properties.rs`), the escaping tests
//! (`tests/escaping.rs`), the random-project test (`tests/generated_project.rs`) and the fuzz
//! targets (`fuzz/`, which include this directory with `#[path]`):
//!
//! - [`choices`]: a stream of decisions read from bytes (a fuzz input, a proptest vector, a seed);
//! - [`invariants`]: what must hold for every checked spec, valid or not;
//! - [`mutate`]: mutations of the example specs and the invalid corpus;
//! - [`valid`]: a generator of valid specs from a small grammar;
//! - [`writer`]: the TOML text of a generated spec, in any of many equivalent layouts.
//!
//! Only `std` and `seedwork_cli` (and what it depends on) are used, so the fuzz crate can build it.
#![allow(dead_code)]

pub mod choices;
pub mod invariants;
pub mod mutate;
pub mod valid;
pub mod writer;
