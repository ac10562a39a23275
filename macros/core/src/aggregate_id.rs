//! `#[aggregate_id]`: a typed id as a one-field tuple struct, with everything the runtime asks of
//! an id (equality, hashing, display, serde as the bare inner value, parsing from a path).

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields, Type};

use crate::attrs::{self, Derive, Runtime};
use crate::errors::Errors;

const KEYS: &[&str] = &["crate"];

fn last_ident(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// Expands `#[aggregate_id(args)] struct OrderId(Uuid);`.
pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let mut runtime = Runtime::default();
    let parser = syn::meta::parser(|meta| {
        match attrs::resolve(&mut errors, &meta, "`#[aggregate_id]` key", KEYS).as_str() {
            "crate" => runtime = Runtime::parse(&meta)?,
            _ => attrs::skip_value(&meta)?,
        }
        Ok(())
    });
    let result = syn::parse::Parser::parse2(parser, args);
    errors.ok(result);
    let input: DeriveInput = match syn::parse2(item) {
        Ok(input) => input,
        Err(error) => return error.into_compile_error(),
    };
    let inner = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Unnamed(fields) if fields.unnamed.len() == 1 => {
                Some(fields.unnamed[0].ty.clone())
            }
            _ => None,
        },
        _ => None,
    };
    let Some(inner) = inner else {
        let ident = &input.ident;
        return syn::Error::new_spanned(
            ident,
            format!("an aggregate id wraps one value: `struct {ident}(Uuid);` (or a String or an integer)"),
        )
        .into_compile_error();
    };
    let kind = last_ident(&inner).unwrap_or_default();
    let copyable = matches!(
        kind.as_str(),
        "Uuid"
            | "u8"
            | "u16"
            | "u32"
            | "u64"
            | "u128"
            | "usize"
            | "i8"
            | "i16"
            | "i32"
            | "i64"
            | "i128"
            | "isize"
    );
    let mut wanted = vec![
        Derive::Clone,
        Derive::Debug,
        Derive::PartialEq,
        Derive::Eq,
        Derive::Hash,
        Derive::PartialOrd,
        Derive::Ord,
        Derive::Serialize,
        Derive::Deserialize,
    ];
    if copyable {
        wanted.insert(1, Derive::Copy);
    }
    let derives = attrs::derives(&input.attrs, &wanted, &runtime);
    let ident = &input.ident;
    let vis = &input.vis;
    let fresh = matches!(kind.as_str(), "Uuid" | "String").then(|| {
        let doc = attrs::doc(&format!("A new, unique `{ident}`."));
        quote! {
            impl #runtime::NewId for #ident {
                fn new_id() -> Self {
                    Self(<#inner as #runtime::NewId>::new_id())
                }
            }

            impl #ident {
                #doc
                #[allow(clippy::new_without_default)]
                #vis fn new() -> Self {
                    <Self as #runtime::NewId>::new_id()
                }
            }
        }
    });
    let compile_errors = errors.into_compile_errors();
    quote! {
        #derives
        #[serde(transparent)]
        #input

        impl ::core::fmt::Display for #ident {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::fmt::Display::fmt(&self.0, f)
            }
        }

        impl ::core::str::FromStr for #ident {
            type Err = <#inner as ::core::str::FromStr>::Err;

            fn from_str(text: &str) -> ::core::result::Result<Self, Self::Err> {
                <#inner as ::core::str::FromStr>::from_str(text).map(Self)
            }
        }

        impl ::core::convert::From<#inner> for #ident {
            fn from(value: #inner) -> Self {
                Self(value)
            }
        }

        #fresh
        #compile_errors
    }
}
