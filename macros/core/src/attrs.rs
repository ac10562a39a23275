//! Reading macro arguments and item attributes: keys with did-you-mean, the runtime's crate
//! path, derives the user already wrote, and stripping the helper attributes we consume.

use proc_macro2::TokenStream;
use quote::{quote, ToTokens};
use syn::meta::ParseNestedMeta;
use syn::punctuated::Punctuated;
use syn::{Attribute, LitStr, Path, Token};

use crate::errors::Errors;
use crate::names::{closest, unknown_key};

/// Where the runtime crate is: `::seedwork` unless the user renamed the dependency and said
/// so with `crate = my_name`.
#[derive(Clone)]
pub(crate) struct Runtime(Path);

impl Default for Runtime {
    fn default() -> Self {
        Self(syn::parse_quote!(::seedwork))
    }
}

impl Runtime {
    /// Reads the value of a `crate = …` key (a path, or a string holding one).
    pub(crate) fn parse(meta: &ParseNestedMeta) -> syn::Result<Self> {
        let input = meta.value()?;
        if input.peek(LitStr) {
            let text: LitStr = input.parse()?;
            text.parse().map(Self)
        } else {
            input.parse().map(Self)
        }
    }

    /// The path of the runtime's hidden support module.
    pub(crate) fn private(&self) -> TokenStream {
        let root = &self.0;
        quote!(#root::__private)
    }

    /// The serde crate as the string `#[serde(crate = "…")]` wants.
    pub(crate) fn serde_crate(&self) -> String {
        let mut text = String::new();
        if self.0.leading_colon.is_some() {
            text.push_str("::");
        }
        let segments: Vec<String> = self
            .0
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        text.push_str(&segments.join("::"));
        text.push_str("::__private::serde");
        text
    }
}

impl ToTokens for Runtime {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        self.0.to_tokens(tokens);
    }
}

/// Consumes the value of a key we did not recognise, so parsing can go on to the next key.
pub(crate) fn skip_value(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<syn::Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in meta.input);
        content.parse::<TokenStream>()?;
    }
    Ok(())
}

/// The key of `meta` if it is one of `known`. Otherwise records an "unknown key" error and
/// returns the likely intended key when there is a near miss (so its value is still used and
/// one typo gives one error, not a second "missing key" error too), or an empty string.
pub(crate) fn resolve(
    errors: &mut Errors,
    meta: &ParseNestedMeta,
    what: &str,
    known: &[&str],
) -> String {
    let wrong = key(meta);
    if known.contains(&wrong.as_str()) {
        return wrong;
    }
    let shown = if wrong.is_empty() {
        meta.path.to_token_stream().to_string().replace(' ', "")
    } else {
        wrong.clone()
    };
    errors.at(&meta.path, unknown_key(what, &shown, known));
    closest(&wrong, known.iter().copied())
        .map(ToString::to_string)
        .unwrap_or_default()
}

/// The identifier of a key, or an empty string for a path like `a::b`.
pub(crate) fn key(meta: &ParseNestedMeta) -> String {
    meta.path
        .get_ident()
        .map(ToString::to_string)
        .unwrap_or_default()
}

/// `roles = ["kitchen", "manager"]`.
pub(crate) fn parse_roles(meta: &ParseNestedMeta) -> syn::Result<Vec<LitStr>> {
    let input = meta.value()?;
    let content;
    syn::bracketed!(content in input);
    let roles = Punctuated::<LitStr, Token![,]>::parse_terminated(&content)?;
    Ok(roles.into_iter().collect())
}

/// `name = "…"`, which must not be empty.
pub(crate) fn parse_name(meta: &ParseNestedMeta) -> syn::Result<LitStr> {
    let name: LitStr = meta.value()?.parse()?;
    if name.value().trim().is_empty() {
        return Err(syn::Error::new(name.span(), "a name cannot be empty"));
    }
    Ok(name)
}

/// Whether `attr` is the helper attribute `name` (`#[id]`, `#[validate(…)]`, …).
pub(crate) fn is(attr: &Attribute, name: &str) -> bool {
    attr.path().is_ident(name)
}

/// Removes the helper attributes named in `names`, which only our macros understand.
pub(crate) fn strip(attrs: &mut Vec<Attribute>, names: &[&str]) {
    attrs.retain(|attr| !names.iter().any(|name| is(attr, name)));
}

/// The trait a derive of ours stands for, and the absolute path that derives it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Derive {
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
}

impl Derive {
    fn name(self) -> &'static str {
        match self {
            Self::Clone => "Clone",
            Self::Copy => "Copy",
            Self::Debug => "Debug",
            Self::PartialEq => "PartialEq",
            Self::Eq => "Eq",
            Self::Hash => "Hash",
            Self::PartialOrd => "PartialOrd",
            Self::Ord => "Ord",
            Self::Serialize => "Serialize",
            Self::Deserialize => "Deserialize",
        }
    }

    fn path(self, runtime: &Runtime) -> TokenStream {
        let private = runtime.private();
        match self {
            Self::Clone => quote!(::core::clone::Clone),
            Self::Copy => quote!(::core::marker::Copy),
            Self::Debug => quote!(::core::fmt::Debug),
            Self::PartialEq => quote!(::core::cmp::PartialEq),
            Self::Eq => quote!(::core::cmp::Eq),
            Self::Hash => quote!(::core::hash::Hash),
            Self::PartialOrd => quote!(::core::cmp::PartialOrd),
            Self::Ord => quote!(::core::cmp::Ord),
            Self::Serialize => quote!(#private::serde::Serialize),
            Self::Deserialize => quote!(#private::serde::Deserialize),
        }
    }
}

/// The names the item's own `#[derive(…)]` attributes already derive.
fn derived(attrs: &[Attribute]) -> Vec<String> {
    attrs
        .iter()
        .filter(|attr| is(attr, "derive"))
        .filter_map(|attr| {
            attr.parse_args_with(Punctuated::<Path, Token![,]>::parse_terminated)
                .ok()
        })
        .flatten()
        .filter_map(|path| path.segments.last().map(|s| s.ident.to_string()))
        .collect()
}

/// A `#[derive(…)]` for the traits in `wanted` the user did not derive already, plus the
/// `#[serde(crate = …)]` that lets serde's derives find serde through the runtime (unless the
/// user already said where serde is).
pub(crate) fn derives(attrs: &[Attribute], wanted: &[Derive], runtime: &Runtime) -> TokenStream {
    let present = derived(attrs);
    let missing: Vec<Derive> = wanted
        .iter()
        .copied()
        .filter(|derive| !present.iter().any(|name| name == derive.name()))
        .collect();
    let mut tokens = TokenStream::new();
    if !missing.is_empty() {
        let paths = missing.iter().map(|derive| derive.path(runtime));
        tokens.extend(quote!(#[derive(#(#paths),*)]));
    }
    let uses_serde = wanted
        .iter()
        .any(|d| matches!(d, Derive::Serialize | Derive::Deserialize))
        || present
            .iter()
            .any(|name| name == "Serialize" || name == "Deserialize");
    let says_where = attrs.iter().any(|attr| {
        is(attr, "serde")
            && attr
                .parse_nested_meta(|meta| {
                    if meta.path.is_ident("crate") {
                        return Err(meta.error("found"));
                    }
                    skip_value(&meta)
                })
                .is_err()
    });
    if uses_serde && !says_where {
        let serde = runtime.serde_crate();
        tokens.extend(quote!(#[serde(crate = #serde)]));
    }
    tokens
}

/// A `#[doc = "…"]` attribute.
pub(crate) fn doc(text: &str) -> TokenStream {
    quote!(#[doc = #text])
}
