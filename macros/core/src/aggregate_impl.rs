//! `#[aggregate]` on the impl block: `#[handle]` methods decide on events, `#[apply]` methods
//! change state. Writes the command enum, the `Aggregate` impl that dispatches to the methods
//! (with lifecycle checks), and the one-call registration with the mediator.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{FnArg, ImplItem, ImplItemFn, ItemImpl, Pat, ReturnType, Token, Type};

use crate::attrs::{self, Runtime};
use crate::errors::Errors;

const HANDLE_KEYS: &[&str] = &["from", "to"];

/// A `#[handle]` method.
struct Handler {
    method: syn::Ident,
    command: syn::Path,
    variant: syn::Ident,
    is_async: bool,
    takes_context: bool,
    from: Vec<syn::Ident>,
    to: Option<syn::Ident>,
    output_span: proc_macro2::Span,
    /// False when the signature was reported as wrong: the method is then not called, so the
    /// compiler adds no errors of its own about the same mistake.
    sound: bool,
}

/// A parameter of an `#[apply]` method: the event field it binds.
struct Binding {
    field: syn::Ident,
    by_reference: bool,
}

/// An `#[apply(Variant)]` method.
struct Applier {
    method: syn::Ident,
    variant: syn::Path,
    bindings: Vec<Binding>,
    /// True when the method wrongly returns a value (reported); the call then discards it.
    returns_value: bool,
}

/// `from = [Placed, Cooking]` or `from = Placed`.
fn parse_states(meta: &syn::meta::ParseNestedMeta) -> syn::Result<Vec<syn::Ident>> {
    let input = meta.value()?;
    if input.peek(syn::token::Bracket) {
        let content;
        syn::bracketed!(content in input);
        Ok(
            Punctuated::<syn::Ident, Token![,]>::parse_terminated(&content)?
                .into_iter()
                .collect(),
        )
    } else {
        Ok(vec![input.parse()?])
    }
}

fn parse_handler(
    method: &ImplItemFn,
    attr: &syn::Attribute,
    errors: &mut Errors,
) -> Option<Handler> {
    let mut from = Vec::new();
    let mut to = None;
    if matches!(attr.meta, syn::Meta::List(_)) {
        let parsed = attr.parse_nested_meta(|meta| {
            match attrs::resolve(errors, &meta, "`#[handle]` key", HANDLE_KEYS).as_str() {
                "from" => from = parse_states(&meta)?,
                "to" => to = Some(meta.value()?.parse()?),
                _ => attrs::skip_value(&meta)?,
            }
            Ok(())
        });
        errors.ok(parsed);
    }
    let sig = &method.sig;
    let name = &sig.ident;
    let before = errors.count();
    let shape = format!(
        "write it as `fn {name}(&self, command: TheCommand) -> Result<Vec<TheEvent>, TheError>` (a second parameter `context: &CommandContext<'_, Self>` is optional)"
    );
    if !sig.generics.params.is_empty() {
        errors.at(
            &sig.generics,
            format!("a command handler cannot be generic; {shape}"),
        );
    }
    let mut inputs = sig.inputs.iter();
    match inputs.next() {
        Some(FnArg::Receiver(receiver)) if receiver.reference.is_some() && receiver.mutability.is_none() => {}
        Some(FnArg::Receiver(receiver)) if receiver.mutability.is_some() => errors.at(
            receiver,
            "a command handler only decides: it reads the state through `&self` and returns events; change the state in an `#[apply]` method",
        ),
        Some(other) => errors.at(other, format!("a command handler takes `&self` first; {shape}")),
        None => errors.at(name, format!("a command handler takes `&self` and the command; {shape}")),
    }
    let command = match inputs.next() {
        Some(FnArg::Typed(typed)) => match &*typed.ty {
            Type::Path(path) if path.qself.is_none() => Some(path.path.clone()),
            Type::Reference(reference) => {
                errors.at(
                    reference,
                    "take the command by value (`command: TheCommand`): the handler owns it",
                );
                match &*reference.elem {
                    Type::Path(path) if path.qself.is_none() => Some(path.path.clone()),
                    _ => None,
                }
            }
            other => {
                errors.at(
                    other,
                    format!("the command is a struct marked `#[command]`; {shape}"),
                );
                None
            }
        },
        _ => {
            errors.at(
                name,
                format!("a command handler needs the command it handles; {shape}"),
            );
            None
        }
    };
    let takes_context = inputs.next().is_some();
    if let Some(extra) = inputs.next() {
        errors.at(
            extra,
            format!("too many parameters for a command handler; {shape}"),
        );
    }
    let output_span = match &sig.output {
        ReturnType::Default => {
            errors.at(
                name,
                format!("a command handler returns the events it decides on; {shape}"),
            );
            name.span()
        }
        ReturnType::Type(_, ty) => ty.span(),
    };
    let sound = errors.count() == before;
    let command = command?;
    let variant = command.segments.last()?.ident.clone();
    Some(Handler {
        method: name.clone(),
        command,
        variant,
        is_async: sig.asyncness.is_some(),
        takes_context,
        from,
        to,
        output_span,
        sound,
    })
}

