//! Parsing a spec: TOML text → [`RawSpec`], with every syntax and shape mistake recorded.
//!
//! Nothing here resolves names; that is the checker's job ([`crate::check`]). A table that
//! cannot be read is skipped with a diagnostic and reading goes on, so one run reports all.

pub mod raw;
mod reader;

use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::names::closest;
use raw::*;
use reader::{string, strings, Table};

const TOP_KEYS: &[&str] = &[
    "context",
    "enums",
    "value_objects",
    "aggregates",
    "read_models",
    "policies",
    "subscriptions",
];
const COMMAND_KEYS: &[&str] = &[
    "doc",
    "creates",
    "fields",
    "from",
    "to",
    "emits",
    "roles",
    "idempotent",
    "http",
];
const FIELD_KEYS: &[&str] = &[
    "type",
    "doc",
    "required",
    "min_len",
    "max_len",
    "pattern",
    "email",
    "min",
    "max",
    "min_items",
    "max_items",
    "example",
];

/// Parses `text` into a raw spec. Syntax errors are diagnostics too; the returned spec holds
/// whatever could be read.
///
/// ```
/// use seedwork_cli::diagnostic::Diagnostics;
/// let mut diagnostics = Diagnostics::default();
/// let spec = seedwork_cli::spec::parse("[context]\nname = \"shop\"\nnmae = 1\n", &mut diagnostics);
/// assert_eq!(spec.context.and_then(|c| c.name).map(|n| n.value).as_deref(), Some("shop"));
/// assert_eq!(diagnostics.len(), 1); // unknown key `nmae`; did you mean `name`?
/// ```
pub fn parse(text: &str, diagnostics: &mut Diagnostics) -> RawSpec {
    let (document, errors) = DeTable::parse_recoverable(text);
    let found: Vec<(Diagnostic, Option<usize>)> = errors
        .iter()
        .map(|error| syntax_error(text, error.span(), error.message()))
        .collect();
    // An inline table left open is reported where it opens; errors it causes later are not.
    let reported: Vec<usize> = found
        .iter()
        .filter(|(d, _)| d.label.as_deref() == Some(UNCLOSED))
        .map(|(d, _)| d.span.start)
        .collect();
    for (diagnostic, cause) in found {
        let caused = diagnostic.label.as_deref() != Some(UNCLOSED)
            && cause.is_some_and(|brace| reported.contains(&brace));
        if !caused {
            diagnostics.push(diagnostic);
        }
    }
    if !errors.is_empty() {
        // A partly parsed tree gives misleading follow-up errors; syntax first.
        return RawSpec::default();
    }
    let top = Table {
        entries: document.get_ref(),
        span: document.span(),
        what: "the spec".to_owned(),
    };
    top.only(TOP_KEYS, diagnostics);
    let misspelt = misspelt_sections(&top);
    let mut spec = RawSpec::default();
    let context = top.get("context").or_else(|| {
        let mut near = misspelt.iter().filter(|(key, _)| *key == "context");
        near.next().map(|(_, value)| *value)
    });
    match context {
        Some(value) => {
            if let Some(context) = Table::from_value(value, "`[context]`", diagnostics) {
                spec.context = Some(read_context(&context, diagnostics));
            }
        }
        None => diagnostics.push(
            Diagnostic::new(Code::MissingKey, 0..0, "the spec has no `[context]` table")
                .help("start the spec with `[context]` and `name = \"my_context\"`"),
        ),
    }
    let section =
        |key: &str, diagnostics: &mut Diagnostics| section(&top, key, &misspelt, diagnostics);
    for (name, value) in section("enums", diagnostics) {
        if let Some(table) = Table::from_value(value, format!("enum `{}`", name.value), diagnostics)
        {
            spec.enums.push(read_enum(name, &table, diagnostics));
        }
    }
    for (name, value) in section("value_objects", diagnostics) {
        let what = format!("value object `{}`", name.value);
        if let Some(table) = Table::from_value(value, what, diagnostics) {
            spec.value_objects
                .push(read_struct(name, &table, diagnostics));
        }
    }
    for (name, value) in section("aggregates", diagnostics) {
        let what = format!("aggregate `{}`", name.value);
        if let Some(table) = Table::from_value(value, what, diagnostics) {
            spec.aggregates
                .push(read_aggregate(name, &table, diagnostics));
        }
    }
    for (name, value) in section("read_models", diagnostics) {
        let what = format!("read model `{}`", name.value);
        if let Some(table) = Table::from_value(value, what, diagnostics) {
            spec.read_models
                .push(read_read_model(name, &table, diagnostics));
        }
    }
    for (name, value) in section("policies", diagnostics) {
        let what = format!("policy `{}`", name.value);
        if let Some(table) = Table::from_value(value, what, diagnostics) {
            spec.policies.push(read_policy(name, &table, diagnostics));
        }
    }
    for (name, value) in section("subscriptions", diagnostics) {
        let what = format!("subscription `{}`", name.value);
        if let Some(table) = Table::from_value(value, what, diagnostics) {
            spec.subscriptions
                .push(read_subscription(name, &table, diagnostics));
        }
    }
    spec
}

