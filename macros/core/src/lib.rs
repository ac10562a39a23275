//! The expansion logic of `seedwork-macros`, written on `proc_macro2` so that unit and
//! snapshot tests can call it directly. Each `expand` function takes the attribute's arguments
//! and the annotated item and returns the replacement tokens: the item (with the helper
//! attributes it consumed removed), the generated impls, and a `compile_error!` for every
//! mistake found, each pointing at the offending tokens. A mistake never stops the rest of the
//! expansion, so one wrong key gives one error rather than a cascade.
//!
//! Parsing, checking and generation are separate steps inside each macro's module; the shared
//! pieces are argument parsing ([`attrs`](crate)), error collection, name suggestions and the
//! field constraints that commands, queries and value objects share.

mod aggregate;
mod aggregate_id;
mod aggregate_impl;
mod aggregate_state;
mod attrs;
mod command;
mod errors;
mod event;
mod names;
mod validate;
mod value_object;

pub use aggregate::expand as expand_aggregate;
pub use aggregate_id::expand as expand_aggregate_id;
pub use command::{expand_command, expand_query};
pub use event::expand as expand_event;
pub use value_object::expand as expand_value_object;
