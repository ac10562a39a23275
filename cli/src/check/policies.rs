//! Policies: when an event happens, send a command — every command field must be filled.

use std::ops::Range;

use crate::diagnostic::{Code, Diagnostic};
use crate::model::*;
use crate::names::{closest, names};
use crate::spec::raw::{RawPolicy, Sp};

use super::Checker;

pub(crate) fn check(checker: &mut Checker<'_, '_>, aggregates: &[Aggregate]) -> Vec<Policy> {
    let raw = checker.raw;
    raw.policies
        .iter()
        .filter_map(|policy| one(checker, policy, aggregates))
        .collect()
}

/// Where a command's fields come from: a domain event of this context (a policy) or an
/// integration event of another (a subscription).
pub(super) struct Source {
    /// What to call it in messages, bare (`OrderStarted`).
    pub name: String,
    /// Its fields, each with its type and whether it is `Copy`; the recording aggregate's id
    /// first when it has one.
    pub fields: Vec<(String, String, bool)>,
    /// Every field name written for it, those whose type did not resolve included (reported
    /// already, so not again).
    pub raw_fields: Vec<String>,
    /// The field that is the recording aggregate's id, when there is one.
    pub id_field: Option<String>,
    /// "the event carries", "the subscription reads": how the help lists its fields.
    pub carries: &'static str,
}

impl Source {
    /// A domain event, as a policy sees it.
    fn event(checker: &Checker<'_, '_>, aggregate: &Aggregate, event: &Event) -> Self {
        let id = &aggregate.id;
        let mut fields = vec![(
            id.field.clone(),
            id.type_name.clone(),
            id.kind != IdKind::String,
        )];
        fields.extend(
            event
                .fields
                .iter()
                .map(|f| (f.name.clone(), f.ty.spec.clone(), f.ty.is_copy)),
        );
        Self {
            name: event.names.name.clone(),
            fields,
            raw_fields: raw_fields_of_event(checker, &event.names.name),
            id_field: Some(id.field.clone()),
            carries: "the event carries",
        }
    }

    /// "event `OrderStarted`".
    fn label(&self) -> String {
        format!("event `{}`", self.name)
    }

    /// "the event carries `a`, `b`", for help texts.
    fn carried(&self) -> String {
        let names = self.names();
        if names.is_empty() {
            return format!(
                "{} nothing yet: declare the fields it needs under `fields`",
                self.carries
            );
        }
        format!("{} {}", self.carries, listed(&names))
    }

    fn names(&self) -> Vec<&str> {
        self.fields
            .iter()
            .map(|(name, _, _)| name.as_str())
            .collect()
    }

    /// The type of a field, and whether it is `Copy`.
    fn field_type(&self, name: &str) -> Option<(String, bool)> {
        self.fields
            .iter()
            .find(|(field, _, _)| field == name)
            .map(|(_, ty, copy)| (ty.clone(), *copy))
    }
}

/// The two ends of a policy or subscription: what it reacts to and the command it sends.
pub(super) struct Ends<'a> {
    pub source: Source,
    pub target: &'a Aggregate,
    pub command: &'a Command,
    pub send: &'a Sp<String>,
    /// "policy `X`", "subscription `X`".
    pub owner: String,
}

impl Ends<'_> {
    /// The command's fields, the implicit aggregate id first.
    fn command_fields(&self) -> Vec<&str> {
        std::iter::once(self.target.id.field.as_str())
            .chain(self.command.fields.iter().map(|f| f.name.as_str()))
            .collect()
    }
}

fn one(checker: &mut Checker<'_, '_>, raw: &RawPolicy, aggregates: &[Aggregate]) -> Option<Policy> {
    let owner = format!("policy `{}`", raw.name.value);
    let on = raw.on.as_ref()?;
    let send = raw.send.as_ref()?;
    let source = find_event(checker, aggregates, on, &owner);
    let target = find_command(checker, aggregates, send, &owner);
    let ((source, event), (target, command)) = (source?, target?);
    let ends = Ends {
        source: Source::event(checker, source, event),
        target,
        command,
        send,
        owner,
    };
    let mapping = mapping(checker, &raw.map, &ends);
    Some(Policy {
        names: names(&raw.name.value),
        doc: super::doc_lines(raw.doc.as_ref()),
        on: EventRef {
            aggregate: source.names.name.clone(),
            aggregate_snake: source.names.snake.clone(),
            event: event.names.name.clone(),
        },
        aggregate: target.names.name.clone(),
        aggregate_snake: target.names.snake.clone(),
        command: command.names.name.clone(),
        mapping,
    })
}

