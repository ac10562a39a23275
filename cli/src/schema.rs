//! The JSON Schema of the domain spec (`docs/spec.md`), for editors.
//!
//! Editors with TOML schema support (Taplo, Even Better TOML) read the first-line directive
//! `#:schema ./seedwork.schema.json` of a `domain.toml` and then complete keys, show the
//! documentation of each key and flag unknown keys and wrong types while the spec is typed.
//! `seedwork schema` prints it; the copy checked in as `cli/seedwork.schema.json` is compared
//! with [`json_schema`] by a test, so the two cannot drift apart.
//!
//! The schema checks the *shape* of a spec: which keys exist, what type each value has, how
//! names are spelled. Everything that needs the whole spec at once (a referenced event exists,
//! a read-model key is carried by every updating event, `min` is not above `max`) is the
//! checker's job, with diagnostics that point at the offending value.
//!
//! ```
//! let schema = seedwork_cli::schema::json_schema();
//! assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
//! assert_eq!(schema["required"][0], "context");
//! assert!(seedwork_cli::schema::json_schema_pretty().ends_with("}\n"));
//! ```

use serde_json::{json, Value};

/// The schema's `$id`: where the schema of this version of the spec format is published.
pub const SCHEMA_ID: &str = "https://example.invalid/seedwork/seedwork.schema.json";

/// `UpperCamelCase` names: aggregates, value objects, enums, entities, events, commands, read
/// models, queries, policies, states and enum variants.
const TYPE_NAME: &str = "^[A-Z][A-Za-z0-9]*$";

/// `snake_case` names: fields, the context.
const FIELD_NAME: &str = "^[a-z][a-z0-9]*(_[a-z0-9]+)*$";

/// Rust's keywords, strict and reserved (2021 and 2024 editions): no name may be one.
const KEYWORDS: &[&str] = &[
    "Self", "abstract", "as", "async", "await", "become", "box", "break", "const", "continue",
    "crate", "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if",
    "impl", "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub",
    "ref", "return", "self", "static", "struct", "super", "trait", "true", "try", "type", "typeof",
    "union", "unsafe", "unsized", "use", "virtual", "where", "while",
];

/// The JSON Schema (draft 2020-12) of a Seedwork domain spec, as a JSON value.
///
/// Every table of the format is closed (`additionalProperties: false`), so an unknown key is
/// flagged where it is typed; names are checked against `UpperCamelCase` or `snake_case`.
pub fn json_schema() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Seedwork domain spec",
        "description": "A bounded context described for the `seedwork` generator: its enums, value objects, aggregates (state, lifecycle, entities, events, commands), read models with their queries, and policies. By convention the file is `domain.toml` at the root of the generated project. See docs/spec.md.",
        "type": "object",
        "additionalProperties": false,
        "required": ["context"],
        "properties": {
            "context": { "$ref": "#/$defs/context" },
            "enums": named("Enumerations, by `UpperCamelCase` name.", "#/$defs/enum"),
            "value_objects": named(
                "Value objects, by `UpperCamelCase` name: immutable, and never invalid.",
                "#/$defs/valueObject"
            ),
            "aggregates": named(
                "Aggregates, by `UpperCamelCase` name: consistency boundaries with a typed id, state, events and commands.",
                "#/$defs/aggregate"
            ),
            "read_models": named(
                "Read models, by `UpperCamelCase` name: denormalised views kept up to date from events.",
                "#/$defs/readModel"
            ),
            "policies": named(
                "Policies, by `UpperCamelCase` name: when an event happens, send a command.",
                "#/$defs/policy"
            ),
            "subscriptions": named(
                "Subscriptions, by `UpperCamelCase` name: when another context's integration event arrives through the broker, send a command.",
                "#/$defs/subscription"
            ),
        },
        "$defs": defs(),
    })
}

/// [`json_schema`] pretty-printed with a trailing newline: the contents of
/// `cli/seedwork.schema.json` and what `seedwork schema` prints.
pub fn json_schema_pretty() -> String {
    format!("{:#}\n", json_schema())
}

/// A table whose keys are `UpperCamelCase` names and whose values match `item`.
fn named(description: &str, item: &str) -> Value {
    json!({
        "description": description,
        "type": "object",
        "propertyNames": { "$ref": "#/$defs/typeName" },
        "patternProperties": { TYPE_NAME: { "$ref": item } },
        "additionalProperties": false,
    })
}

