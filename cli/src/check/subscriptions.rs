//! Subscriptions: when another context's integration event arrives, send a command — `from`
//! names the event, `fields` says what this context reads of it, and every command field
//! must be filled, as for a policy.

use std::collections::BTreeMap;

use crate::diagnostic::{Code, Diagnostic};
use crate::model::*;
use crate::names::{is_keyword, is_snake, is_upper_camel, names};
use crate::spec::raw::{RawSubscription, Sp};

use super::policies::{find_command, mapping, Ends, Source};
use super::types::{Declared, Resolver};
use super::{fields, Checker};

pub(crate) fn check(
    checker: &mut Checker<'_, '_>,
    aggregates: &[Aggregate],
    declared: &BTreeMap<String, Declared>,
) -> Vec<Subscription> {
    let resolver = Resolver {
        declared,
        aggregate: None,
    };
    let raw = checker.raw;
    raw.subscriptions
        .iter()
        .filter_map(|subscription| one(checker, subscription, aggregates, &resolver))
        .collect()
}

fn one(
    checker: &mut Checker<'_, '_>,
    raw: &RawSubscription,
    aggregates: &[Aggregate],
    resolver: &Resolver<'_>,
) -> Option<Subscription> {
    let owner = format!("subscription `{}`", raw.name.value);
    let fields = fields::fields(&raw.fields, &owner, resolver, checker.diagnostics);
    let from = raw.from.as_ref().and_then(|from| origin(checker, from));
    let send = raw.send.as_ref()?;
    let target = find_command(checker, aggregates, send, &owner);
    let ((context, event), (target, command)) = (from?, target?);
    let source = Source {
        name: format!("{context}.{event}"),
        fields: fields
            .iter()
            .map(|f| (f.name.clone(), f.ty.spec.clone(), f.ty.is_copy))
            .collect(),
        raw_fields: raw.fields.iter().map(|f| f.name.value.clone()).collect(),
        id_field: None,
        carries: "the subscription reads",
    };
    let ends = Ends {
        source,
        target,
        command,
        send,
        owner,
    };
    let mapping = mapping(checker, &raw.map, &ends);
    let own = checker
        .raw
        .context
        .as_ref()
        .and_then(|c| c.name.as_ref())
        .map_or_else(String::new, |name| name.value.clone());
    let names = names(&raw.name.value);
    Some(Subscription {
        durable: format!("{own}_{}", names.snake),
        names,
        doc: super::doc_lines(raw.doc.as_ref()),
        context,
        event,
        fields,
        aggregate: target.names.name.clone(),
        aggregate_snake: target.names.snake.clone(),
        command: command.names.name.clone(),
        mapping,
    })
}

/// `context.Event`, split; `None` when malformed (reported).
fn origin(checker: &mut Checker<'_, '_>, from: &Sp<String>) -> Option<(String, String)> {
    let well_formed = from.value.split_once('.').filter(|(context, event)| {
        is_snake(context) && !is_keyword(context) && is_upper_camel(event)
    });
    if well_formed.is_none() {
        checker.diagnostics.push(
            Diagnostic::new(
                Code::InvalidValue,
                from.span.clone(),
                format!(
                    "`{}` does not name another context's integration event",
                    from.value
                ),
            )
            .label("not `context.Event`")
            .help("write the publishing context's name and the event's, as in `from = \"eshop_ordering.OrderStartedIntegrationEvent\"`"),
        );
    }
    well_formed.map(|(context, event)| (context.to_owned(), event.to_owned()))
}
