//! `#[command]` and `#[query]`: the messages that go through the mediator. Both carry field
//! constraints; a command also names its aggregate and the field that holds the aggregate's id.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, LitStr, Type};

use crate::attrs::{self, Derive, Runtime};
use crate::errors::Errors;
use crate::validate;

const COMMAND_KEYS: &[&str] = &["aggregate", "creates", "name", "roles", "crate"];
const QUERY_KEYS: &[&str] = &["output", "name", "roles", "crate"];
const DERIVES: &[Derive] = &[
    Derive::Clone,
    Derive::Debug,
    Derive::Serialize,
    Derive::Deserialize,
];

/// The arguments of `#[command(…)]` or `#[query(…)]`.
#[derive(Default)]
struct MessageArgs {
    aggregate: Option<syn::Path>,
    creates: bool,
    output: Option<Type>,
    name: Option<LitStr>,
    roles: Vec<LitStr>,
    runtime: Option<Runtime>,
}

fn parse_args(args: TokenStream, known: &[&str], what: &str, errors: &mut Errors) -> MessageArgs {
    let mut parsed = MessageArgs::default();
    let parser = syn::meta::parser(|meta| {
        match attrs::resolve(errors, &meta, what, known).as_str() {
            "aggregate" if known.contains(&"aggregate") => {
                parsed.aggregate = Some(meta.value()?.parse()?)
            }
            "creates" if known.contains(&"creates") => parsed.creates = true,
            "output" if known.contains(&"output") => parsed.output = Some(meta.value()?.parse()?),
            "name" => parsed.name = Some(attrs::parse_name(&meta)?),
            "roles" => parsed.roles = attrs::parse_roles(&meta)?,
            "crate" => parsed.runtime = Some(Runtime::parse(&meta)?),
            _ => attrs::skip_value(&meta)?,
        }
        Ok(())
    });
    let result = syn::parse::Parser::parse2(parser, args);
    errors.ok(result);
    parsed
}

/// The struct a message macro was put on, or an error on whatever else it was put on.
fn parse_struct(item: TokenStream, what: &str) -> Result<DeriveInput, TokenStream> {
    let input: DeriveInput = syn::parse2(item).map_err(|error| error.into_compile_error())?;
    if !matches!(input.data, Data::Struct(_)) {
        let message = format!("`#[{what}]` goes on a struct whose fields are the {what}'s data");
        return Err(syn::Error::new_spanned(&input.ident, message).into_compile_error());
    }
    Ok(input)
}

fn fields_mut(input: &mut DeriveInput) -> Option<&mut Fields> {
    match &mut input.data {
        Data::Struct(data) => Some(&mut data.fields),
        _ => None,
    }
}

/// The field marked `#[id]`, and whether it is `#[id(generate)]`.
struct IdField {
    ident: syn::Ident,
    ty: Type,
}

