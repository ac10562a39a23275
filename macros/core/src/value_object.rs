//! `#[value_object]`: a value that is valid or does not exist. Its constructor reports every
//! broken constraint, and deserialization goes through the same checks, so an invalid value
//! cannot be built from JSON either.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Data, DeriveInput, Fields};

use crate::attrs::{self, Derive, Runtime};
use crate::errors::Errors;
use crate::validate;

const KEYS: &[&str] = &["crate"];
const DERIVES: &[Derive] = &[
    Derive::Clone,
    Derive::Debug,
    Derive::PartialEq,
    Derive::Serialize,
    Derive::Deserialize,
];

/// Expands `#[value_object(args)] item`.
pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let mut runtime = Runtime::default();
    let parser = syn::meta::parser(|meta| {
        match attrs::resolve(&mut errors, &meta, "`#[value_object]` key", KEYS).as_str() {
            "crate" => runtime = Runtime::parse(&meta)?,
            _ => attrs::skip_value(&meta)?,
        }
        Ok(())
    });
    let result = syn::parse::Parser::parse2(parser, args);
    errors.ok(result);

    let mut input: DeriveInput = match syn::parse2(item) {
        Ok(input) => input,
        Err(error) => return error.into_compile_error(),
    };
    let Data::Struct(data) = &mut input.data else {
        return syn::Error::new_spanned(
            &input.ident,
            "`#[value_object]` goes on a struct; for a closed set of values use an enum with serde",
        )
        .into_compile_error();
    };
    if !input.generics.params.is_empty() {
        errors.at(&input.generics, "a value object cannot be generic");
    }
    if matches!(data.fields, Fields::Unit) {
        errors.at(&input.ident, "a value object holds at least one field");
    }
    let rules = validate::rules_of(&data.fields, &mut errors);
    for field in data.fields.iter_mut() {
        attrs::strip(&mut field.attrs, &["validate"]);
    }
    let fields = data.fields.clone();

    let private = runtime.private();
    let ident = &input.ident;
    let vis = &input.vis;
    let unchecked = format_ident!("__Unchecked{}", ident);
    let unchecked_name = unchecked.to_string();
    let serde_crate = runtime.serde_crate();
    let serde_attrs: Vec<&syn::Attribute> = input
        .attrs
        .iter()
        .filter(|attr| attrs::is(attr, "serde"))
        .collect();

    let members: Vec<TokenStream> = fields
        .iter()
        .enumerate()
        .map(|(index, field)| match &field.ident {
            Some(ident) => quote!(#ident),
            None => {
                let index = syn::Index::from(index);
                quote!(#index)
            }
        })
        .collect();
    let params: Vec<syn::Ident> = fields
        .iter()
        .enumerate()
        .map(|(index, field)| match &field.ident {
            Some(ident) => ident.clone(),
            None if fields.len() == 1 => format_ident!("value"),
            None => format_ident!("field{}", index),
        })
        .collect();
    let types: Vec<&syn::Type> = fields.iter().map(|field| &field.ty).collect();
    let from_unchecked: Vec<TokenStream> = members
        .iter()
        .map(|member| quote!(#member: unchecked.#member))
        .collect();
    let from_params: Vec<TokenStream> = members
        .iter()
        .zip(&params)
        .map(|(member, param)| quote!(#member: #param))
        .collect();
    let unchecked_fields = match &fields {
        Fields::Named(named) => {
            let fields = named.named.iter().map(|field| {
                let attrs = field.attrs.iter().filter(|attr| attrs::is(attr, "serde"));
                let (name, ty) = (&field.ident, &field.ty);
                quote!(#(#attrs)* #name: #ty)
            });
            quote!({ #(#fields),* })
        }
        Fields::Unnamed(unnamed) => {
            let fields = unnamed.unnamed.iter().map(|field| {
                let attrs = field.attrs.iter().filter(|attr| attrs::is(attr, "serde"));
                let ty = &field.ty;
                quote!(#(#attrs)* #ty)
            });
            quote!(( #(#fields),* );)
        }
        Fields::Unit => quote!(;),
    };
    let validate_body = validate::validate_body(&rules, &runtime);
    let derives = attrs::derives(&input.attrs, DERIVES, &runtime);
    let doc_new = attrs::doc(&format!(
        "A `{ident}` from its parts, or every constraint they break (a validation error)."
    ));
    let doc_validate = attrs::doc(&format!(
        "Checks every constraint of `{ident}`, reporting all failures with their field paths."
    ));
    let compile_errors = errors.into_compile_errors();
    quote! {
        #derives
        #[serde(try_from = #unchecked_name)]
        #input

        #[doc(hidden)]
        #[derive(#private::serde::Deserialize)]
        #[serde(crate = #serde_crate)]
        #(#serde_attrs)*
        struct #unchecked #unchecked_fields

        impl ::core::convert::TryFrom<#unchecked> for #ident {
            type Error = #runtime::Error;

            fn try_from(unchecked: #unchecked) -> ::core::result::Result<Self, Self::Error> {
                let value = Self { #(#from_unchecked),* };
                let checks = value.validate();
                #private::validated(value, checks)
            }
        }

        impl #ident {
            #doc_new
            #[allow(clippy::too_many_arguments)]
            #vis fn new(#(#params: #types),*) -> ::core::result::Result<Self, #runtime::Error> {
                let value = Self { #(#from_params),* };
                let checks = value.validate();
                #private::validated(value, checks)
            }

            #doc_validate
            #vis fn validate(&self) -> ::core::result::Result<(), ::std::vec::Vec<#runtime::FieldError>> {
                #validate_body
            }
        }

        #compile_errors
    }
}