fn parse_applier(
    method: &ImplItemFn,
    attr: &syn::Attribute,
    errors: &mut Errors,
) -> Option<Applier> {
    let sig = &method.sig;
    let name = &sig.ident;
    let variant = match attr.parse_args::<syn::Path>() {
        Ok(path) => Some(path),
        Err(_) => {
            errors.at(
                attr,
                format!(
                    "name the event this method applies: `#[apply(OrderPlaced)]` above `fn {name}`"
                ),
            );
            None
        }
    };
    let shape = format!(
        "write it as `fn {name}(&mut self, field: &Type, …)`, one parameter per event field it needs, named like the field"
    );
    if !sig.generics.params.is_empty() {
        errors.at(
            &sig.generics,
            format!("an `#[apply]` method cannot be generic; {shape}"),
        );
    }
    if sig.asyncness.is_some() {
        errors.at(
            sig.asyncness,
            "applying an event only changes state in memory, so it cannot be `async`",
        );
    }
    let mut inputs = sig.inputs.iter();
    match inputs.next() {
        Some(FnArg::Receiver(receiver))
            if receiver.reference.is_some() && receiver.mutability.is_some() => {}
        Some(FnArg::Receiver(receiver)) => errors.at(
            receiver,
            "an `#[apply]` method changes the state, so it takes `&mut self`",
        ),
        Some(other) => errors.at(
            other,
            format!("an `#[apply]` method takes `&mut self` first; {shape}"),
        ),
        None => errors.at(
            name,
            format!("an `#[apply]` method takes `&mut self`; {shape}"),
        ),
    }
    let mut bindings = Vec::new();
    for input in inputs {
        match input {
            FnArg::Typed(typed) => match &*typed.pat {
                Pat::Ident(pat) if pat.subpat.is_none() => bindings.push(Binding {
                    field: pat.ident.clone(),
                    by_reference: matches!(*typed.ty, Type::Reference(_)),
                }),
                other => errors.at(
                    other,
                    format!("each parameter of an `#[apply]` method is named like the event field it receives; {shape}"),
                ),
            },
            FnArg::Receiver(receiver) => errors.at(receiver, shape.clone()),
        }
    }
    let returns_value = matches!(sig.output, ReturnType::Type(..));
    if let ReturnType::Type(_, ty) = &sig.output {
        errors.at(
            ty,
            "an `#[apply]` method returns nothing: applying an event cannot fail",
        );
    }
    Some(Applier {
        method: name.clone(),
        variant: variant?,
        bindings,
        returns_value,
    })
}

