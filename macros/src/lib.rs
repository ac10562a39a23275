//! Procedural macros for Seedwork. Use them through the `seedwork` crate, which re-exports
//! them and documents each with examples: `#[aggregate]`, `#[command]`, `#[event]`,
//! `#[query]`, `#[value_object]` and `#[aggregate_id]`.
//!
//! Each entry point only converts between `proc_macro` and `proc_macro2`; the expansions live
//! in `seedwork-macros-core`, where tests can call them.

use proc_macro::TokenStream;

/// See `seedwork::aggregate`.
#[proc_macro_attribute]
pub fn aggregate(args: TokenStream, item: TokenStream) -> TokenStream {
    seedwork_macros_core::expand_aggregate(args.into(), item.into()).into()
}

/// See `seedwork::aggregate_id`.
#[proc_macro_attribute]
pub fn aggregate_id(args: TokenStream, item: TokenStream) -> TokenStream {
    seedwork_macros_core::expand_aggregate_id(args.into(), item.into()).into()
}

/// See `seedwork::command`.
#[proc_macro_attribute]
pub fn command(args: TokenStream, item: TokenStream) -> TokenStream {
    seedwork_macros_core::expand_command(args.into(), item.into()).into()
}

/// See `seedwork::event`.
#[proc_macro_attribute]
pub fn event(args: TokenStream, item: TokenStream) -> TokenStream {
    seedwork_macros_core::expand_event(args.into(), item.into()).into()
}

/// See `seedwork::query`.
#[proc_macro_attribute]
pub fn query(args: TokenStream, item: TokenStream) -> TokenStream {
    seedwork_macros_core::expand_query(args.into(), item.into()).into()
}

/// See `seedwork::value_object`.
#[proc_macro_attribute]
pub fn value_object(args: TokenStream, item: TokenStream) -> TokenStream {
    seedwork_macros_core::expand_value_object(args.into(), item.into()).into()
}