fn find_event<'a>(
    checker: &mut Checker<'_, '_>,
    aggregates: &'a [Aggregate],
    on: &Sp<String>,
    owner: &str,
) -> Option<(&'a Aggregate, &'a Event)> {
    let found = aggregates.iter().find_map(|a| {
        let event = a.events.iter().find(|e| e.names.name == on.value)?;
        Some((a, event))
    });
    if found.is_none() && !checker.events.contains_key(&on.value) {
        let events = aggregates
            .iter()
            .flat_map(|a| a.events.iter().map(|e| e.names.name.as_str()));
        checker.diagnostics.push(
            Diagnostic::new(
                Code::UnknownEvent,
                on.span.clone(),
                format!(
                    "{owner} reacts to `{}`, which is not a declared event",
                    on.value
                ),
            )
            .label("not declared")
            .suggest(closest(&on.value, events.clone()))
            .help_or(choices("events", events)),
        );
    }
    found
}

pub(super) fn find_command<'a>(
    checker: &mut Checker<'_, '_>,
    aggregates: &'a [Aggregate],
    send: &Sp<String>,
    owner: &str,
) -> Option<(&'a Aggregate, &'a Command)> {
    let found = aggregates.iter().find_map(|a| {
        let command = a.commands.iter().find(|c| c.names.name == send.value)?;
        Some((a, command))
    });
    if found.is_none() && !checker.commands.contains_key(&send.value) {
        let commands = aggregates
            .iter()
            .flat_map(|a| a.commands.iter().map(|c| c.names.name.as_str()));
        checker.diagnostics.push(
            Diagnostic::new(
                Code::UnknownCommand,
                send.span.clone(),
                format!(
                    "{owner} sends `{}`, which is not a declared command",
                    send.value
                ),
            )
            .label("not declared")
            .suggest(closest(&send.value, commands.clone()))
            .help_or(choices("commands", commands)),
        );
    }
    found
}

/// An entry of `map`: a command field, and the event field it comes from (with its span) when
/// both ends exist.
struct Entry {
    /// The command field, or the field it is a near miss of.
    field: String,
    /// The event field and where it is written; `None` when an end is unknown (reported).
    from: Option<(String, Range<usize>)>,
}

/// How each field of the command is filled, given the explicit `map` entries (command field
/// = source field) and taking the others by name; what cannot be filled is reported.
pub(super) fn mapping(
    checker: &mut Checker<'_, '_>,
    map: &[(Sp<String>, Sp<String>)],
    ends: &Ends<'_>,
) -> Vec<Mapped> {
    let explicit = explicit_map(checker, map, ends);
    fill(checker, ends, &explicit)
}

/// Checks both ends of every `map` entry.
fn explicit_map(
    checker: &mut Checker<'_, '_>,
    map: &[(Sp<String>, Sp<String>)],
    ends: &Ends<'_>,
) -> Vec<Entry> {
    let event_fields = ends.source.names();
    let command_fields = ends.command_fields();
    let raw_event_fields = &ends.source.raw_fields;
    let mut entries = Vec::new();
    for (command_field, event_field) in map {
        let mut field = command_field.value.clone();
        let mut known = true;
        if !command_fields.contains(&command_field.as_str()) {
            let near = closest(&command_field.value, command_fields.iter().copied());
            checker.diagnostics.push(
                Diagnostic::new(
                    Code::UnknownField,
                    command_field.span.clone(),
                    format!(
                        "command `{}` has no field `{}`",
                        ends.send.value, command_field.value
                    ),
                )
                .label("not a field of the command")
                .suggest(near),
            );
            field = near.map_or(field, str::to_owned);
            known = false;
        }
        if !event_fields.contains(&event_field.as_str()) {
            // A field whose type did not resolve is reported already.
            if !raw_event_fields.contains(&event_field.value) {
                checker.diagnostics.push(
                    Diagnostic::new(
                        Code::UnknownField,
                        event_field.span.clone(),
                        format!(
                            "{} has no field `{}`",
                            ends.source.label(),
                            event_field.value
                        ),
                    )
                    .label("not carried by the event")
                    .suggest(closest(&event_field.value, event_fields.iter().copied()))
                    .help_or(ends.source.carried()),
                );
            }
            known = false;
        }
        let from = known.then(|| (event_field.value.clone(), event_field.span.clone()));
        entries.push(Entry { field, from });
    }
    entries
}

