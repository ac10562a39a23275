//! Read models and their queries: keys, the events that update them, filters, routes.
//!
//! A read model whose key is broken is still checked for everything else (its events, fields
//! and queries), so every mistake shows in one run.

use std::collections::BTreeMap;

use crate::diagnostic::{Code, Diagnostic};
use crate::model::*;
use crate::names::{closest, names};
use crate::spec::raw::{RawQuery, RawReadModel, Sp};

use super::routes::Params;
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
    /// Every field name the event declares, those whose type did not resolve included.
    declared: Vec<String>,
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

    /// The event declares `name`, but its type did not resolve (reported already).
    fn unresolved(&self, name: &str) -> bool {
        self.field(name).is_none() && self.declared.iter().any(|d| d == name)
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

/// One read model being checked.
struct Scope<'a> {
    raw: &'a RawReadModel,
    /// "read model `KitchenTicket`".
    owner: String,
    aggregates: &'a [Aggregate],
    fields: Vec<Field>,
    /// Every declared field name, those whose type did not resolve included.
    field_names: Vec<&'a str>,
    /// The key field; `None` when missing or broken (reported).
    key: Option<Field>,
}

impl Scope<'_> {
    fn find_event(&self, checker: &Checker<'_, '_>, name: &str) -> Option<Carried<'_>> {
        self.aggregates.iter().find_map(|aggregate| {
            let event = aggregate.events.iter().find(|e| e.names.name == name)?;
            let declared = checker
                .events
                .get(name)
                .map(|(_, raw)| raw.fields.iter().map(|f| f.name.value.clone()).collect())
                .unwrap_or_default();
            Some(Carried {
                aggregate,
                event,
                declared,
            })
        })
    }

    fn unknown_event(&self, checker: &mut Checker<'_, '_>, event: &Sp<String>, key: &str) {
        let known = self
            .aggregates
            .iter()
            .flat_map(|a| a.events.iter().map(|e| e.names.name.as_str()));
        checker.diagnostics.push(
            Diagnostic::new(
                Code::UnknownEvent,
                event.span.clone(),
                format!(
                    "`{key}` of {} names `{}`, which is not a declared event",
                    self.owner, event.value
                ),
            )
            .label("not declared")
            .suggest(closest(&event.value, known.clone()))
            .help_or(super::policies::choices("events", known)),
        );
    }
}

fn one(
    checker: &mut Checker<'_, '_>,
    raw: &RawReadModel,
    aggregates: &[Aggregate],
    resolver: &Resolver<'_>,
) -> Option<ReadModel> {
    let owner = format!("read model `{}`", raw.name.value);
    let fields = fields::fields(&raw.fields, &owner, resolver, checker.diagnostics);
    let mut scope = Scope {
        raw,
        owner,
        aggregates,
        field_names: raw.fields.iter().map(|f| f.name.as_str()).collect(),
        key: None,
        fields,
    };
    scope.key = key(checker, &scope);
    let updates = raw
        .updated_by
        .iter()
        .filter_map(|(event, listed)| update(checker, &scope, event, listed.as_deref()))
        .collect();
    let removed_by = raw
        .removed_by
        .iter()
        .filter_map(|event| removal(checker, &scope, event))
        .collect();
    let n = names(&raw.name.value);
    let queries = raw
        .queries
        .iter()
        .map(|query| self::query(checker, &scope, query, &n))
        .collect();
    Some(ReadModel {
        table: n.plural_snake.clone(),
        names: n,
        doc: super::doc_lines(raw.doc.as_ref()),
        key: scope.key?,
        fields: scope.fields,
        updates,
        removed_by,
        queries,
    })
}

/// The key field: declared, resolved and a scalar.
fn key(checker: &mut Checker<'_, '_>, scope: &Scope<'_>) -> Option<Field> {
    let key_name = scope.raw.key.as_ref()?;
    let Some(key) = scope.fields.iter().find(|f| f.name == key_name.value) else {
        // Declared with a type that did not resolve: reported already.
        if !scope.field_names.contains(&key_name.as_str()) {
            checker.diagnostics.push(
                Diagnostic::new(
                    Code::UnknownField,
                    key_name.span.clone(),
                    format!(
                        "the key `{}` is not a field of {}",
                        key_name.value, scope.owner
                    ),
                )
                .label("not a field")
                .suggest(closest(&key_name.value, scope.field_names.iter().copied()))
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
                    "the key of {} is `{}`, which cannot be a key",
                    scope.owner, key.ty.spec
                ),
            )
            .label("not a scalar")
            .help("a key is a string, a number, a uuid, an enum or an aggregate id"),
        );
        return None;
    }
    Some(key.clone())
}

