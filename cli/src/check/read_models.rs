//! Read models and their queries: keys, the events that update them, filters, routes.

use std::collections::BTreeMap;

use crate::diagnostic::{Code, Diagnostic};
use crate::model::*;
use crate::names::{closest, names};
use crate::spec::raw::{RawReadModel, Sp};

use super::types::{Declared, Resolver};
use super::{fields, http_route, Checker};

pub(crate) fn check(
    checker: &mut Checker<'_, '_>,
    aggregates: &[Aggregate],
    declared: &BTreeMap<String, Declared>,
) -> Vec<ReadModel> {
    let resolver = Resolver {
        declared,
        aggregate: None,
    };
    let raw = checker.raw;
    raw.read_models
        .iter()
        .filter_map(|read_model| one(checker, read_model, aggregates, &resolver))
        .collect()
}

/// An event as a read model sees it: its fields plus the implicit aggregate id.
struct Carried<'a> {
    aggregate: &'a Aggregate,
    event: &'a Event,
}

impl Carried<'_> {
    fn field(&self, name: &str) -> Option<(Source, String)> {
        if name == self.aggregate.id.field {
            return Some((Source::AggregateId, self.aggregate.id.type_name.clone()));
        }
        self.event
            .fields
            .iter()
            .find(|f| f.name == name)
            .map(|f| (Source::Event, f.ty.spec.clone()))
    }

    fn names(&self) -> Vec<&str> {
        std::iter::once(self.aggregate.id.field.as_str())
            .chain(self.event.fields.iter().map(|f| f.name.as_str()))
            .collect()
    }

    fn event_ref(&self) -> EventRef {
        EventRef {
            aggregate: self.aggregate.names.name.clone(),
            aggregate_snake: self.aggregate.names.snake.clone(),
            event: self.event.names.name.clone(),
        }
    }
}

fn find_event<'a>(aggregates: &'a [Aggregate], name: &str) -> Option<Carried<'a>> {
    aggregates.iter().find_map(|aggregate| {
        aggregate
            .events
            .iter()
            .find(|e| e.names.name == name)
            .map(|event| Carried { aggregate, event })
    })
}

fn all_events(aggregates: &[Aggregate]) -> Vec<&str> {
    aggregates
        .iter()
        .flat_map(|a| a.events.iter().map(|e| e.names.name.as_str()))
        .collect()
}

