//! The `seedwork` command line as a library: spec parsing, the validated model, rendering and
//! safe writing. `main.rs` only parses arguments and calls into it.
#![forbid(unsafe_code)]

pub mod app;
pub mod check;
pub mod diagnostic;
pub mod error;
pub mod files;
pub mod graph;
pub mod model;
pub mod names;
pub mod pipeline;
pub mod render;
pub mod schema;
pub mod spec;
pub mod verify;
pub mod write;

pub use error::Error;