/// A list of `UpperCamelCase` names, each at most once.
fn names(description: &str) -> Value {
    json!({
        "description": description,
        "type": "array",
        "items": { "$ref": "#/$defs/typeName" },
        "uniqueItems": true,
    })
}

/// A list of `snake_case` field names, each at most once.
fn field_names(description: &str) -> Value {
    json!({
        "description": description,
        "type": "array",
        "items": { "$ref": "#/$defs/fieldName" },
        "uniqueItems": true,
    })
}

fn defs() -> Value {
    json!({
        "typeName": {
            "title": "UpperCamelCase name",
            "description": "A type-like name (aggregate, value object, enum, entity, event, command, read model, query, policy, state, enum variant): `UpperCamelCase`, a Rust identifier that is not a keyword.",
            "type": "string",
            "pattern": TYPE_NAME,
            "not": { "$ref": "#/$defs/keyword" },
        },
        "fieldName": {
            "title": "snake_case name",
            "description": "A field name: `snake_case`, a Rust identifier that is not a keyword.",
            "type": "string",
            "pattern": FIELD_NAME,
            "not": { "$ref": "#/$defs/keyword" },
        },
        "keyword": {
            "description": "Rust keywords, which no name may be.",
            "enum": KEYWORDS,
        },
        "doc": {
            "description": "Documentation; it becomes the doc comment of the generated item.",
            "type": "string",
        },
        "roles": {
            "description": "Roles allowed to send it; empty means any caller.",
            "type": "array",
            "items": {
                "description": "A role: letters, digits, `_`, `-`, `.` and `:`.",
                "type": "string",
                "pattern": "^[A-Za-z0-9_.:-]+$",
            },
            "uniqueItems": true,
            "default": [],
        },
        "context": context(),
        "type": {
            "title": "type",
            "description": "`String`, `bool`, `i32`, `i64`, `u32`, `u64`, `f64`, `Decimal`, `Date`, `Time`, `DateTime`, `Uuid`, `Option<T>`, `Vec<T>`, `Map<String, T>`, a value object, an enum, an entity of the same aggregate, or `<Aggregate>Id` (an aggregate's typed id: aggregates are referenced by id, never directly).",
            "type": "string",
            "pattern": "^[A-Za-z][A-Za-z0-9]*(<[A-Za-z0-9<>, ]+>)?$",
            "examples": ["String", "Decimal", "Vec<Pizza>", "Option<Address>", "Map<String, u32>", "CustomerId"],
        },
        "field": field(),
        "fields": {
            "description": "Fields by `snake_case` name, in order; each is a type string (`customer = \"String\"`) or a table with `type` and constraints.",
            "type": "object",
            "propertyNames": { "$ref": "#/$defs/fieldName" },
            "patternProperties": { FIELD_NAME: { "$ref": "#/$defs/field" } },
            "additionalProperties": false,
        },
        "enum": enumeration(),
        "valueObject": {
            "title": "value object",
            "description": "An immutable value that cannot exist invalid. It may contain other value objects, but never itself, directly or through others.",
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "doc": { "$ref": "#/$defs/doc" },
                "fields": { "$ref": "#/$defs/fields" },
            },
        },
        "aggregate": aggregate(),
        "id": id(),
        "lifecycle": lifecycle(),
        "entity": {
            "title": "entity",
            "description": "A child entity of the aggregate; its identity within the aggregate is the field named `id` when present.",
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "doc": { "$ref": "#/$defs/doc" },
                "fields": { "$ref": "#/$defs/fields" },
            },
        },
        "event": event(),
        "command": command(),
        "http": {
            "title": "HTTP route",
            "description": "Overrides the command's default route, e.g. `{ method = \"POST\", path = \"/orders/{order_id}/cook\" }`.",
            "type": "object",
            "additionalProperties": false,
            "minProperties": 1,
            "properties": {
                "method": {
                    "description": "The HTTP method; default `POST`.",
                    "enum": ["POST", "PUT", "PATCH", "DELETE", "GET"],
                },
                "path": {
                    "description": "The path, with `{param}` placeholders (`/orders/{order_id}/cook`): letters, digits, `-`, `_`, `.` and `{param}` between single slashes.",
                    "type": "string",
                    "pattern": "^/[A-Za-z0-9/_{}.-]*$",
                    "not": { "pattern": "\\.\\.|//" },
                },
            },
        },
        "readModel": read_model(),
        "query": query(),
        "policy": policy(),
        "subscription": subscription(),
    })
}

