//! `#[event]`: serde and the usual derives, plus `DomainEvent` with a stable type name per
//! variant (stored events are told apart by it, so renaming a Rust variant stays safe) and a
//! schema version.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Attribute, Data, DeriveInput, Fields, LitInt, LitStr};

use crate::attrs::{self, Derive, Runtime};
use crate::errors::Errors;

const ITEM_KEYS: &[&str] = &["name", "version", "crate"];
const VARIANT_KEYS: &[&str] = &["name", "version"];
const DERIVES: &[Derive] = &[
    Derive::Clone,
    Derive::Debug,
    Derive::PartialEq,
    Derive::Serialize,
    Derive::Deserialize,
];

/// What `#[event(…)]` or a variant's `#[event(…)]` says.
#[derive(Default)]
struct EventArgs {
    name: Option<LitStr>,
    version: Option<LitInt>,
    runtime: Option<Runtime>,
}

fn parse_version(meta: &syn::meta::ParseNestedMeta, errors: &mut Errors) -> syn::Result<LitInt> {
    let version: LitInt = meta.value()?.parse()?;
    match version.base10_parse::<u32>() {
        Ok(0) | Err(_) => errors.at(&version, "a schema version is a whole number from 1 up"),
        Ok(_) => {}
    }
    Ok(version)
}

fn parse_args(parser_input: ParseSource<'_>, known: &[&str], errors: &mut Errors) -> EventArgs {
    let mut args = EventArgs::default();
    let mut handle = |meta: syn::meta::ParseNestedMeta| {
        match attrs::resolve(errors, &meta, "`#[event]` key", known).as_str() {
            "name" if known.contains(&"name") => args.name = Some(attrs::parse_name(&meta)?),
            "version" => args.version = Some(parse_version(&meta, errors)?),
            "crate" if known.contains(&"crate") => args.runtime = Some(Runtime::parse(&meta)?),
            _ => attrs::skip_value(&meta)?,
        }
        Ok(())
    };
    let result = match parser_input {
        ParseSource::Tokens(tokens) => {
            syn::parse::Parser::parse2(syn::meta::parser(&mut handle), tokens)
        }
        ParseSource::Attribute(attr) => attr.parse_nested_meta(&mut handle),
    };
    errors.ok(result);
    args
}

enum ParseSource<'a> {
    Tokens(TokenStream),
    Attribute(&'a Attribute),
}

/// Expands `#[event(args)] item`.
pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let mut input: DeriveInput = match syn::parse2(item) {
        Ok(input) => input,
        Err(error) => return error.into_compile_error(),
    };
    let item_args = parse_args(ParseSource::Tokens(args), ITEM_KEYS, &mut errors);
    let runtime = item_args.runtime.clone().unwrap_or_default();
    let default_version = item_args.version.clone();

    let (names, versions) = match &mut input.data {
        Data::Enum(data) => {
            if let Some(name) = &item_args.name {
                errors.at(
                    name,
                    "an event enum names each variant, not the enum: put `#[event(name = \"…\")]` on a variant",
                );
            }
            let mut names: Vec<(syn::Ident, String)> = Vec::new();
            let mut versions = Vec::new();
            for variant in &mut data.variants {
                let mut variant_args = EventArgs::default();
                for attr in variant.attrs.iter().filter(|a| attrs::is(a, "event")) {
                    let parsed =
                        parse_args(ParseSource::Attribute(attr), VARIANT_KEYS, &mut errors);
                    variant_args.name = parsed.name.or(variant_args.name);
                    variant_args.version = parsed.version.or(variant_args.version);
                }
                attrs::strip(&mut variant.attrs, &["event"]);
                if let Fields::Unnamed(fields) = &variant.fields {
                    errors.at(
                        fields,
                        format!(
                            "event variants carry named fields, so `#[apply]` methods and the stored JSON refer to them by name: write `{} {{ field: Type }}`",
                            variant.ident
                        ),
                    );
                }
                let name = variant_args
                    .name
                    .as_ref()
                    .map(LitStr::value)
                    .unwrap_or_else(|| variant.ident.to_string());
                if let Some((other, _)) = names.iter().find(|(_, used)| *used == name) {
                    let blame: &dyn quote::ToTokens = match &variant_args.name {
                        Some(lit) => lit,
                        None => &variant.ident,
                    };
                    errors.at(
                        blame,
                        format!(
                            "event name `{name}` is already used by `{other}`; stored events are told apart by name, so each needs its own (`#[event(name = \"…\")]`)"
                        ),
                    );
                }
                variant
                    .attrs
                    .push(syn::parse_quote!(#[serde(rename = #name)]));
                names.push((variant.ident.clone(), name));
                versions.push(
                    variant_args
                        .version
                        .or_else(|| default_version.clone())
                        .map(|v| quote!(#v))
                        .unwrap_or_else(|| quote!(1)),
                );
            }
            (names, versions)
        }
        Data::Struct(_) => {
            let name = item_args
                .name
                .as_ref()
                .map(LitStr::value)
                .unwrap_or_else(|| input.ident.to_string());
            let version = default_version
                .map(|v| quote!(#v))
                .unwrap_or_else(|| quote!(1));
            (vec![(input.ident.clone(), name)], vec![version])
        }
        Data::Union(_) => {
            errors.at(
                &input.ident,
                "`#[event]` goes on an enum (one variant per event) or a struct",
            );
            return quote!(#input)
                .into_iter()
                .chain(errors.into_compile_errors())
                .collect();
        }
    };

    let derives = attrs::derives(&input.attrs, DERIVES, &runtime);
    let ident = &input.ident;
    let (impl_generics, type_generics, where_clause) = input.generics.split_for_impl();
    let (event_type, schema_version) = if matches!(input.data, Data::Enum(_)) {
        let arms = names
            .iter()
            .map(|(variant, name)| quote!(Self::#variant { .. } => #name,));
        let version_arms = names
            .iter()
            .zip(&versions)
            .map(|((variant, _), version)| quote!(Self::#variant { .. } => #version,));
        (
            quote!(match self { #(#arms)* }),
            quote!(match self { #(#version_arms)* }),
        )
    } else {
        let name = names.first().map(|(_, name)| name);
        let version = versions.first();
        (quote!(#name), quote!(#version))
    };
    let serde_rename = match (&input.data, names.first()) {
        (Data::Struct(_), Some((_, name))) => quote!(#[serde(rename = #name)]),
        _ => TokenStream::new(),
    };
    let compile_errors = errors.into_compile_errors();
    quote! {
        #derives
        #serde_rename
        #input

        impl #impl_generics #runtime::DomainEvent for #ident #type_generics #where_clause {
            fn event_type(&self) -> &'static str {
                #event_type
            }

            fn schema_version(&self) -> u32 {
                #schema_version
            }
        }

        #compile_errors
    }
}