/// How one event of `updated_by` updates the read model: the listed fields, or every field
/// the event carries.
fn update(
    checker: &mut Checker<'_, '_>,
    scope: &Scope<'_>,
    event_name: &Sp<String>,
    listed: Option<&[Sp<String>]>,
) -> Option<Update> {
    let Some(carried) = scope.find_event(checker, &event_name.value) else {
        scope.unknown_event(checker, event_name, "updated_by");
        return None;
    };
    let key_from = key_source(checker, scope, &carried, event_name);
    // The key is checked by `key_source`; when that failed, not again as a field.
    let is_key = |name: &str| scope.key.as_ref().is_some_and(|k| k.name == name);
    let skip = |name: &str| key_from.is_none() && is_key(name);
    let mut set = Vec::new();
    match listed {
        Some(listed) => {
            for field in listed.iter().filter(|f| !skip(f.as_str())) {
                set.extend(listed_field(checker, scope, &carried, event_name, field));
            }
        }
        None => {
            for field in scope.fields.iter().filter(|f| !skip(&f.name)) {
                let Some((from, ty)) = carried.field(&field.name) else {
                    continue;
                };
                if compatible(checker, scope, field, &ty, event_name, &carried) {
                    set.push(UpdatedField {
                        field: field.name.clone(),
                        from,
                    });
                }
            }
        }
    }
    Some(Update {
        event: carried.event_ref(),
        fields: set,
        key_from: key_from?,
    })
}

/// A field listed in `updated_by = { Event = ["field", …] }`.
fn listed_field(
    checker: &mut Checker<'_, '_>,
    scope: &Scope<'_>,
    carried: &Carried<'_>,
    event_name: &Sp<String>,
    field: &Sp<String>,
) -> Option<UpdatedField> {
    if !scope.field_names.contains(&field.as_str()) {
        checker.diagnostics.push(
            Diagnostic::new(
                Code::UnknownField,
                field.span.clone(),
                format!("`{}` is not a field of {}", field.value, scope.owner),
            )
            .label("not a field")
            .suggest(closest(&field.value, scope.field_names.iter().copied())),
        );
        return None;
    }
    let Some((from, ty)) = carried.field(&field.value) else {
        if !carried.unresolved(&field.value) {
            checker.diagnostics.push(
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
            );
        }
        return None;
    };
    // A read-model field whose type did not resolve is reported already.
    let read_field = scope.fields.iter().find(|f| f.name == field.value)?;
    compatible(checker, scope, read_field, &ty, field, carried).then(|| UpdatedField {
        field: field.value.clone(),
        from,
    })
}

fn removal(
    checker: &mut Checker<'_, '_>,
    scope: &Scope<'_>,
    event_name: &Sp<String>,
) -> Option<EventRef> {
    let Some(carried) = scope.find_event(checker, &event_name.value) else {
        scope.unknown_event(checker, event_name, "removed_by");
        return None;
    };
    key_source(checker, scope, &carried, event_name)?;
    Some(carried.event_ref())
}

/// Where an event takes the read model's key from; a diagnostic when it does not carry it.
/// `None` also when the key itself is broken (reported).
fn key_source(
    checker: &mut Checker<'_, '_>,
    scope: &Scope<'_>,
    carried: &Carried<'_>,
    event_name: &Sp<String>,
) -> Option<Source> {
    let key = scope.key.as_ref()?;
    let owner = &scope.owner;
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
                .label("key types differ")
                .help(format!("give `{}` the same type in both", key.name)),
            );
            None
        }
        None if carried.unresolved(&key.name) => None,
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

/// The event's field fits the read-model field (the same type, or `T` into `Option<T>`).
fn compatible(
    checker: &mut Checker<'_, '_>,
    scope: &Scope<'_>,
    field: &Field,
    event_type: &str,
    at: &Sp<String>,
    carried: &Carried<'_>,
) -> bool {
    let same = field.ty.spec == event_type || field.ty.spec == format!("Option<{event_type}>");
    if !same {
        checker.diagnostics.push(
            Diagnostic::new(
                Code::TypeMismatch,
                at.span.clone(),
                format!(
                    "event `{}` carries `{}` as `{event_type}`, but {} has it as `{}`",
                    carried.event.names.name, field.name, scope.owner, field.ty.spec
                ),
            )
            .label("copied by name")
            .help("give both the same type, or rename one"),
        );
    }
    same
}