fn context() -> Value {
    json!({
        "title": "context",
        "description": "The bounded context; the generated crate is named after it.",
        "type": "object",
        "additionalProperties": false,
        "required": ["name"],
        "properties": {
            "name": {
                "description": "The bounded context, `snake_case`; the generated crate is named after it (`-` for `_`).",
                "$ref": "#/$defs/fieldName",
            },
            "doc": {
                "description": "What the context is for; becomes the crate's documentation.",
                "type": "string",
            },
            "version": {
                "description": "The crate version.",
                "type": "string",
                "pattern": "^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?$",
                "default": "0.1.0",
            },
        },
    })
}

fn field() -> Value {
    let count = json!({ "type": "integer", "minimum": 0 });
    json!({
        "title": "field",
        "description": "A field: a type string (`customer = \"String\"`) or a table (`customer = { type = \"String\", min_len = 2, max_len = 100, doc = \"Who orders.\" }`).",
        "oneOf": [
            { "$ref": "#/$defs/type" },
            {
                "type": "object",
                "additionalProperties": false,
                "required": ["type"],
                "properties": {
                    "type": { "$ref": "#/$defs/type" },
                    "doc": { "$ref": "#/$defs/doc" },
                    "required": {
                        "description": "`false` makes the field `Option<T>`.",
                        "type": "boolean",
                        "default": true,
                    },
                    "min_len": merge(&count, "`String`: the least length, in characters."),
                    "max_len": merge(&count, "`String`: the greatest length, in characters."),
                    "pattern": {
                        "description": "`String`: a regular expression the whole value must match.",
                        "type": "string",
                        "format": "regex",
                    },
                    "email": {
                        "description": "`String`: the value must look like an e-mail address.",
                        "type": "boolean",
                        "default": false,
                    },
                    "min": {
                        "description": "Integers, `f64`, `Decimal`: the least value, inclusive.",
                        "type": "number",
                    },
                    "max": {
                        "description": "Integers, `f64`, `Decimal`: the greatest value, inclusive.",
                        "type": "number",
                    },
                    "min_items": merge(&count, "`Vec<_>`, `Map<_, _>`: the least number of items."),
                    "max_items": merge(&count, "`Vec<_>`, `Map<_, _>`: the greatest number of items."),
                    "example": {
                        "description": "A value the field may hold, of its type and within its constraints: the generated tests send it and the API document shows it. Text, a number or true/false; an enum variant, a date or a uuid as text.",
                        "type": ["string", "number", "boolean"],
                    },
                },
            },
        ],
    })
}

/// `schema` with a `description`.
fn merge(schema: &Value, description: &str) -> Value {
    let mut schema = schema.clone();
    if let Value::Object(map) = &mut schema {
        map.insert("description".to_owned(), Value::from(description));
    }
    schema
}

fn enumeration() -> Value {
    json!({
        "title": "enum",
        "description": "An enumeration. The first variant is the default.",
        "type": "object",
        "additionalProperties": false,
        "required": ["variants"],
        "properties": {
            "doc": { "$ref": "#/$defs/doc" },
            "variants": {
                "description": "The variants in order, as a list (`[\"Cash\", \"Card\"]`) or as a table of variant to documentation (`{ Cash = \"Cash on delivery\" }`). The first is the default.",
                "oneOf": [
                    {
                        "type": "array",
                        "items": { "$ref": "#/$defs/typeName" },
                        "uniqueItems": true,
                        "minItems": 1,
                    },
                    {
                        "type": "object",
                        "minProperties": 1,
                        "propertyNames": { "$ref": "#/$defs/typeName" },
                        "patternProperties": { TYPE_NAME: { "type": "string" } },
                        "additionalProperties": false,
                    },
                ],
            },
        },
    })
}

fn aggregate() -> Value {
    json!({
        "title": "aggregate",
        "description": "An aggregate: a typed id, its state, an optional lifecycle, child entities, events and commands.",
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "doc": { "$ref": "#/$defs/doc" },
            "id": { "$ref": "#/$defs/id" },
            "storage": {
                "description": "How the aggregate is persisted: rebuilt from its events, or its current state saved with a version column.",
                "enum": ["event_sourced", "state_stored"],
                "default": "event_sourced",
            },
            "fields": merge(
                &json!({ "$ref": "#/$defs/fields" }),
                "The aggregate's state."
            ),
            "lifecycle": { "$ref": "#/$defs/lifecycle" },
            "entities": named("Child entities, by `UpperCamelCase` name.", "#/$defs/entity"),
            "events": named(
                "Events, by `UpperCamelCase` name. Every event implicitly carries the id of its aggregate as `<aggregate>_id`.",
                "#/$defs/event"
            ),
            "commands": named("Commands, by `UpperCamelCase` name.", "#/$defs/command"),
        },
    })
}