fn one(
    checker: &mut Checker<'_, '_>,
    raw: &RawReadModel,
    aggregates: &[Aggregate],
    resolver: &Resolver<'_>,
) -> Option<ReadModel> {
    let owner = format!("read model `{}`", raw.name.value);
    let n = names(&raw.name.value);
    let read_fields: Vec<Field> = raw
        .fields
        .iter()
        .filter_map(|f| fields::field(f, &owner, resolver, checker.diagnostics))
        .collect();
    super::names::case_collisions(
        raw.fields.iter().map(|f| &f.name),
        "field",
        checker.diagnostics,
    );
    let field_names: Vec<&str> = raw.fields.iter().map(|f| f.name.as_str()).collect();
    let key_name = raw.key.as_ref()?;
    let Some(key) = read_fields
        .iter()
        .find(|f| f.name == key_name.value)
        .cloned()
    else {
        if !field_names.contains(&key_name.as_str()) {
            checker.diagnostics.push(
                Diagnostic::new(
                    Code::UnknownField,
                    key_name.span.clone(),
                    format!("the key `{}` is not a field of {owner}", key_name.value),
                )
                .label("not a field")
                .suggest(closest(&key_name.value, field_names.iter().copied()))
                .help_or(format!("add `{} = \"…\"` to its `fields`", key_name.value)),
            );
        }
        return None;
    };
    if !key.ty.is_scalar {
        checker.diagnostics.push(
            Diagnostic::new(
                Code::InvalidValue,
                key_name.span.clone(),
                format!(
                    "the key of {owner} is `{}`, which cannot be a key",
                    key.ty.spec
                ),
            )
            .label("not a scalar")
            .help("a key is a string, a number, a uuid, an enum or an aggregate id"),
        );
    }
    let mut updates = Vec::new();
    let known_events = all_events(aggregates);
    for (event_name, explicit) in &raw.updated_by {
        let Some(carried) = find_event(aggregates, &event_name.value) else {
            push_unknown_event(checker, event_name, &known_events, &owner);
            continue;
        };
        let Some(key_from) = key_source(checker, &carried, &key, event_name, &owner) else {
            continue;
        };
        let mut set = Vec::new();
        match explicit {
            Some(listed) => {
                for field in listed {
                    if !field_names.contains(&field.as_str()) {
                        checker.diagnostics.push(
                            Diagnostic::new(
                                Code::UnknownField,
                                field.span.clone(),
                                format!("`{}` is not a field of {owner}", field.value),
                            )
                            .label("not a field")
                            .suggest(closest(&field.value, field_names.iter().copied())),
                        );
                        continue;
                    }
                    match carried.field(&field.value) {
                        Some((from, ty)) => {
                            if compatible(
                                checker,
                                &read_fields,
                                &field.value,
                                &ty,
                                field,
                                &carried,
                                &owner,
                            ) {
                                set.push(UpdatedField {
                                    field: field.value.clone(),
                                    from,
                                });
                            }
                        }
                        None => checker.diagnostics.push(
                            Diagnostic::new(
                                Code::UnknownField,
                                field.span.clone(),
                                format!(
                                    "event `{}` does not carry `{}`",
                                    event_name.value, field.value
                                ),
                            )
                            .label("not carried by the event")
                            .suggest(closest(&field.value, carried.names())),
                        ),
                    }
                }
            }
            None => {
                for field in &read_fields {
                    if let Some((from, ty)) = carried.field(&field.name) {
                        if compatible(
                            checker,
                            &read_fields,
                            &field.name,
                            &ty,
                            event_name,
                            &carried,
                            &owner,
                        ) {
                            set.push(UpdatedField {
                                field: field.name.clone(),
                                from,
                            });
                        }
                    }
                }
            }
        }
        updates.push(Update {
            event: carried.event_ref(),
            fields: set,
            key_from,
        });
    }
    let mut removed_by = Vec::new();
    for event_name in &raw.removed_by {
        let Some(carried) = find_event(aggregates, &event_name.value) else {
            push_unknown_event(checker, event_name, &known_events, &owner);
            continue;
        };
        if key_source(checker, &carried, &key, event_name, &owner).is_some() {
            removed_by.push(carried.event_ref());
        }
    }
    let mut queries = Vec::new();
    for query in &raw.queries {
        let query_owner = format!("query `{}`", query.name.value);
        let kind = match query.kind.as_ref().map(|k| k.as_str()) {
            None | Some("get") => QueryKind::Get,
            Some("list") => QueryKind::List,
            Some(other) => {
                let span = query
                    .kind
                    .as_ref()
                    .map(|k| k.span.clone())
                    .unwrap_or_default();
                checker.diagnostics.push(
                    Diagnostic::new(
                        Code::InvalidValue,
                        span,
                        format!("`{other}` is not a kind of query"),
                    )
                    .label("not `get` or `list`")
                    .suggest(closest(other, ["get", "list"])),
                );
                QueryKind::Get
            }
        };
        let mut filters = Vec::new();
        for filter in &query.filters {
            if kind == QueryKind::Get {
                checker.diagnostics.push(
                    Diagnostic::new(
                        Code::InvalidValue,
                        filter.span.clone(),
                        format!("{query_owner} gets one row by key, so it takes no filters"),
                    )
                    .label("only for lists")
                    .help("add `kind = \"list\"`"),
                );
                break;
            }
            match read_fields.iter().find(|f| f.name == filter.value) {
                Some(field) if field.ty.is_scalar || field.ty.kind == TypeKind::Option => {
                    filters.push(field.clone())
                }
                Some(field) => checker.diagnostics.push(
                    Diagnostic::new(
                        Code::InvalidValue,
                        filter.span.clone(),
                        format!(
                            "`{}` is `{}`, which cannot be a filter",
                            filter.value, field.ty.spec
                        ),
                    )
                    .label("not a scalar"),
                ),
                None => {
                    if field_names.contains(&filter.as_str()) {
                        continue;
                    }
                    checker.diagnostics.push(
                        Diagnostic::new(
                            Code::UnknownField,
                            filter.span.clone(),
                            format!("`{}` is not a field of {owner}", filter.value),
                        )
                        .label("not a field")
                        .suggest(closest(&filter.value, field_names.iter().copied())),
                    )
                }
            }
        }
        let page_size = match &query.page_size {
            Some(size) if size.value == 0 || size.value > 1000 => {
                checker.diagnostics.push(
                    Diagnostic::new(
                        Code::InvalidValue,
                        size.span.clone(),
                        format!("the page size of {query_owner} must be between 1 and 1000"),
                    )
                    .label("out of range"),
                );
                50
            }
            Some(size) if kind == QueryKind::Get => {
                checker.diagnostics.push(
                    Diagnostic::new(
                        Code::Redundant,
                        size.span.clone(),
                        format!("{query_owner} gets one row, so a page size means nothing"),
                    )
                    .label("ignored"),
                );
                50
            }
            Some(size) => size.value as u32,
            None => 50,
        };
        let default_path = match kind {
            QueryKind::Get => format!("/{}/{{{}}}", n.plural_kebab, key.name),
            QueryKind::List => format!("/{}", n.plural_kebab),
        };
        let http = match &query.http {
            Some(http) => checker.http(http, "GET", &default_path, &query_owner),
            None => http_route("GET", &default_path),
        };
        let roles = checker.roles(&query.roles, &query_owner);
        queries.push(Query {
            names: names(&query.name.value),
            doc: super::doc_lines(query.doc.as_ref()),
            kind,
            filters,
            page_size,
            roles,
            http,
        });
    }
    Some(ReadModel {
        table: n.plural_snake.clone(),
        names: n,
        doc: super::doc_lines(raw.doc.as_ref()),
        key,
        fields: read_fields,
        updates,
        removed_by,
        queries,
    })
}

