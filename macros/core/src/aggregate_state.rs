//! `#[aggregate(…)]` on the state struct: what the aggregate is (its id, events, error,
//! services, persistence and status field). The `#[aggregate] impl` block reads this back
//! through the hidden `Declared` and `Lifecycle` traits.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields, LitStr, Type};

use crate::attrs::{self, Derive, Runtime};
use crate::errors::Errors;
use crate::names;

const KEYS: &[&str] = &[
    "id", "event", "error", "services", "storage", "status", "name", "crate",
];
const STORAGES: &[&str] = &["event_sourced", "state_stored"];

#[derive(Default)]
struct StateArgs {
    id: Option<Type>,
    event: Option<Type>,
    error: Option<Type>,
    services: Option<Type>,
    storage: Option<syn::Ident>,
    status: Option<syn::Ident>,
    name: Option<LitStr>,
    runtime: Option<Runtime>,
}

fn parse_args(args: TokenStream, errors: &mut Errors) -> StateArgs {
    let mut parsed = StateArgs::default();
    let parser = syn::meta::parser(|meta| {
        match attrs::resolve(errors, &meta, "`#[aggregate]` key", KEYS).as_str() {
            "id" => parsed.id = Some(meta.value()?.parse()?),
            "event" => parsed.event = Some(meta.value()?.parse()?),
            "error" => parsed.error = Some(meta.value()?.parse()?),
            "services" => parsed.services = Some(meta.value()?.parse()?),
            "storage" => {
                let storage: syn::Ident = meta.value()?.parse()?;
                if !STORAGES.contains(&storage.to_string().as_str()) {
                    errors.at(
                        &storage,
                        names::unknown_key("storage", &storage.to_string(), STORAGES),
                    );
                }
                parsed.storage = Some(storage);
            }
            "status" => parsed.status = Some(meta.value()?.parse()?),
            "name" => parsed.name = Some(attrs::parse_name(&meta)?),
            "crate" => parsed.runtime = Some(Runtime::parse(&meta)?),
            _ => attrs::skip_value(&meta)?,
        }
        Ok(())
    });
    let result = syn::parse::Parser::parse2(parser, args);
    errors.ok(result);
    parsed
}

/// Expands `#[aggregate(args)] struct …`.
pub(crate) fn expand(args: TokenStream, input: DeriveInput) -> TokenStream {
    let mut errors = Errors::default();
    let args = parse_args(args, &mut errors);
    let runtime = args.runtime.clone().unwrap_or_default();
    let private = runtime.private();
    let ident = &input.ident;

    let Data::Struct(data) = &input.data else {
        return syn::Error::new_spanned(
            ident,
            "`#[aggregate(…)]` goes on the aggregate's state struct and on its `impl` block",
        )
        .into_compile_error();
    };
    if !input.generics.params.is_empty() {
        errors.at(&input.generics, "an aggregate cannot be generic");
    }
    let missing = |key: &str, example: &str| {
        format!("`#[aggregate]` on `{ident}` needs `{key} = …`: the {example}")
    };
    if args.id.is_none() {
        errors.at_span(
            proc_macro2::Span::call_site(),
            missing("id", "type of its id, e.g. `id = OrderId`"),
        );
    }
    if args.event.is_none() {
        errors.at_span(
            proc_macro2::Span::call_site(),
            missing("event", "enum of its events, e.g. `event = OrderEvent`"),
        );
    }

    let status_field = args.status.as_ref().and_then(|status| {
        let field = match &data.fields {
            Fields::Named(named) => named
                .named
                .iter()
                .find(|field| field.ident.as_ref() == Some(status)),
            _ => None,
        };
        if let Some(field) = field {
            return Some((status.clone(), field.ty.clone()));
        }
        let fields: Vec<&syn::Field> = data.fields.iter().collect();
        let known: Vec<String> = fields
            .iter()
            .filter_map(|field| field.ident.as_ref().map(ToString::to_string))
            .collect();
        let mut message = format!("`{ident}` has no field `{status}` to hold its status");
        let near = names::closest(&status.to_string(), known.iter().map(String::as_str));
        if let Some(near) = near {
            message.push_str(&format!("; did you mean `{near}`?"));
        }
        errors.at(status, message);
        // Go on with the near miss, so the handlers' states do not fail a second time.
        let near = near?;
        fields
            .iter()
            .find(|field| field.ident.as_ref().is_some_and(|i| i == near))
            .and_then(|field| Some((field.ident.clone()?, field.ty.clone())))
    });

    let name = args
        .name
        .as_ref()
        .map(LitStr::value)
        .unwrap_or_else(|| ident.to_string());
    let unit = quote!(());
    let id = args
        .id
        .as_ref()
        .map(|ty| quote!(#ty))
        .unwrap_or_else(|| unit.clone());
    let event = args
        .event
        .as_ref()
        .map(|ty| quote!(#ty))
        .unwrap_or_else(|| unit.clone());
    let error = args
        .error
        .as_ref()
        .map(|ty| quote!(#ty))
        .unwrap_or_else(|| quote!(#runtime::Error));
    let services = args
        .services
        .as_ref()
        .map(|ty| quote!(#ty))
        .unwrap_or_else(|| unit.clone());
    let persistence = match args.storage.as_ref().map(ToString::to_string).as_deref() {
        Some("state_stored") => quote!(#runtime::Persistence::StateStored),
        _ => quote!(#runtime::Persistence::EventSourced),
    };
    let mut wanted = vec![Derive::Serialize, Derive::Deserialize];
    if status_field.is_some() {
        wanted.push(Derive::Clone);
    }
    let derives = attrs::derives(&input.attrs, &wanted, &runtime);
    let lifecycle = status_field.map(|(field, ty)| {
        quote! {
            impl #private::Lifecycle for #ident {
                type Status = #ty;

                fn status(&self) -> &Self::Status {
                    &self.#field
                }
            }
        }
    });
    let declared = (args.id.is_some() && args.event.is_some()).then(|| {
        quote! {
            impl #private::Declared for #ident {
                const TYPE: &'static str = #name;
                type Id = #id;
                type Event = #event;
                type Error = #error;
                type Services = #services;
            }

            impl #runtime::Persisted for #ident {
                const PERSISTENCE: #runtime::Persistence = #persistence;
            }
        }
    });
    let event_alias = crate::aggregate::event_alias(ident);
    let alias = args.event.as_ref().map(|event| {
        quote! {
            #[doc(hidden)]
            #[allow(non_camel_case_types)]
            type #event_alias = #event;
        }
    });
    let compile_errors = errors.into_compile_errors();
    quote! {
        #derives
        #input
        #alias
        #declared
        #lifecycle
        #compile_errors
    }
}
