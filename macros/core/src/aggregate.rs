//! `#[aggregate]`: the same attribute on the state struct (what the aggregate is) and on its
//! impl block (how it handles commands and applies events).

use proc_macro2::TokenStream;

use crate::{aggregate_impl, aggregate_state};

/// Expands `#[aggregate(args)]` on a struct or an impl block.
pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    match syn::parse2::<syn::Item>(item) {
        Ok(syn::Item::Struct(item)) => aggregate_state::expand(args, item.into()),
        Ok(syn::Item::Impl(item)) => aggregate_impl::expand(args, item),
        Ok(other) => syn::Error::new_spanned(
            other,
            "`#[aggregate]` goes on the aggregate's state struct and on its `impl` block",
        )
        .into_compile_error(),
        Err(error) => error.into_compile_error(),
    }
}

/// The hidden alias the struct's `#[aggregate]` gives the event type, so that the impl
/// block's `#[apply(Variant)]` patterns name a concrete enum: an unknown variant is then
/// reported as "no variant named … found for enum `OrderEvent`", with rustc's suggestion.
pub(crate) fn event_alias(aggregate: &syn::Ident) -> syn::Ident {
    quote::format_ident!("__seedwork_{}_Event", aggregate)
}