fn id() -> Value {
    let kinds = json!(["uuid", "string", "integer"]);
    json!({
        "title": "id",
        "description": "The typed id `<Name>Id`. Uuids default to server-assigned, strings and integers to client-assigned; server-assigned integers are not supported.",
        "default": "uuid",
        "oneOf": [
            { "enum": kinds },
            {
                "type": "object",
                "additionalProperties": false,
                "required": ["type"],
                "properties": {
                    "type": { "description": "What the id wraps.", "enum": kinds },
                    "assigned": {
                        "description": "Who assigns new ids: the service, or the client that sends the creating command.",
                        "enum": ["server", "client"],
                    },
                },
                "if": {
                    "properties": { "type": { "const": "integer" } },
                    "required": ["type"],
                },
                "then": {
                    "properties": {
                        "assigned": {
                            "description": "Integer ids are assigned by the client: server-assigned integers are not supported.",
                            "const": "client",
                        },
                    },
                },
            },
        ],
    })
}

fn lifecycle() -> Value {
    json!({
        "title": "lifecycle",
        "description": "A state machine over the aggregate's commands: each command's `from` states and `to` state.",
        "type": "object",
        "additionalProperties": false,
        "required": ["initial", "states"],
        "properties": {
            "initial": {
                "description": "The state a created aggregate starts in.",
                "$ref": "#/$defs/typeName",
            },
            "states": {
                "description": "The states, as a list or as a table of state to documentation.",
                "oneOf": [
                    {
                        "type": "array",
                        "items": { "$ref": "#/$defs/typeName" },
                        "uniqueItems": true,
                        "minItems": 1,
                    },
                    {
                        "type": "object",
                        "minProperties": 1,
                        "propertyNames": { "$ref": "#/$defs/typeName" },
                        "patternProperties": { TYPE_NAME: { "type": "string" } },
                        "additionalProperties": false,
                    },
                ],
            },
            "terminal": names("States no command leaves."),
        },
    })
}

fn event() -> Value {
    json!({
        "title": "event",
        "description": "A fact the aggregate records. It implicitly carries the aggregate's id as `<aggregate>_id`.",
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "doc": { "$ref": "#/$defs/doc" },
            "fields": { "$ref": "#/$defs/fields" },
            "version": {
                "description": "The event's schema version.",
                "type": "integer",
                "minimum": 1,
                "default": 1,
            },
            "integration": {
                "description": "The event leaves the bounded context (an integration event, published through the outbox).",
                "type": "boolean",
                "default": false,
            },
        },
    })
}

fn command() -> Value {
    json!({
        "title": "command",
        "description": "A request to the aggregate, handled once, that may be refused. The handler builds each emitted event's fields by name: from the command's field of that name, else the aggregate id, else the aggregate's state field of that name.",
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "doc": { "$ref": "#/$defs/doc" },
            "creates": {
                "description": "The command creates the aggregate; it may not have `from` states.",
                "type": "boolean",
                "default": false,
            },
            "fields": merge(
                &json!({ "$ref": "#/$defs/fields" }),
                "The command's payload; the aggregate id (`order_id`) is implicit."
            ),
            "from": names("The states the command is accepted in; default: any non-terminal state."),
            "to": {
                "description": "The state after the command; a creating command without `to` leads to `initial`.",
                "$ref": "#/$defs/typeName",
            },
            "emits": names("The events of the same aggregate the command records, in order."),
            "roles": { "$ref": "#/$defs/roles" },
            "idempotent": {
                "description": "A repeated request with the same idempotency key is answered once.",
                "type": "boolean",
                "default": false,
            },
            "http": { "$ref": "#/$defs/http" },
        },
        "if": {
            "properties": { "creates": { "const": true } },
            "required": ["creates"],
        },
        "then": {
            "properties": {
                "from": { "description": "A creating command may not have `from` states.", "not": {} },
            },
        },
    })
}