/// Where an event takes the read model's key from; a diagnostic when it does not carry it.
fn key_source(
    checker: &mut Checker<'_, '_>,
    carried: &Carried<'_>,
    key: &Field,
    event_name: &Sp<String>,
    owner: &str,
) -> Option<Source> {
    match carried.field(&key.name) {
        Some((from, ty)) if ty == key.ty.spec => Some(from),
        Some((_, ty)) => {
            checker.diagnostics.push(
                Diagnostic::new(
                    Code::TypeMismatch,
                    event_name.span.clone(),
                    format!(
                        "event `{}` carries the key `{}` of {owner} as `{ty}`, but the read model has it as `{}`",
                        event_name.value, key.name, key.ty.spec
                    ),
                )
                .label("key types differ"),
            );
            None
        }
        None => {
            checker.diagnostics.push(
                Diagnostic::new(
                    Code::KeyNotCarried,
                    event_name.span.clone(),
                    format!(
                        "event `{}` does not carry `{}`, the key of {owner}",
                        event_name.value, key.name
                    ),
                )
                .label("no key to find the row by")
                .help(format!(
                    "add `{}` to the event's fields, or key the read model by `{}`",
                    key.name, carried.aggregate.id.field
                )),
            );
            None
        }
    }
}

fn compatible(
    checker: &mut Checker<'_, '_>,
    read_fields: &[Field],
    name: &str,
    event_type: &str,
    at: &Sp<String>,
    carried: &Carried<'_>,
    owner: &str,
) -> bool {
    let Some(field) = read_fields.iter().find(|f| f.name == name) else {
        return false;
    };
    let same = field.ty.spec == event_type || field.ty.spec == format!("Option<{event_type}>");
    if !same {
        checker.diagnostics.push(
            Diagnostic::new(
                Code::TypeMismatch,
                at.span.clone(),
                format!(
                    "event `{}` carries `{name}` as `{event_type}`, but {owner} has it as `{}`",
                    carried.event.names.name, field.ty.spec
                ),
            )
            .label("copied by name")
            .help("give both the same type, or rename one"),
        );
    }
    same
}

fn push_unknown_event(
    checker: &mut Checker<'_, '_>,
    event: &Sp<String>,
    known: &[&str],
    owner: &str,
) {
    checker.diagnostics.push(
        Diagnostic::new(
            Code::UnknownEvent,
            event.span.clone(),
            format!(
                "{owner} is updated by `{}`, which is not a declared event",
                event.value
            ),
        )
        .label("not declared")
        .suggest(closest(&event.value, known.iter().copied())),
    );
}
