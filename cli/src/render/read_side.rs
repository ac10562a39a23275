//! What the read-model template sees: for each read model the row it stores, the version
//! that tells a store to rebuild it, and for each event that concerns it the match arm that
//! turns the event into a row change; for each query what answers it.
//!
//! The arms are planned here, in Rust, so the template only prints them: which event fields
//! the pattern binds, where the key comes from, which row fields the event sets and which a
//! new row starts with by default.

use std::collections::BTreeSet;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::model::{
    Aggregate, Field, IdKind, Model, QueryKind, ReadModel, Source, TypeKind, Update,
};

use super::view::Imports;

/// A read model as the template prints it.
#[derive(Debug, Serialize)]
pub(crate) struct ReadModelView<'a> {
    read_model: &'a ReadModel,
    /// The row's fields, as stored.
    fields: Vec<RowField<'a>>,
    /// `ReadModel::VERSION`: a hash of everything that shapes the rows.
    version: String,
    /// `ReadModel::FILTERS`: every field a list query filters on.
    filters: Vec<&'a str>,
    /// The aggregates whose events concern the read model, with the arms of each.
    sources: Vec<SourceView>,
    /// Some query lists the rows, so the read model has a page type.
    lists: bool,
    /// The queries, with what their handlers need.
    queries: Vec<QueryView<'a>>,
}

/// A field of a row.
#[derive(Debug, Serialize)]
struct RowField<'a> {
    field: &'a Field,
    /// The Rust type of the stored field: `Option<T>` when the type has no default and some
    /// event can create the row without setting it.
    rust: String,
}

/// The events of one aggregate that concern a read model.
#[derive(Debug, Serialize)]
struct SourceView {
    /// The aggregate's type.
    aggregate: String,
    /// Its event enum.
    event_enum: String,
    /// The stable names of the events the arms handle, for the cheap check before decoding.
    event_types: Vec<String>,
    /// One arm per event.
    arms: Vec<Arm>,
    /// The arms cover every event of the aggregate, so the match needs no `_` arm.
    exhaustive: bool,
}

/// What one event does to the rows.
#[derive(Debug, Serialize)]
struct Arm {
    /// The pattern that destructures the event (`OrderEvent::OrderPlaced { chef, .. }`).
    pattern: String,
    /// `let` statements before the change (`let id: OrderId = …;`).
    lets: Vec<String>,
    /// The key expression handed to the change (`id`, `customer_phone`).
    key: String,
    /// The event removes the row.
    remove: bool,
    /// Field initialisers the event sets on an existing row (`chef`, `delivery_id: id`).
    sets: Vec<String>,
    /// Field initialisers of a new row: the key, the fields the event sets, defaults.
    new_row: Vec<String>,
}

/// A query and its handler.
#[derive(Debug, Serialize)]
struct QueryView<'a> {
    query: &'a crate::model::Query,
    /// The largest page size a list accepts.
    max_page_size: u32,
}

/// The largest page a list query serves unless its default page size is larger.
pub(crate) const MAX_PAGE_SIZE: u32 = 100;

/// The read-model module's views and imports.
#[derive(Debug, Serialize)]
pub(crate) struct ReadSideView<'a> {
    read_models: Vec<ReadModelView<'a>>,
    imports: Vec<String>,
}

/// Plans the read-model module of `model`.
pub(crate) fn read_side_view(model: &Model) -> ReadSideView<'_> {
    let mut imports = Imports::inside(model, "generated::application::read_models");
    let read_models: Vec<ReadModelView<'_>> = model
        .read_models
        .iter()
        .map(|read_model| read_model_view(model, read_model, &mut imports))
        .collect();
    for path in [
        "std::sync::Arc",
        "seedwork::projection::projection",
        "seedwork::projection::Change",
        "seedwork::projection::ReadModel",
        "seedwork::Projection",
        "seedwork::ReadModels",
        "seedwork::Result",
        "seedwork::StoredEvent",
    ] {
        imports.path(path);
    }
    if read_models.iter().any(|r| !r.sources.is_empty()) {
        imports.path("seedwork::Aggregate");
    }
    if read_models.iter().any(|r| r.lists) {
        imports.path("seedwork::store::ListQuery");
    }
    if read_models.iter().any(|r| !r.queries.is_empty()) {
        for path in [
            "seedwork::async_trait",
            "seedwork::Metadata",
            "seedwork::QueryHandler",
        ] {
            imports.path(path);
        }
    }
    if model
        .read_models
        .iter()
        .any(|r| r.queries.iter().any(|q| q.kind == QueryKind::Get))
    {
        imports.path("seedwork::Error");
    }
    ReadSideView {
        read_models,
        imports: imports.finish(),
    }
}