/// Top-level keys written with a typo (`aggregate`), each with the key it is a near miss of.
/// Their content is read as if spelt right, so one typo gives one message, not one for every
/// reference to what they declare.
fn misspelt_sections<'a, 'i>(top: &Table<'a, 'i>) -> Vec<(&'static str, &'a Spanned<DeValue<'i>>)> {
    top.entries
        .iter()
        .filter_map(|(key, value)| {
            let key: &str = key.get_ref();
            if TOP_KEYS.contains(&key) {
                return None;
            }
            closest(key, TOP_KEYS.iter().copied()).map(|near| (near, value))
        })
        .collect()
}

/// The named tables of a top-level section (`[aggregates.Order]` → `Order`), those of its
/// misspelt twins included.
fn section<'a, 'i>(
    top: &Table<'a, 'i>,
    key: &str,
    misspelt: &[(&'static str, &'a Spanned<DeValue<'i>>)],
    diagnostics: &mut Diagnostics,
) -> Vec<(Sp<String>, &'a Spanned<DeValue<'i>>)> {
    let mut entries = named_tables(top, key, diagnostics);
    for (_, value) in misspelt.iter().filter(|(near, _)| *near == key) {
        if let DeValue::Table(table) = value.get_ref() {
            let named = table
                .iter()
                .map(|(name, value)| (Sp::new(name.get_ref().to_string(), name.span()), value));
            entries.extend(named);
        }
    }
    entries
}

const UNCLOSED: &str = "no `}` for this `{`";

/// A TOML syntax error, and the `{` left open on an earlier line that probably causes it. A
/// duplicate key is named; an error after an open inline table says so (the parser only
/// notices on a later line).
fn syntax_error(
    text: &str,
    span: Option<Range<usize>>,
    message: &str,
) -> (Diagnostic, Option<usize>) {
    let span = span.unwrap_or(0..0);
    let key = text.get(span.clone()).filter(|key| !key.is_empty());
    if let (Some(key), "duplicate key") = (key, message) {
        let diagnostic = Diagnostic::new(
            Code::TomlSyntax,
            span,
            format!("invalid TOML: the key `{key}` is written twice in one table"),
        )
        .label("written again here")
        .help("a key appears once per table; remove one of them");
        return (diagnostic, None);
    }
    let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
    let open = unclosed_brace(text, span.start).filter(|&at| line_of(at) < line_of(span.start));
    let diagnostic = match open {
        Some(at) if message.starts_with("unclosed inline table") => Diagnostic::new(
            Code::TomlSyntax,
            at..at + 1,
            "invalid TOML: this inline table is not closed",
        )
        .label(UNCLOSED)
        .help("close it with `}` at the end of its line"),
        Some(at) => Diagnostic::new(Code::TomlSyntax, span, format!("invalid TOML: {message}"))
            .label("here")
            .help(format!(
                "the `{{` on line {} is not closed: add `}}` at the end of its line",
                line_of(at)
            )),
        None => {
            let diagnostic =
                Diagnostic::new(Code::TomlSyntax, span, format!("invalid TOML: {message}"))
                    .label("here");
            match key {
                Some(word) if message.starts_with("string values must be quoted") => {
                    diagnostic.help(format!("write `\"{word}\"`"))
                }
                _ => diagnostic,
            }
        }
    };
    (diagnostic, open)
}

/// The byte offset of the innermost `{` still open at `offset`, outside strings and comments.
fn unclosed_brace(text: &str, offset: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let end = offset.min(bytes.len());
    let mut open: Vec<usize> = Vec::new();
    let mut at = 0;
    while at < end {
        match bytes[at] {
            b'#' => {
                while at < end && bytes[at] != b'\n' {
                    at += 1;
                }
            }
            quote @ (b'"' | b'\'') => {
                let triple = bytes[at..].starts_with(&[quote; 3]);
                let close = &[quote; 3][..if triple { 3 } else { 1 }];
                at += close.len();
                while at < end && !bytes[at..].starts_with(close) {
                    if quote == b'"' && bytes[at] == b'\\' {
                        at += 1;
                    } else if !triple && bytes[at] == b'\n' {
                        break;
                    }
                    at += 1;
                }
                at += close.len();
                continue;
            }
            b'{' => open.push(at),
            b'}' => {
                open.pop();
            }
            _ => {}
        }
        at += 1;
    }
    open.last().copied()
}

/// The entries of the table at `key` (`[aggregates.Order]` → `Order`).
fn named_tables<'a, 'i>(
    parent: &Table<'a, 'i>,
    key: &str,
    diagnostics: &mut Diagnostics,
) -> Vec<(Sp<String>, &'a Spanned<DeValue<'i>>)> {
    let what = format!("`{key}` of {}", parent.what);
    match parent.table(key, what, diagnostics) {
        Some(table) => table.entries().collect(),
        None => Vec::new(),
    }
}

fn read_context(table: &Table<'_, '_>, diagnostics: &mut Diagnostics) -> RawContext {
    table.only(&["name", "doc", "version"], diagnostics);
    let name = table.string("name", diagnostics);
    if table.get("name").is_none() {
        table.missing("name", diagnostics);
    }
    RawContext {
        span: table.span.clone(),
        name,
        doc: table.string("doc", diagnostics),
        version: table.string("version", diagnostics),
    }
}

fn read_enum(name: Sp<String>, table: &Table<'_, '_>, diagnostics: &mut Diagnostics) -> RawEnum {
    table.only(&["doc", "variants"], diagnostics);
    let (variants, variants_span) = match table.get("variants") {
        Some(value) => {
            let what = format!("`variants` of {}", table.what);
            let variants = named_docs(value, &what, diagnostics);
            if is_empty(value) {
                diagnostics.push(
                    Diagnostic::new(
                        Code::InvalidValue,
                        value.span(),
                        format!("enum `{}` has no variants", name.value),
                    )
                    .label("empty")
                    .help("list at least one variant, as in `variants = [\"Small\", \"Large\"]`"),
                );
            }
            (variants, value.span())
        }
        None => {
            table.missing("variants", diagnostics);
            (Vec::new(), name.span.clone())
        }
    };
    RawEnum {
        doc: table.string("doc", diagnostics),
        name,
        variants,
        variants_span,
    }
}

/// An empty list or table (`[]`, `{}`).
fn is_empty(value: &Spanned<DeValue<'_>>) -> bool {
    match value.get_ref() {
        DeValue::Array(items) => items.is_empty(),
        DeValue::Table(entries) => entries.is_empty(),
        _ => false,
    }
}

/// `["A", "B"]` or `{ A = "doc", B = "doc" }`.
fn named_docs(
    value: &Spanned<DeValue<'_>>,
    what: &str,
    diagnostics: &mut Diagnostics,
) -> Vec<(Sp<String>, Option<Sp<String>>)> {
    match value.get_ref() {
        DeValue::Table(_) => {
            let Some(table) = Table::from_value(value, what, diagnostics) else {
                return Vec::new();
            };
            table
                .entries()
                .map(|(name, doc)| {
                    let doc = string(doc, &format!("the doc of `{}`", name.value), diagnostics);
                    (name, doc)
                })
                .collect()
        }
        _ => strings(value, what, diagnostics)
            .map(|list| list.value.into_iter().map(|name| (name, None)).collect())
            .unwrap_or_default(),
    }
}

fn read_struct(
    name: Sp<String>,
    table: &Table<'_, '_>,
    diagnostics: &mut Diagnostics,
) -> RawStruct {
    table.only(&["doc", "fields"], diagnostics);
    RawStruct {
        doc: table.string("doc", diagnostics),
        fields: read_fields(table, diagnostics),
        name,
    }
}

fn read_fields(owner: &Table<'_, '_>, diagnostics: &mut Diagnostics) -> Vec<RawField> {
    let what = format!("`fields` of {}", owner.what);
    let Some(fields) = owner.table("fields", what, diagnostics) else {
        return Vec::new();
    };
    fields
        .entries()
        .filter_map(|(name, value)| read_field(name, value, &owner.what, diagnostics))
        .collect()
}

fn read_field(
    name: Sp<String>,
    value: &Spanned<DeValue<'_>>,
    owner: &str,
    diagnostics: &mut Diagnostics,
) -> Option<RawField> {
    let what = format!("field `{}` of {owner}", name.value);
    let mut field = RawField {
        name,
        ty: Sp::new(String::new(), value.span()),
        doc: None,
        required: None,
        min_len: None,
        max_len: None,
        pattern: None,
        email: None,
        min: None,
        max: None,
        min_items: None,
        max_items: None,
        example: None,
    };
    match value.get_ref() {
        DeValue::String(ty) => {
            field.ty = Sp::new(ty.to_string(), value.span());
            Some(field)
        }
        DeValue::Table(_) => {
            let table = Table::from_value(value, what, diagnostics)?;
            table.only(FIELD_KEYS, diagnostics);
            match table.string("type", diagnostics) {
                Some(ty) => field.ty = ty,
                None => {
                    if table.get("type").is_none() {
                        table.missing("type", diagnostics);
                    }
                    return None;
                }
            }
            field.doc = table.string("doc", diagnostics);
            field.required = table.boolean("required", diagnostics);
            field.min_len = table.count("min_len", diagnostics);
            field.max_len = table.count("max_len", diagnostics);
            field.pattern = table.string("pattern", diagnostics);
            field.email = table.boolean("email", diagnostics);
            field.min = table.number("min", diagnostics);
            field.max = table.number("max", diagnostics);
            field.min_items = table.count("min_items", diagnostics);
            field.max_items = table.count("max_items", diagnostics);
            field.example = table.example("example", diagnostics);
            Some(field)
        }
        other => {
            diagnostics.push(reader::wrong_type(
                value.span(),
                &what,
                "a type name or a table with `type`",
                other,
            ));
            None
        }
    }
}

fn read_aggregate(
    name: Sp<String>,
    table: &Table<'_, '_>,
    diagnostics: &mut Diagnostics,
) -> RawAggregate {
    table.only(
        &[
            "doc",
            "id",
            "storage",
            "fields",
            "lifecycle",
            "entities",
            "events",
            "commands",
        ],
        diagnostics,
    );
    let id = table.get("id").and_then(|value| match value.get_ref() {
        DeValue::Table(_) => {
            let id_table =
                Table::from_value(value, format!("`id` of {}", table.what), diagnostics)?;
            id_table.only(&["type", "assigned"], diagnostics);
            let ty = id_table.string("type", diagnostics);
            if id_table.get("type").is_none() {
                id_table.missing("type", diagnostics);
            }
            Some((ty?, id_table.string("assigned", diagnostics)))
        }
        _ => string(value, &format!("`id` of {}", table.what), diagnostics).map(|ty| (ty, None)),
    });
    let lifecycle = table
        .table(
            "lifecycle",
            format!("the lifecycle of {}", table.what),
            diagnostics,
        )
        .map(|lifecycle| {
            lifecycle.only(&["initial", "states", "terminal"], diagnostics);
            let states = match lifecycle.get("states") {
                Some(value) => {
                    if is_empty(value) {
                        diagnostics.push(
                            Diagnostic::new(
                                Code::InvalidLifecycle,
                                value.span(),
                                format!("{} has no states", lifecycle.what),
                            )
                            .label("empty")
                            .help("list the states, as in `states = [\"Open\", \"Closed\"]`"),
                        );
                    }
                    let what = format!("`states` of {}", lifecycle.what);
                    named_docs(value, &what, diagnostics)
                }
                None => {
                    lifecycle.missing("states", diagnostics);
                    Vec::new()
                }
            };
            if lifecycle.get("initial").is_none() {
                lifecycle.missing("initial", diagnostics);
            }
            RawLifecycle {
                span: lifecycle.span.clone(),
                initial: lifecycle.string("initial", diagnostics),
                states,
                terminal: lifecycle
                    .strings("terminal", diagnostics)
                    .map(|list| list.value)
                    .unwrap_or_default(),
            }
        });
    let aggregate = name.value.clone();
    let entities = named_tables(table, "entities", diagnostics)
        .into_iter()
        .filter_map(|(name, value)| {
            let what = format!("entity `{}` of aggregate `{aggregate}`", name.value);
            let entity = Table::from_value(value, what, diagnostics)?;
            Some(read_struct(name, &entity, diagnostics))
        })
        .collect();
    let events = named_tables(table, "events", diagnostics)
        .into_iter()
        .filter_map(|(name, value)| {
            let what = format!("event `{}`", name.value);
            let event = Table::from_value(value, what, diagnostics)?;
            event.only(&["doc", "version", "integration", "fields"], diagnostics);
            Some(RawEvent {
                doc: event.string("doc", diagnostics),
                version: event.count("version", diagnostics),
                integration: event.boolean("integration", diagnostics),
                fields: read_fields(&event, diagnostics),
                name,
            })
        })
        .collect();
    let commands = named_tables(table, "commands", diagnostics)
        .into_iter()
        .filter_map(|(name, value)| {
            let what = format!("command `{}`", name.value);
            let command = Table::from_value(value, what, diagnostics)?;
            Some(read_command(name, &command, diagnostics))
        })
        .collect();
    RawAggregate {
        doc: table.string("doc", diagnostics),
        id,
        storage: table.string("storage", diagnostics),
        fields: read_fields(table, diagnostics),
        lifecycle,
        entities,
        events,
        commands,
        name,
    }
}

fn read_command(
    name: Sp<String>,
    table: &Table<'_, '_>,
    diagnostics: &mut Diagnostics,
) -> RawCommand {
    table.only(COMMAND_KEYS, diagnostics);
    let emits = table.strings("emits", diagnostics);
    RawCommand {
        emits_guess: emits_guess(table, emits.is_none()),
        span: table.span.clone(),
        doc: table.string("doc", diagnostics),
        creates: table.boolean("creates", diagnostics),
        fields: read_fields(table, diagnostics),
        from: table.strings("from", diagnostics),
        to: table.string("to", diagnostics),
        emits,
        roles: table
            .strings("roles", diagnostics)
            .map(|l| l.value)
            .unwrap_or_default(),
        idempotent: table.boolean("idempotent", diagnostics),
        http: read_http(table, diagnostics),
        name,
    }
}

/// When `emits` is misspelt (`emitz`) or not a list of strings, an error already: the event
/// names it seems to hold, so no warning says that the command emits nothing or that its
/// events are never emitted.
fn emits_guess(table: &Table<'_, '_>, unreadable: bool) -> Option<Vec<String>> {
    let misspelt = table.entries.iter().filter(|(key, _)| {
        let key: &str = key.get_ref();
        !COMMAND_KEYS.contains(&key) && closest(key, COMMAND_KEYS.iter().copied()) == Some("emits")
    });
    let mut values: Vec<&Spanned<DeValue<'_>>> = misspelt.map(|(_, value)| value).collect();
    if unreadable {
        values.extend(table.get("emits"));
    }
    if values.is_empty() {
        return None;
    }
    let names = values.into_iter().flat_map(|value| match value.get_ref() {
        DeValue::String(name) => vec![name.to_string()],
        DeValue::Array(items) => items
            .iter()
            .filter_map(|item| match item.get_ref() {
                DeValue::String(name) => Some(name.to_string()),
                _ => None,
            })
            .collect(),
        DeValue::Table(entries) => entries
            .iter()
            .map(|(key, _)| key.get_ref().to_string())
            .collect(),
        _ => Vec::new(),
    });
    Some(names.collect())
}

fn read_http(owner: &Table<'_, '_>, diagnostics: &mut Diagnostics) -> Option<RawHttp> {
    let http = owner.table("http", format!("`http` of {}", owner.what), diagnostics)?;
    http.only(&["method", "path"], diagnostics);
    Some(RawHttp {
        method: http.string("method", diagnostics),
        path: http.string("path", diagnostics),
    })
}

fn read_read_model(
    name: Sp<String>,
    table: &Table<'_, '_>,
    diagnostics: &mut Diagnostics,
) -> RawReadModel {
    let misspelt = table.only(
        &[
            "doc",
            "key",
            "fields",
            "updated_by",
            "removed_by",
            "queries",
        ],
        diagnostics,
    );
    if table.get("key").is_none() {
        table.missing("key", diagnostics);
    }
    let what = format!("`updated_by` of {}", table.what);
    let updated_by = match table.get("updated_by") {
        Some(value) if matches!(value.get_ref(), DeValue::Table(_)) => {
            Table::from_value(value, what.clone(), diagnostics)
                .map(|updates| {
                    updates
                        .entries()
                        .map(|(event, fields)| {
                            let what = format!("the fields `{}` updates", event.value);
                            let fields = strings(fields, &what, diagnostics).map(|l| l.value);
                            (event, Some(fields.unwrap_or_default()))
                        })
                        .collect()
                })
                .unwrap_or_default()
        }
        Some(value) => strings(value, &what, diagnostics)
            .map(|list| list.value.into_iter().map(|event| (event, None)).collect())
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let read_model = name.value.clone();
    let queries = named_tables(table, "queries", diagnostics)
        .into_iter()
        .filter_map(|(name, value)| {
            let what = format!("query `{}` of read model `{read_model}`", name.value);
            let query = Table::from_value(value, what, diagnostics)?;
            query.only(
                &["doc", "kind", "filters", "page_size", "roles", "http"],
                diagnostics,
            );
            Some(RawQuery {
                doc: query.string("doc", diagnostics),
                kind: query.string("kind", diagnostics),
                filters: query
                    .strings("filters", diagnostics)
                    .map(|l| l.value)
                    .unwrap_or_default(),
                page_size: query.count("page_size", diagnostics),
                roles: query
                    .strings("roles", diagnostics)
                    .map(|l| l.value)
                    .unwrap_or_default(),
                http: read_http(&query, diagnostics),
                name,
            })
        })
        .collect();
    RawReadModel {
        misspelt,
        span: table.span.clone(),
        doc: table.string("doc", diagnostics),
        key: table.string("key", diagnostics),
        fields: read_fields(table, diagnostics),
        updated_by,
        removed_by: table
            .strings("removed_by", diagnostics)
            .map(|l| l.value)
            .unwrap_or_default(),
        queries,
        name,
    }
}

fn read_policy(
    name: Sp<String>,
    table: &Table<'_, '_>,
    diagnostics: &mut Diagnostics,
) -> RawPolicy {
    table.only(&["doc", "on", "send", "map"], diagnostics);
    for key in ["on", "send"] {
        if table.get(key).is_none() {
            table.missing(key, diagnostics);
        }
    }
    let map = read_map(table, diagnostics);
    RawPolicy {
        span: table.span.clone(),
        doc: table.string("doc", diagnostics),
        on: table.string("on", diagnostics),
        send: table.string("send", diagnostics),
        map,
        name,
    }
}

fn read_subscription(
    name: Sp<String>,
    table: &Table<'_, '_>,
    diagnostics: &mut Diagnostics,
) -> RawSubscription {
    table.only(&["doc", "from", "fields", "send", "map"], diagnostics);
    for key in ["from", "send"] {
        if table.get(key).is_none() {
            table.missing(key, diagnostics);
        }
    }
    RawSubscription {
        span: table.span.clone(),
        doc: table.string("doc", diagnostics),
        from: table.string("from", diagnostics),
        fields: read_fields(table, diagnostics),
        send: table.string("send", diagnostics),
        map: read_map(table, diagnostics),
        name,
    }
}

/// `map = { command_field = "event_field" }` of a policy or subscription.
fn read_map(table: &Table<'_, '_>, diagnostics: &mut Diagnostics) -> Vec<(Sp<String>, Sp<String>)> {
    table
        .table("map", format!("`map` of {}", table.what), diagnostics)
        .map(|map| {
            map.entries()
                .filter_map(|(field, value)| {
                    let what = format!("the event field mapped to `{}`", field.value);
                    string(value, &what, diagnostics).map(|source| (field, source))
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_open_inline_table_is_found_outside_strings_and_comments() {
        let text = "a = { b = \"}\", c = '{' # }\nd = 1\ne = { f = \"\"\"}\"\"\" }\n";
        let second_line = text.find("d = 1").expect("there");
        assert_eq!(unclosed_brace(text, second_line), Some(4));
        let end = text.len();
        assert_eq!(unclosed_brace(text, end), Some(4));
        assert_eq!(unclosed_brace("a = { b = 1 }\n", 14), None);
    }

    #[test]
    fn an_unclosed_inline_table_is_pointed_at_where_it_opens() {
        let text =
            "[context]\nname = \"x\"\n[aggregates.A]\nfields = { a = \"String\"\nevents.E = {}\n";
        let mut diagnostics = Diagnostics::default();
        parse(text, &mut diagnostics);
        let brace = text.find('{').expect("a brace");
        // One message, at the brace: not also one where the parser noticed.
        let spans: Vec<_> = diagnostics.iter().map(|d| d.span.clone()).collect();
        assert_eq!(spans, vec![brace..brace + 1]);
    }
}