fn read_model() -> Value {
    json!({
        "title": "read model",
        "description": "A denormalised view kept up to date from events; each event sets the read-model fields it carries, by name.",
        "type": "object",
        "additionalProperties": false,
        "required": ["key"],
        "properties": {
            "doc": { "$ref": "#/$defs/doc" },
            "key": {
                "description": "The key: a field of the read model that every updating event carries.",
                "$ref": "#/$defs/fieldName",
            },
            "fields": merge(
                &json!({ "$ref": "#/$defs/fields" }),
                "The read model's fields, the key included."
            ),
            "updated_by": {
                "description": "The events that update it: a list (each sets every field it carries, by name) or a table of event to exactly the fields it sets.",
                "oneOf": [
                    names("The updating events."),
                    {
                        "type": "object",
                        "propertyNames": { "$ref": "#/$defs/typeName" },
                        "patternProperties": {
                            TYPE_NAME: field_names("The read-model fields this event sets."),
                        },
                        "additionalProperties": false,
                    },
                ],
            },
            "removed_by": names("Events that remove the row of their key."),
            "queries": named("Queries over the read model, by `UpperCamelCase` name.", "#/$defs/query"),
        },
    })
}

fn query() -> Value {
    json!({
        "title": "query",
        "description": "A query over the read model: one row by key, or a page of rows.",
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "doc": { "$ref": "#/$defs/doc" },
            "kind": {
                "description": "`get`: one row by key; `list`: a page of rows.",
                "enum": ["get", "list"],
                "default": "get",
            },
            "filters": field_names("Read-model fields usable as exact-match filters (lists only)."),
            "page_size": {
                "description": "The default page size (lists only).",
                "type": "integer",
                "minimum": 1,
                "default": 50,
            },
            "roles": { "$ref": "#/$defs/roles" },
        },
        "if": {
            "properties": { "kind": { "const": "list" } },
            "required": ["kind"],
        },
        "else": {
            "properties": {
                "filters": { "description": "Only list queries have filters.", "not": {} },
                "page_size": { "description": "Only list queries have a page size.", "not": {} },
            },
        },
    })
}

fn policy() -> Value {
    json!({
        "title": "policy",
        "description": "When an event happens, send a command; it runs after the triggering event is committed, also across aggregates.",
        "type": "object",
        "additionalProperties": false,
        "required": ["on", "send"],
        "properties": {
            "doc": { "$ref": "#/$defs/doc" },
            "on": { "description": "The triggering event.", "$ref": "#/$defs/typeName" },
            "send": { "description": "The command sent.", "$ref": "#/$defs/typeName" },
            "map": {
                "description": "Command field = event field; the other command fields are taken from the event by name.",
                "type": "object",
                "propertyNames": { "$ref": "#/$defs/fieldName" },
                "patternProperties": { FIELD_NAME: { "$ref": "#/$defs/fieldName" } },
                "additionalProperties": false,
            },
        },
    })
}

fn subscription() -> Value {
    json!({
        "title": "subscription",
        "description": "When another bounded context's integration event arrives (through NATS JetStream), send a command; each event is handled once, however often it is delivered.",
        "type": "object",
        "additionalProperties": false,
        "required": ["from", "send"],
        "properties": {
            "doc": { "$ref": "#/$defs/doc" },
            "from": {
                "description": "The publishing context and its integration event, `context.Event` (`eshop_ordering.OrderStartedIntegrationEvent`).",
                "type": "string",
                "pattern": format!("^{}\\.{}$", FIELD_NAME.trim_start_matches('^').trim_end_matches('$'), TYPE_NAME.trim_start_matches('^').trim_end_matches('$')),
            },
            "fields": {
                "description": "What this context reads of the event's fields (the others are ignored), with this context's types.",
                "$ref": "#/$defs/fields",
            },
            "send": { "description": "The command sent.", "$ref": "#/$defs/typeName" },
            "map": {
                "description": "Command field = event field; the other command fields are taken from the event by name.",
                "type": "object",
                "propertyNames": { "$ref": "#/$defs/fieldName" },
                "patternProperties": { FIELD_NAME: { "$ref": "#/$defs/fieldName" } },
                "additionalProperties": false,
            },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reference_points_at_a_definition() {
        fn refs(value: &Value, found: &mut Vec<String>) {
            match value {
                Value::Object(map) => {
                    for (key, value) in map {
                        if key == "$ref" {
                            found.extend(value.as_str().map(str::to_owned));
                        }
                        refs(value, found);
                    }
                }
                Value::Array(items) => items.iter().for_each(|item| refs(item, found)),
                _ => {}
            }
        }
        let schema = json_schema();
        let mut found = Vec::new();
        refs(&schema, &mut found);
        assert!(!found.is_empty());
        for reference in found {
            let name = reference
                .strip_prefix("#/$defs/")
                .unwrap_or_else(|| panic!("{reference} is not a local definition"));
            assert!(
                schema["$defs"].get(name).is_some(),
                "{reference} has no definition"
            );
        }
    }
}