fn read_model_view<'a>(
    model: &'a Model,
    read_model: &'a ReadModel,
    imports: &mut Imports<'_>,
) -> ReadModelView<'a> {
    let key = read_model.key.name.as_str();
    // Fields every creating arm sets (or the key): only those may lack a default.
    let always_set: BTreeSet<&str> = read_model
        .fields
        .iter()
        .map(|f| f.name.as_str())
        .filter(|name| {
            *name == key
                || read_model
                    .updates
                    .iter()
                    .all(|update| update.fields.iter().any(|f| f.field == *name))
        })
        .collect();
    let fields: Vec<RowField<'_>> = read_model
        .fields
        .iter()
        .map(|field| {
            let optional = !field.ty.has_default && !always_set.contains(field.name.as_str());
            RowField {
                field,
                rust: if optional {
                    format!("Option<{}>", field.ty.rust)
                } else {
                    field.ty.rust.clone()
                },
            }
        })
        .collect();
    for field in &fields {
        imports.ty(&field.rust);
    }
    for query in &read_model.queries {
        query.filters.iter().for_each(|f| imports.ty(&f.ty.rust));
    }
    imports.ty(&read_model.key.ty.rust);

    let mut sources: Vec<SourceView> = Vec::new();
    for aggregate in &model.aggregates {
        let mut arms = Vec::new();
        let mut event_types = Vec::new();
        for update in read_model
            .updates
            .iter()
            .filter(|u| u.event.aggregate == aggregate.names.name)
        {
            arms.push(update_arm(aggregate, read_model, &fields, update));
            event_types.push(update.event.event.clone());
        }
        for removal in read_model
            .removed_by
            .iter()
            .filter(|r| r.aggregate == aggregate.names.name)
        {
            arms.push(removal_arm(aggregate, read_model, &removal.event));
            event_types.push(removal.event.clone());
        }
        if arms.is_empty() {
            continue;
        }
        imports.name(&aggregate.names.name);
        imports.name(&format!("{}Event", aggregate.names.name));
        if arms.iter().any(|arm| !arm.lets.is_empty()) {
            imports.name(&aggregate.id.type_name);
        }
        sources.push(SourceView {
            aggregate: aggregate.names.name.clone(),
            event_enum: format!("{}Event", aggregate.names.name),
            exhaustive: event_types.len() == aggregate.events.len(),
            event_types,
            arms,
        });
    }

    let filters: Vec<&str> = read_model
        .queries
        .iter()
        .flat_map(|q| q.filters.iter().map(|f| f.name.as_str()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let queries = read_model
        .queries
        .iter()
        .map(|query| QueryView {
            query,
            max_page_size: query.page_size.max(MAX_PAGE_SIZE),
        })
        .collect();
    ReadModelView {
        read_model,
        version: version(read_model),
        lists: read_model.queries.iter().any(|q| q.kind == QueryKind::List),
        fields,
        filters,
        sources,
        queries,
    }
}

/// A short hash of everything that decides what the rows hold, so a store rebuilds the read
/// model from the journal when `domain.toml` changes it.
fn version(read_model: &ReadModel) -> String {
    let shape = serde_json::json!({
        "key": read_model.key.name,
        "fields": read_model.fields.iter().map(|f| (&f.name, &f.ty.rust)).collect::<Vec<_>>(),
        "updates": read_model.updates,
        "removed_by": read_model.removed_by,
    });
    let digest = Sha256::digest(shape.to_string().as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// The pattern of `event` of `aggregate` binding `binds` (the other fields are skipped).
fn pattern(aggregate: &Aggregate, event: &str, binds: &[String]) -> String {
    let has_fields = aggregate
        .events
        .iter()
        .find(|e| e.names.name == event)
        .is_some_and(|e| !e.fields.is_empty());
    let all = aggregate
        .events
        .iter()
        .find(|e| e.names.name == event)
        .map_or(0, |e| e.fields.len());
    let head = format!("{}Event::{event}", aggregate.names.name);
    match (has_fields, binds.is_empty(), binds.len() == all) {
        (false, _, _) => head,
        (true, true, _) => format!("{head} {{ .. }}"),
        (true, false, true) => format!("{head} {{ {} }}", binds.join(", ")),
        (true, false, false) => format!("{head} {{ {}, .. }}", binds.join(", ")),
    }
}

/// `let id: OrderId = …;`, the aggregate id parsed from the event's stream.
fn id_let(aggregate: &Aggregate) -> String {
    format!(
        "let id: {} = seedwork::projection::aggregate_id(event)?;",
        aggregate.id.type_name
    )
}

fn update_arm(
    aggregate: &Aggregate,
    read_model: &ReadModel,
    fields: &[RowField<'_>],
    update: &Update,
) -> Arm {
    let key = read_model.key.name.as_str();
    let id_copy = aggregate.id.kind != IdKind::String;
    let mut binds: Vec<String> = update
        .fields
        .iter()
        .filter(|f| f.from == Source::Event)
        .map(|f| f.field.clone())
        .collect();
    if update.key_from == Source::Event && !binds.iter().any(|b| b == key) {
        binds.push(key.to_owned());
    }
    // Bind in the event's order, as rustfmt would not reorder them.
    if let Some(event) = aggregate
        .events
        .iter()
        .find(|e| e.names.name == update.event.event)
    {
        binds.sort_by_key(|b| event.fields.iter().position(|f| &f.name == b));
    }
    let ids_elsewhere = update
        .fields
        .iter()
        .filter(|f| f.from == Source::AggregateId && f.field != key)
        .count();
    let mut lets = Vec::new();
    if update.key_from == Source::AggregateId || ids_elsewhere > 0 {
        lets.push(id_let(aggregate));
    }
    let key_expr = match update.key_from {
        Source::AggregateId if ids_elsewhere > 0 && !id_copy => "id.clone()".to_owned(),
        Source::AggregateId => "id".to_owned(),
        _ => key.to_owned(),
    };
    let optional = |name: &str| {
        fields
            .iter()
            .find(|f| f.field.name == name)
            .is_some_and(|f| f.rust != f.field.ty.rust)
    };
    let event = aggregate
        .events
        .iter()
        .find(|e| e.names.name == update.event.event);
    // A row's `Option<T>` filled from an event's (or the id's) `T`, which the checker allows.
    let wrapped = |name: &str, from: Source| {
        let row_optional = read_model
            .fields
            .iter()
            .find(|f| f.name == name)
            .is_some_and(|f| f.ty.kind == TypeKind::Option);
        let source_optional = from == Source::Event
            && event
                .and_then(|e| e.fields.iter().find(|f| f.name == name))
                .is_some_and(|f| f.ty.kind == TypeKind::Option);
        row_optional && !source_optional
    };
    let value = |field: &str, from: Source| -> String {
        let raw = match from {
            Source::AggregateId => "id".to_owned(),
            _ => field.to_owned(),
        };
        if optional(field) || wrapped(field, from) {
            format!("Some({raw})")
        } else {
            raw
        }
    };
    let initialiser = |field: &str, value: String| {
        if value == field {
            value
        } else {
            format!("{field}: {value}")
        }
    };
    let set: Vec<(&str, String)> = update
        .fields
        .iter()
        .filter(|f| f.field != key)
        .map(|f| (f.field.as_str(), value(&f.field, f.from)))
        .collect();
    let sets: Vec<String> = set
        .iter()
        .map(|(field, value)| initialiser(field, value.clone()))
        .collect();
    let new_row = read_model
        .fields
        .iter()
        .map(|field| {
            let name = field.name.as_str();
            if name == key {
                initialiser(name, "key".to_owned())
            } else if let Some((_, value)) = set.iter().find(|(f, _)| *f == name) {
                initialiser(name, value.clone())
            } else {
                format!("{name}: Default::default()")
            }
        })
        .collect();
    Arm {
        pattern: pattern(aggregate, &update.event.event, &binds),
        lets,
        key: key_expr,
        remove: false,
        sets,
        new_row,
    }
}

fn removal_arm(aggregate: &Aggregate, read_model: &ReadModel, event: &str) -> Arm {
    let key = read_model.key.name.as_str();
    let carried = aggregate
        .events
        .iter()
        .find(|e| e.names.name == event)
        .is_some_and(|e| e.fields.iter().any(|f| f.name == key));
    let (binds, lets, key_expr) = if carried {
        (vec![key.to_owned()], Vec::new(), key.to_owned())
    } else {
        (Vec::new(), vec![id_let(aggregate)], "id".to_owned())
    };
    Arm {
        pattern: pattern(aggregate, event, &binds),
        lets,
        key: key_expr,
        remove: true,
        sets: Vec::new(),
        new_row: Vec::new(),
    }
}
