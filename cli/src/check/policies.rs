//! Policies: when an event happens, send a command — every command field must be filled.

use crate::diagnostic::{Code, Diagnostic};
use crate::model::*;
use crate::names::{closest, names};
use crate::spec::raw::RawPolicy;

use super::Checker;

pub(crate) fn check(checker: &mut Checker<'_, '_>, aggregates: &[Aggregate]) -> Vec<Policy> {
    let raw = checker.raw;
    raw.policies
        .iter()
        .filter_map(|policy| one(checker, policy, aggregates))
        .collect()
}

fn one(checker: &mut Checker<'_, '_>, raw: &RawPolicy, aggregates: &[Aggregate]) -> Option<Policy> {
    let owner = format!("policy `{}`", raw.name.value);
    let on = raw.on.as_ref()?;
    let send = raw.send.as_ref()?;
    let source = aggregates.iter().find_map(|a| {
        a.events
            .iter()
            .find(|e| e.names.name == on.value)
            .map(|e| (a, e))
    });
    let target = aggregates.iter().find_map(|a| {
        a.commands
            .iter()
            .find(|c| c.names.name == send.value)
            .map(|c| (a, c))
    });
    if source.is_none() {
        let events: Vec<&str> = aggregates
            .iter()
            .flat_map(|a| a.events.iter().map(|e| e.names.name.as_str()))
            .collect();
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
            .suggest(closest(&on.value, events)),
        );
    }
    if target.is_none() {
        let commands: Vec<&str> = aggregates
            .iter()
            .flat_map(|a| a.commands.iter().map(|c| c.names.name.as_str()))
            .collect();
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
            .suggest(closest(&send.value, commands)),
        );
    }
    let ((source_aggregate, event), (target_aggregate, command)) = (source?, target?);
    let event_fields: Vec<&str> = std::iter::once(source_aggregate.id.field.as_str())
        .chain(event.fields.iter().map(|f| f.name.as_str()))
        .collect();
    let command_fields: Vec<&str> = std::iter::once(target_aggregate.id.field.as_str())
        .chain(command.fields.iter().map(|f| f.name.as_str()))
        .collect();
    // Explicit mappings first: both ends must exist.
    let mut explicit = Vec::new();
    for (command_field, event_field) in &raw.map {
        let mut ok = true;
        if !command_fields.contains(&command_field.as_str()) {
            checker.diagnostics.push(
                Diagnostic::new(
                    Code::UnknownField,
                    command_field.span.clone(),
                    format!(
                        "command `{}` has no field `{}`",
                        send.value, command_field.value
                    ),
                )
                .label("not a field of the command")
                .suggest(closest(
                    &command_field.value,
                    command_fields.iter().copied(),
                )),
            );
            ok = false;
        }
        if !event_fields.contains(&event_field.as_str()) {
            checker.diagnostics.push(
                Diagnostic::new(
                    Code::UnknownField,
                    event_field.span.clone(),
                    format!("event `{}` has no field `{}`", on.value, event_field.value),
                )
                .label("not carried by the event")
                .suggest(closest(&event_field.value, event_fields.iter().copied())),
            );
            ok = false;
        }
        if ok {
            explicit.push((command_field.value.clone(), event_field.value.clone()));
        }
    }
    let type_of_event_field = |name: &str| -> Option<(String, bool)> {
        if name == source_aggregate.id.field {
            return Some((
                source_aggregate.id.type_name.clone(),
                source_aggregate.id.kind != IdKind::String,
            ));
        }
        event
            .fields
            .iter()
            .find(|f| f.name == name)
            .map(|f| (f.ty.spec.clone(), f.ty.is_copy))
    };
    let id = &target_aggregate.id;
    let mut wanted: Vec<(String, String, bool)> =
        vec![(id.field.clone(), id.type_name.clone(), false)];
    wanted.extend(command.fields.iter().map(|f| {
        (
            f.name.clone(),
            f.ty.spec.clone(),
            f.ty.kind == TypeKind::Option,
        )
    }));
    let mut mapping = Vec::new();
    for (field, ty, optional) in wanted {
        let source_name = explicit
            .iter()
            .find(|(c, _)| *c == field)
            .map(|(_, e)| e.clone())
            .or_else(|| {
                event_fields
                    .contains(&field.as_str())
                    .then(|| field.clone())
            });
        if let Some(source_name) = source_name {
            if let Some((source_ty, copy)) = type_of_event_field(&source_name) {
                if source_ty != ty && format!("Option<{source_ty}>") != ty {
                    checker.diagnostics.push(
                        Diagnostic::new(
                            Code::TypeMismatch,
                            send.span.clone(),
                            format!(
                                "{owner} fills `{field}` (`{ty}`) of `{}` from `{source_name}` of `{}`, which is `{source_ty}`",
                                send.value, on.value
                            ),
                        )
                        .label("types differ")
                        .help("map a field of the same type with `map = { field = \"event_field\" }`"),
                    );
                    continue;
                }
                let from_id = source_name == source_aggregate.id.field;
                mapping.push(Mapped {
                    field,
                    from: if from_id {
                        MapSource::AggregateId
                    } else {
                        MapSource::EventField
                    },
                    event_field: (!from_id).then_some(source_name),
                    clone: !copy,
                });
                continue;
            }
        }
        if field == id.field && command.creates && id.server_assigned {
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
                    send.span.clone(),
                    format!(
                        "{owner} cannot fill `{field}` of command `{}`: event `{}` carries no `{field}`",
                        send.value, on.value
                    ),
                )
                .label(format!("`{field}` has no source"))
                .help(format!(
                    "map it from one of the event's fields with `map = {{ {field} = \"…\" }}`; the event carries {}",
                    event_fields.join(", ")
                )),
            );
        }
    }
    Some(Policy {
        names: names(&raw.name.value),
        doc: super::doc_lines(raw.doc.as_ref()),
        on: EventRef {
            aggregate: source_aggregate.names.name.clone(),
            aggregate_snake: source_aggregate.names.snake.clone(),
            event: event.names.name.clone(),
        },
        aggregate: target_aggregate.names.name.clone(),
        aggregate_snake: target_aggregate.names.snake.clone(),
        command: command.names.name.clone(),
        mapping,
    })
}