fn id_field(fields: &mut Fields, runtime: &Runtime, errors: &mut Errors) -> Option<IdField> {
    let mut found: Option<IdField> = None;
    for field in fields.iter_mut() {
        let mut generate = false;
        let mut marked = false;
        for attr in field.attrs.iter().filter(|attr| attrs::is(attr, "id")) {
            marked = true;
            if matches!(attr.meta, syn::Meta::List(_)) {
                let parsed = attr.parse_nested_meta(|meta| {
                    match attrs::resolve(errors, &meta, "`#[id]` option", &["generate"]).as_str() {
                        "generate" => generate = true,
                        _ => attrs::skip_value(&meta)?,
                    }
                    Ok(())
                });
                errors.ok(parsed);
            }
        }
        if !marked {
            continue;
        }
        let Some(ident) = field.ident.clone() else {
            continue;
        };
        if let Some(first) = &found {
            errors.at(
                &ident,
                format!(
                    "only one field holds the aggregate's id, and `{}` already does",
                    first.ident
                ),
            );
            continue;
        }
        if generate {
            let default = format!(
                "{}::new_id",
                runtime.serde_crate().trim_end_matches("::serde")
            );
            field
                .attrs
                .push(syn::parse_quote!(#[serde(default = #default)]));
        }
        found = Some(IdField {
            ident,
            ty: field.ty.clone(),
        });
    }
    for field in fields.iter_mut() {
        attrs::strip(&mut field.attrs, &["id", "validate"]);
    }
    found
}

fn roles_fn(roles: &[LitStr]) -> TokenStream {
    if roles.is_empty() {
        return TokenStream::new();
    }
    quote! {
        fn required_roles(&self) -> &'static [&'static str] {
            &[#(#roles),*]
        }
    }
}

fn validate_fn(rules: &[validate::FieldRules], runtime: &Runtime) -> TokenStream {
    if !validate::any(rules) {
        return TokenStream::new();
    }
    let body = validate::validate_body(rules, runtime);
    quote! {
        fn validate(&self) -> ::core::result::Result<(), ::std::vec::Vec<#runtime::FieldError>> {
            #body
        }
    }
}

/// Expands `#[command(args)] item`.
pub fn expand_command(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let args = parse_args(args, COMMAND_KEYS, "`#[command]` key", &mut errors);
    let mut input = match parse_struct(item, "command") {
        Ok(input) => input,
        Err(error) => return error,
    };
    let runtime = args.runtime.clone().unwrap_or_default();
    let private = runtime.private();
    let Some(fields) = fields_mut(&mut input) else {
        return TokenStream::new();
    };
    let rules = validate::rules_of(fields, &mut errors);
    let named = matches!(fields, Fields::Named(_));
    let id = id_field(fields, &runtime, &mut errors);
    let ident = input.ident.clone();

    if args.aggregate.is_none() {
        errors.at_span(
            proc_macro2::Span::call_site(),
            format!("`#[command]` needs the aggregate it acts on: `#[command(aggregate = Order)]` on `{ident}`"),
        );
    }
    if id.is_none() {
        let what = if named {
            "mark the field that holds the aggregate's id with `#[id]`"
        } else {
            "give it named fields and mark the one that holds the aggregate's id with `#[id]`"
        };
        let creating = if args.creates {
            "; a creating command carries the new aggregate's id too (`#[id(generate)]` assigns one when a request leaves it out)"
        } else {
            ""
        };
        errors.at(
            &ident,
            format!("command `{ident}` has no id field: {what}{creating}"),
        );
    }

    let name = args
        .name
        .as_ref()
        .map(LitStr::value)
        .unwrap_or_else(|| ident.to_string());
    let derives = attrs::derives(&input.attrs, DERIVES, &runtime);
    let roles = roles_fn(&args.roles);
    let validate = validate_fn(&rules, &runtime);
    let (impl_generics, type_generics, where_clause) = input.generics.split_for_impl();
    let aggregate_impls = match (&args.aggregate, &id) {
        (Some(aggregate), id) => {
            // Without an id field (already reported) the impls are still written, so that
            // the handlers using this command do not fail a second time.
            let aggregate_id = match id {
                Some(id) => {
                    let id_ident = &id.ident;
                    quote_spanned! {id.ty.span()=>
                        ::core::clone::Clone::clone(&self.#id_ident)
                    }
                }
                None => quote!(::core::unreachable!()),
            };
            let intent = if args.creates {
                quote!(#runtime::CommandIntent::Create)
            } else {
                quote!(#runtime::CommandIntent::Update)
            };
            quote! {
                impl #impl_generics #runtime::Command for #ident #type_generics #where_clause {
                    const NAME: &'static str = #name;
                    type Output = #runtime::CommandOutcome<#aggregate>;
                    #validate
                    #roles
                }

                impl #impl_generics #runtime::AggregateCommand for #ident #type_generics #where_clause {
                    type Aggregate = #aggregate;
                    const INTENT: #runtime::CommandIntent = #intent;

                    fn aggregate_id(&self) -> <#aggregate as #runtime::Aggregate>::Id {
                        #aggregate_id
                    }

                    fn into_command(self) -> <#aggregate as #runtime::Aggregate>::Command {
                        <Self as #private::HandledBy<#aggregate>>::into_aggregate_command(self)
                    }
                }
            }
        }
        _ => TokenStream::new(),
    };
    let compile_errors = errors.into_compile_errors();
    quote! {
        #derives
        #input
        #aggregate_impls
        #compile_errors
    }
}

/// Expands `#[query(args)] item`.
pub fn expand_query(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let args = parse_args(args, QUERY_KEYS, "`#[query]` key", &mut errors);
    let mut input = match parse_struct(item, "query") {
        Ok(input) => input,
        Err(error) => return error,
    };
    let runtime = args.runtime.clone().unwrap_or_default();
    let Some(fields) = fields_mut(&mut input) else {
        return TokenStream::new();
    };
    let rules = validate::rules_of(fields, &mut errors);
    for field in fields.iter_mut() {
        if let Some(attr) = field.attrs.iter().find(|attr| attrs::is(attr, "id")) {
            errors.at(
                attr,
                "`#[id]` marks a command's aggregate id; a query has none",
            );
        }
        attrs::strip(&mut field.attrs, &["validate", "id"]);
    }
    let ident = input.ident.clone();
    let output = match &args.output {
        Some(output) => quote!(#output),
        None => {
            errors.at_span(
                proc_macro2::Span::call_site(),
                format!("`#[query]` needs the type it answers with: `#[query(output = …)]` on `{ident}`"),
            );
            quote!(())
        }
    };
    let name = args
        .name
        .as_ref()
        .map(LitStr::value)
        .unwrap_or_else(|| ident.to_string());
    let derives = attrs::derives(&input.attrs, DERIVES, &runtime);
    let roles = roles_fn(&args.roles);
    let validate = validate_fn(&rules, &runtime);
    let (impl_generics, type_generics, where_clause) = input.generics.split_for_impl();
    let compile_errors = errors.into_compile_errors();
    quote! {
        #derives
        #input

        impl #impl_generics #runtime::Query for #ident #type_generics #where_clause {
            const NAME: &'static str = #name;
            type Output = #output;
            #validate
            #roles
        }

        #compile_errors
    }
}