/// The names of every field an event declares, those whose type did not resolve included.
fn raw_fields_of_event(checker: &Checker<'_, '_>, event: &str) -> Vec<String> {
    checker
        .events
        .get(event)
        .map(|(_, raw)| raw.fields.iter().map(|f| f.name.value.clone()).collect())
        .unwrap_or_default()
}

/// How each field of the command (its aggregate's id first) is filled.
fn fill(checker: &mut Checker<'_, '_>, ends: &Ends<'_>, explicit: &[Entry]) -> Vec<Mapped> {
    let id = &ends.target.id;
    let mut wanted: Vec<(String, String, bool)> =
        vec![(id.field.clone(), id.type_name.clone(), false)];
    wanted.extend(ends.command.fields.iter().map(|f| {
        (
            f.name.clone(),
            f.ty.spec.clone(),
            f.ty.kind == TypeKind::Option,
        )
    }));
    let event_fields = ends.source.names();
    let raw_event_fields = &ends.source.raw_fields;
    let mut mapping = Vec::new();
    for (field, ty, optional) in wanted {
        let entry = explicit.iter().find(|e| e.field == field);
        let source = match entry {
            // Mapped, but an end is unknown: reported with the entry.
            Some(Entry { from: None, .. }) => continue,
            Some(Entry {
                from: Some((name, span)),
                ..
            }) => Some((name.clone(), span.clone())),
            None if event_fields.contains(&field.as_str()) => {
                Some((field.clone(), ends.send.span.clone()))
            }
            // Carried under this name, with a type that did not resolve (reported).
            None if raw_event_fields.contains(&field) => continue,
            None => None,
        };
        if let Some((name, at)) = source {
            if let Some(mapped) = mapped_field(checker, ends, &field, &ty, &name, at) {
                mapping.push(mapped);
            }
            continue;
        }
        if field == id.field && ends.command.creates && id.server_assigned {
            mapping.push(Mapped {
                field,
                from: MapSource::NewId,
                event_field: None,
                clone: false,
            });
        } else if optional {
            mapping.push(Mapped {
                field,
                from: MapSource::Absent,
                event_field: None,
                clone: false,
            });
        } else {
            checker.diagnostics.push(
                Diagnostic::new(
                    Code::UnfillableCommandField,
                    ends.send.span.clone(),
                    format!(
                        "{} cannot fill `{field}` of command `{}`: {} carries no `{field}`",
                        ends.owner,
                        ends.send.value,
                        ends.source.label()
                    ),
                )
                .label(format!("`{field}` has no source"))
                .help(format!(
                    "map it from one of the event's fields with `map = {{ {field} = \"…\" }}`; {}",
                    ends.source.carried()
                )),
            );
        }
    }
    mapping
}

/// The command field `field` (of type `ty`) filled from the event field `source`, written at
/// `at`; `None` when the types differ (reported there).
fn mapped_field(
    checker: &mut Checker<'_, '_>,
    ends: &Ends<'_>,
    field: &str,
    ty: &str,
    source: &str,
    at: Range<usize>,
) -> Option<Mapped> {
    let (source_ty, copy) = ends.source.field_type(source)?;
    if source_ty != ty && format!("Option<{source_ty}>") != ty {
        checker.diagnostics.push(
            Diagnostic::new(
                Code::TypeMismatch,
                at,
                format!(
                    "{} fills `{field}` (`{ty}`) of `{}` from `{source}` of `{}`, which is `{source_ty}`",
                    ends.owner, ends.send.value, ends.source.name
                ),
            )
            .label("types differ")
            .help(format!(
                "map `{field}` from an event field of type `{ty}` with `map = {{ {field} = \"…\" }}`"
            )),
        );
        return None;
    }
    let from_id = ends.source.id_field.as_deref() == Some(source);
    Some(Mapped {
        field: field.to_owned(),
        from: if from_id {
            MapSource::AggregateId
        } else {
            MapSource::EventField
        },
        event_field: (!from_id).then(|| source.to_owned()),
        clone: !copy,
    })
}

/// "the commands are `A`, `B`": what a reference could name, when there are few.
pub(super) fn choices<'a>(kind: &str, names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.collect();
    match names.len() {
        0 => format!("the spec declares no {kind}"),
        1..=8 => format!("the {kind} are {}", listed(&names)),
        _ => format!("declare it, or refer to one of the {} {kind}", names.len()),
    }
}

/// `a`, `b`, `c`.
fn listed(names: &[&str]) -> String {
    names
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
