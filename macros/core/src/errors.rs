//! Collects every mistake found in one item, so the user sees all of them in one build.

use std::fmt::Display;

use proc_macro2::TokenStream;
use quote::ToTokens;

/// Errors found so far, each pointing at its own span (serde's `Ctxt`, without the panic on drop).
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    /// Records `error` alongside the others.
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    /// Records `message` at the span of `tokens`.
    pub(crate) fn at(&mut self, tokens: impl ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    /// Records `message` at `span`.
    pub(crate) fn at_span(&mut self, span: proc_macro2::Span, message: impl Display) {
        self.push(syn::Error::new(span, message));
    }

    /// Records the error of a failed parse, if any, and returns the parsed value.
    pub(crate) fn ok<T>(&mut self, result: syn::Result<T>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.push(error);
                None
            }
        }
    }

    /// How many errors have been recorded.
    pub(crate) fn count(&self) -> usize {
        self.0
            .as_ref()
            .map_or(0, |all| all.clone().into_iter().count())
    }

    /// `compile_error!` invocations for every recorded error.
    pub(crate) fn into_compile_errors(self) -> TokenStream {
        self.0
            .map(|error| error.into_compile_error())
            .unwrap_or_default()
    }
}
