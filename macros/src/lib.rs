//! Procedural macros for Seedwork: `#[aggregate]`, `#[command]`, `#[event]` and companions.
//!
//! This crate is a workspace member so the layout is fixed from the start; the macros
//! themselves are tracked in the macros issue and are not available yet. Until then, implement
//! the `seedwork` runtime traits by hand (see `runtime/examples/bank.rs`).
