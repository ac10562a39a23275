//! What the integration template sees: the events this context publishes (each with its
//! aggregate, for the outbox routes) and, for each subscription, the message it decodes and
//! the expression that fills each field of the command it sends.

use serde::Serialize;

use crate::model::{MapSource, Model, Subscription, TypeKind};

use super::view::Imports;

/// An integration event this context publishes.
#[derive(Debug, Serialize)]
struct Published {
    /// The aggregate that records it.
    aggregate: String,
    /// The event.
    event: String,
    /// Its entry in the module's list: subject and the first line of its doc.
    listed: Vec<String>,
}

/// A field of a subscription's message struct.
#[derive(Debug, Serialize)]
struct MessageField {
    name: String,
    rust: String,
    doc: Vec<String>,
}

/// One subscription as the template prints it.
#[derive(Debug, Serialize)]
struct SubscriptionView<'a> {
    subscription: &'a Subscription,
    /// The message struct's fields.
    fields: Vec<MessageField>,
    /// The message's fields the command uses, bound from the decoded message.
    binds: Vec<String>,
    /// The message struct has fields the command does not use.
    rest: bool,
    /// `field: expression` initialisers of the command.
    initialisers: Vec<String>,
}

/// The integration module's view.
#[derive(Debug, Serialize)]
pub(crate) struct IntegrationView<'a> {
    /// The context publishes or consumes integration events: the service talks to a broker.
    any: bool,
    imports: Vec<String>,
    published: Vec<Published>,
    subscriptions: Vec<SubscriptionView<'a>>,
}

/// Plans the integration module of `model`.
pub(crate) fn integration_view(model: &Model) -> IntegrationView<'_> {
    let mut imports = Imports::inside(model, "generated::application::integration");
    let mut published = Vec::new();
    for aggregate in &model.aggregates {
        for event in aggregate.events.iter().filter(|e| e.integration) {
            imports.name(&aggregate.names.name);
            let summary = event
                .doc
                .first()
                .map_or(String::new(), |line| format!(": {line}"));
            published.push(Published {
                aggregate: aggregate.names.name.clone(),
                event: event.names.name.clone(),
                listed: vec![format!(
                    "- `{}.{}`, recorded by [`{}`]{summary}",
                    model.context.name, event.names.name, aggregate.names.name
                )],
            });
        }
    }
    if !published.is_empty() {
        imports.path("seedwork::Aggregate");
    }
    let subscriptions: Vec<SubscriptionView<'_>> = model
        .subscriptions
        .iter()
        .map(|subscription| subscription_view(model, subscription, &mut imports))
        .collect();
    if !subscriptions.is_empty() {
        for path in [
            "seedwork::async_trait",
            "seedwork::Mediator",
            "seedwork::nats::IntegrationMessage",
            "seedwork::nats::Subscriber",
            "seedwork::nats::Subscription",
        ] {
            imports.path(path);
        }
    }
    IntegrationView {
        any: !published.is_empty() || !subscriptions.is_empty(),
        imports: imports.finish(),
        published,
        subscriptions,
    }
}

fn subscription_view<'a>(
    model: &Model,
    subscription: &'a Subscription,
    imports: &mut Imports<'_>,
) -> SubscriptionView<'a> {
    imports.name(&subscription.command);
    let fields: Vec<MessageField> = subscription
        .fields
        .iter()
        .map(|field| {
            imports.ty(&field.ty.rust);
            MessageField {
                name: field.name.clone(),
                rust: field.ty.rust.clone(),
                doc: field.doc.clone(),
            }
        })
        .collect();
    let command = model
        .aggregates
        .iter()
        .find(|a| a.names.name == subscription.aggregate)
        .and_then(|a| {
            a.commands
                .iter()
                .find(|c| c.names.name == subscription.command)
        });
    // A message field that fills several command fields is cloned for all but its last use.
    let uses = |name: &str| {
        subscription
            .mapping
            .iter()
            .filter(|m| m.event_field.as_deref() == Some(name))
            .count()
    };
    let mut used: Vec<(String, usize)> = Vec::new();
    let mut binds: Vec<String> = Vec::new();
    let initialisers = subscription
        .mapping
        .iter()
        .map(|mapped| {
            let value = match mapped.from {
                MapSource::EventField => {
                    let name = mapped.event_field.clone().unwrap_or_default();
                    if !binds.contains(&name) {
                        binds.push(name.clone());
                    }
                    let seen = match used.iter_mut().find(|(n, _)| *n == name) {
                        Some((_, count)) => {
                            *count += 1;
                            *count
                        }
                        None => {
                            used.push((name.clone(), 1));
                            1
                        }
                    };
                    let value = if mapped.clone && seen < uses(&name) {
                        format!("{name}.clone()")
                    } else {
                        name.clone()
                    };
                    let wrap = command
                        .and_then(|c| c.fields.iter().find(|f| f.name == mapped.field))
                        .zip(subscription.fields.iter().find(|f| f.name == name))
                        .is_some_and(|(to, from)| {
                            to.ty.kind == TypeKind::Option && from.ty.kind != TypeKind::Option
                        });
                    if wrap {
                        format!("Some({value})")
                    } else {
                        value
                    }
                }
                // A message has no aggregate id of this context (the checker offers none),
                // so only a fresh id can fill the target's.
                MapSource::AggregateId | MapSource::NewId => "seedwork::NewId::new_id()".to_owned(),
                MapSource::Absent => "None".to_owned(),
            };
            if value == mapped.field {
                value
            } else {
                format!("{}: {value}", mapped.field)
            }
        })
        .collect();
    SubscriptionView {
        subscription,
        rest: binds.len() < fields.len(),
        fields,
        binds,
        initialisers,
    }
}