fn query(checker: &mut Checker<'_, '_>, scope: &Scope<'_>, query: &RawQuery, n: &Names) -> Query {
    let owner = format!("query `{}`", query.name.value);
    let kind = query_kind(checker, query);
    let filters = filters(checker, scope, query, kind, &owner);
    let page_size = page_size(checker, query, kind, &owner);
    let key = scope.key.as_ref().map_or("key", |k| k.name.as_str());
    let (default_path, params) = match kind {
        QueryKind::Get => (
            format!("/{}/{{{key}}}", n.plural_kebab),
            Params::One(format!("the key (`{key}`)")),
        ),
        QueryKind::List => (
            format!("/{}", n.plural_kebab),
            Params::None("a list query has none"),
        ),
    };
    let http = match &query.http {
        Some(http) => checker.http(http, "GET", &default_path, &params, &owner),
        None => http_route("GET", &default_path),
    };
    Query {
        names: names(&query.name.value),
        doc: super::doc_lines(query.doc.as_ref()),
        kind,
        filters,
        page_size,
        roles: checker.roles(&query.roles, &owner),
        http,
    }
}

fn query_kind(checker: &mut Checker<'_, '_>, query: &RawQuery) -> QueryKind {
    let Some(kind) = &query.kind else {
        return QueryKind::Get;
    };
    match kind.as_str() {
        "get" => QueryKind::Get,
        "list" => QueryKind::List,
        other => {
            checker.diagnostics.push(
                Diagnostic::new(
                    Code::InvalidValue,
                    kind.span.clone(),
                    format!("`{other}` is not a kind of query"),
                )
                .label("not `get` or `list`")
                .suggest(closest(other, ["get", "list"]))
                .help_or("write `get` (one row by key) or `list` (a page of rows)"),
            );
            // What a misspelt kind meant, so its filters are not reported as well.
            match closest(other, ["get", "list"]) {
                Some("list") => QueryKind::List,
                _ => QueryKind::Get,
            }
        }
    }
}

fn filters(
    checker: &mut Checker<'_, '_>,
    scope: &Scope<'_>,
    query: &RawQuery,
    kind: QueryKind,
    owner: &str,
) -> Vec<Field> {
    if kind == QueryKind::Get {
        if let Some(first) = query.filters.first() {
            checker.diagnostics.push(
                Diagnostic::new(
                    Code::InvalidValue,
                    first.span.clone(),
                    format!("{owner} gets one row by key, so it takes no filters"),
                )
                .label("only for lists")
                .help("add `kind = \"list\"`, or remove `filters`"),
            );
        }
        return Vec::new();
    }
    let mut filters = Vec::new();
    for filter in &query.filters {
        match scope.fields.iter().find(|f| f.name == filter.value) {
            Some(field) if field.ty.is_scalar || field.ty.kind == TypeKind::Option => {
                filters.push(field.clone());
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
                .label("not a scalar")
                .help("filter on a string, number, uuid, enum or id field"),
            ),
            // Declared with a type that did not resolve: reported already.
            None if scope.field_names.contains(&filter.as_str()) => {}
            None => checker.diagnostics.push(
                Diagnostic::new(
                    Code::UnknownField,
                    filter.span.clone(),
                    format!("`{}` is not a field of {}", filter.value, scope.owner),
                )
                .label("not a field")
                .suggest(closest(&filter.value, scope.field_names.iter().copied())),
            ),
        }
    }
    filters
}

fn page_size(checker: &mut Checker<'_, '_>, query: &RawQuery, kind: QueryKind, owner: &str) -> u32 {
    const DEFAULT: u32 = 50;
    let Some(size) = &query.page_size else {
        return DEFAULT;
    };
    if size.value == 0 || size.value > 1000 {
        checker.diagnostics.push(
            Diagnostic::new(
                Code::InvalidValue,
                size.span.clone(),
                format!("the page size of {owner} must be between 1 and 1000"),
            )
            .label("out of range"),
        );
        return DEFAULT;
    }
    if kind == QueryKind::Get {
        checker.diagnostics.push(
            Diagnostic::new(
                Code::Redundant,
                size.span.clone(),
                format!("{owner} gets one row, so a page size means nothing"),
            )
            .label("ignored")
            .help("remove `page_size`, or make it `kind = \"list\"`"),
        );
        return DEFAULT;
    }
    u32::try_from(size.value).unwrap_or(DEFAULT)
}