/// Expands `#[aggregate(args)] impl Order { … }`.
pub(crate) fn expand(args: TokenStream, mut item: ItemImpl) -> TokenStream {
    let mut errors = Errors::default();
    let mut runtime = Runtime::default();
    let parser = syn::meta::parser(|meta| {
        let key = attrs::key(&meta);
        match key.as_str() {
            "crate" => runtime = Runtime::parse(&meta)?,
            "id" | "event" | "error" | "services" | "storage" | "status" | "name" => {
                errors.at(
                    &meta.path,
                    format!("`{key}` belongs in the `#[aggregate(…)]` on the state struct; on the impl block only `crate` is accepted"),
                );
                attrs::skip_value(&meta)?;
            }
            _ => {
                attrs::resolve(
                    &mut errors,
                    &meta,
                    "`#[aggregate]` key on an impl block",
                    &["crate"],
                );
                attrs::skip_value(&meta)?;
            }
        }
        Ok(())
    });
    let result = syn::parse::Parser::parse2(parser, args);
    errors.ok(result);

    if let Some((_, path, _)) = &item.trait_ {
        return syn::Error::new_spanned(
            path,
            "`#[aggregate]` goes on the aggregate's own `impl Order { … }` block, not on a trait impl",
        )
        .into_compile_error();
    }
    if !item.generics.params.is_empty() {
        errors.at(&item.generics, "an aggregate cannot be generic");
    }
    let self_ty = item.self_ty.clone();
    let Type::Path(self_path) = &*self_ty else {
        return syn::Error::new_spanned(
            &self_ty,
            "`#[aggregate]` goes on `impl Order { … }` for a struct `Order`",
        )
        .into_compile_error();
    };
    let Some(self_ident) = self_path.path.segments.last().map(|s| s.ident.clone()) else {
        return TokenStream::new();
    };

    let mut handlers: Vec<Handler> = Vec::new();
    let mut appliers: Vec<Applier> = Vec::new();
    for impl_item in &mut item.items {
        let ImplItem::Fn(method) = impl_item else {
            continue;
        };
        let handle_attrs: Vec<syn::Attribute> = method
            .attrs
            .iter()
            .filter(|a| attrs::is(a, "handle"))
            .cloned()
            .collect();
        let apply_attrs: Vec<syn::Attribute> = method
            .attrs
            .iter()
            .filter(|a| attrs::is(a, "apply"))
            .cloned()
            .collect();
        attrs::strip(&mut method.attrs, &["handle", "apply"]);
        if let (Some(_), Some(apply)) = (handle_attrs.first(), apply_attrs.first()) {
            errors.at(
                apply,
                "a method either handles a command or applies an event, not both",
            );
            continue;
        }
        if let Some(attr) = handle_attrs.first() {
            if let Some(handler) = parse_handler(method, attr, &mut errors) {
                if let Some(other) = handlers.iter().find(|h| h.variant == handler.variant) {
                    errors.at(
                        &handler.command,
                        format!(
                            "`{}` is already handled by `{}`: a command has exactly one handler",
                            handler.variant, other.method
                        ),
                    );
                } else {
                    handlers.push(handler);
                }
            }
        }
        if let Some(attr) = apply_attrs.first() {
            if let Some(applier) = parse_applier(method, attr, &mut errors) {
                let last = |path: &syn::Path| path.segments.last().map(|s| s.ident.clone());
                if let Some(other) = appliers
                    .iter()
                    .find(|a| last(&a.variant) == last(&applier.variant))
                {
                    errors.at(
                        &applier.variant,
                        format!(
                            "`{}` is already applied by `{}`: each event has at most one `#[apply]` method",
                            quote::ToTokens::to_token_stream(&applier.variant).to_string().replace(' ', ""),
                            other.method
                        ),
                    );
                } else {
                    appliers.push(applier);
                }
            }
        }
    }

    if handlers.is_empty() {
        errors.at(
            &self_ty,
            format!("`{self_ident}` handles no command: an aggregate needs at least one `#[handle]` method, `fn …(&self, command: TheCommand) -> …`"),
        );
    }
    let private = runtime.private();
    let event_alias = crate::aggregate::event_alias(&self_ident);
    let command_enum = format_ident!("{}Command", self_ident);
    let declared = quote!(<#self_ty as #private::Declared>);
    let variants = handlers.iter().map(|h| {
        let (variant, command) = (&h.variant, &h.command);
        let doc = attrs::doc(&format!(
            "[`{}`], handled by `{}::{}`.",
            quote!(#command).to_string().replace(' ', ""),
            self_ident,
            h.method
        ));
        quote!(#doc #variant(#command))
    });
    let enum_doc = attrs::doc(&format!(
        "Every command [`{self_ident}`] handles, one variant per `#[handle]` method; written by `#[aggregate]`."
    ));
    let conversions = handlers.iter().map(|h| {
        let (variant, command) = (&h.variant, &h.command);
        quote! {
            impl ::core::convert::From<#command> for #command_enum {
                fn from(command: #command) -> Self {
                    Self::#variant(command)
                }
            }

            impl #private::HandledBy<#self_ty> for #command {
                fn into_aggregate_command(self) -> #command_enum {
                    #command_enum::#variant(self)
                }
            }
        }
    });
    let dispatch = handlers
        .iter()
        .map(|h| handle_arm(h, &runtime, &self_ty, &command_enum, &declared));
    let intents = handlers.iter().map(|h| {
        let (variant, command) = (&h.variant, &h.command);
        quote!(#command_enum::#variant(_) => <#command as #runtime::AggregateCommand>::INTENT,)
    });
    let registrations = handlers.iter().map(|h| {
        let command = &h.command;
        quote!(.aggregate_command::<#command>(::core::clone::Clone::clone(&repository)))
    });
    let applies = appliers.iter().map(|a| {
        let method = &a.method;
        let fields = a.bindings.iter().map(|b| &b.field);
        let arguments = a.bindings.iter().map(|b| {
            let field = &b.field;
            if b.by_reference {
                quote!(#field)
            } else {
                quote_spanned!(field.span()=> ::core::clone::Clone::clone(#field))
            }
        });
        let variant = match a.variant.segments.last() {
            Some(segment) => segment.ident.clone(),
            None => format_ident!("_"),
        };
        let variant = quote_spanned!(a.variant.span()=> #event_alias::#variant);
        let call = quote!(self.#method(#(#arguments),*));
        if a.returns_value {
            quote!(#variant { #(#fields,)* .. } => { let _ = #call; })
        } else {
            quote!(#variant { #(#fields,)* .. } => #call,)
        }
    });
    let compile_errors = errors.into_compile_errors();
    let (impl_generics, _, where_clause) = item.generics.split_for_impl();
    quote! {
        #item

        #enum_doc
        #[allow(private_interfaces, clippy::large_enum_variant)]
        pub enum #command_enum {
            #(#variants,)*
        }

        #(#conversions)*

        impl #impl_generics #runtime::Aggregate for #self_ty #where_clause {
            const TYPE: &'static str = #declared::TYPE;
            type Id = #declared::Id;
            type Command = #command_enum;
            type Event = #declared::Event;
            type Error = #runtime::AggregateError<#declared::Error>;
            type Services = #declared::Services;

            async fn handle(
                &self,
                command: #command_enum,
                context: &#runtime::CommandContext<'_, Self>,
            ) -> ::core::result::Result<::std::vec::Vec<Self::Event>, Self::Error> {
                let _ = context;
                match command {
                    #(#dispatch)*
                }
            }

            fn apply(&mut self, event: &Self::Event) {
                #[allow(unreachable_patterns, clippy::clone_on_copy)]
                match event {
                    #(#applies)*
                    _ => {}
                }
            }

            fn intent(command: &#command_enum) -> #runtime::CommandIntent {
                match *command {
                    #(#intents)*
                }
            }
        }

        impl #runtime::RegisterCommands for #self_ty {
            fn register_commands(
                builder: #runtime::MediatorBuilder,
                repository: ::std::sync::Arc<dyn #runtime::Repository<Self>>,
            ) -> #runtime::MediatorBuilder {
                let _ = &repository;
                builder #(#registrations)*
            }
        }

        #compile_errors
    }
}

/// The match arm that checks the lifecycle, calls the handler and checks where it led.
fn handle_arm(
    handler: &Handler,
    runtime: &Runtime,
    self_ty: &Type,
    command_enum: &syn::Ident,
    declared: &TokenStream,
) -> TokenStream {
    let private = runtime.private();
    let Handler {
        method,
        command,
        variant,
        ..
    } = handler;
    if !handler.sound {
        // The signature error is already reported; calling the method would only add the
        // compiler's own errors about the same mistake.
        return quote! {
            #command_enum::#variant(command) => {
                let _ = command;
                ::core::unreachable!()
            }
        };
    }
    let context = handler.takes_context.then(|| quote!(, context));
    let call = if handler.is_async {
        quote!(self.#method(command #context).await)
    } else {
        quote!(self.#method(command #context))
    };
    let lifecycle = quote!(<#self_ty as #private::Lifecycle>);
    let status_alias = (!handler.from.is_empty() || handler.to.is_some())
        .then(|| quote!(type Status = #lifecycle::Status;));
    let from_check = (!handler.from.is_empty()).then(|| {
        let states = handler
            .from
            .iter()
            .map(|state| quote_spanned!(state.span()=> Status::#state));
        let state_span = handler
            .from
            .first()
            .map_or_else(proc_macro2::Span::call_site, syn::Ident::span);
        let status = quote_spanned!(state_span=> #private::Lifecycle::status(self));
        quote! {
            let state = #status;
            if !::core::matches!(state, #(#states)|*) {
                return ::core::result::Result::Err(#runtime::AggregateError::WrongState(
                    #runtime::LifecycleError::new(
                        <#command as #runtime::Command>::NAME,
                        <Self as #runtime::Aggregate>::TYPE,
                        context.aggregate_id,
                        ::std::format!("{:?}", state),
                    ),
                ));
            }
        }
    });
    let to_check = handler.to.as_ref().map(|state| {
        let target = quote_spanned!(state.span()=> Status::#state);
        let next = quote_spanned!(state.span()=> ::core::clone::Clone::clone(self));
        let message = format!(
            "`{method}` declares `to = {state}`, but its events leave {{}} {{}} {{:?}}; set the status in the `#[apply]` methods of the events it returns"
        );
        quote! {
            let mut next = #next;
            for event in &events {
                #runtime::Aggregate::apply(&mut next, event);
            }
            let reached = #private::Lifecycle::status(&next);
            if !::core::matches!(reached, #target) {
                return ::core::result::Result::Err(#runtime::AggregateError::Inconsistent(
                    ::std::format!(#message, <Self as #runtime::Aggregate>::TYPE, context.aggregate_id, reached),
                ));
            }
        }
    });
    let output_span = handler.output_span;
    let events = quote_spanned! {output_span=>
        <_ as #private::HandlerOutput<#declared::Event, #declared::Error>>::into_events(#call)
    };
    quote! {
        #command_enum::#variant(command) => {
            #status_alias
            #from_check
            let events = #events.map_err(#runtime::AggregateError::Rejected)?;
            #to_check
            ::core::result::Result::Ok(events)
        }
    }
}
