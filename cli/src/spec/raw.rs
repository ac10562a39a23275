//! The spec as written: every value with its byte range, nothing resolved yet.

use std::ops::Range;

/// A value and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Sp<T> {
    /// The value.
    pub value: T,
    /// Its byte range in the spec.
    pub span: Range<usize>,
}

impl<T> Sp<T> {
    /// A value at `span`.
    pub fn new(value: T, span: Range<usize>) -> Self {
        Sp { value, span }
    }
}

impl Sp<String> {
    /// The string.
    pub fn as_str(&self) -> &str {
        &self.value
    }
}

/// A number bound of a range constraint, as written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// Written without a fraction (`10`).
    Integer(i64),
    /// Written with a fraction or exponent (`0.5`).
    Float(f64),
}

impl Number {
    /// The value as a float, for comparisons.
    pub fn as_f64(self) -> f64 {
        match self {
            Number::Integer(n) => n as f64,
            Number::Float(n) => n,
        }
    }
}

/// The whole spec.
#[derive(Debug, Clone, Default)]
pub struct RawSpec {
    /// `[context]`.
    pub context: Option<RawContext>,
    /// `[enums.*]`.
    pub enums: Vec<RawEnum>,
    /// `[value_objects.*]`.
    pub value_objects: Vec<RawStruct>,
    /// `[aggregates.*]`.
    pub aggregates: Vec<RawAggregate>,
    /// `[read_models.*]`.
    pub read_models: Vec<RawReadModel>,
    /// `[policies.*]`.
    pub policies: Vec<RawPolicy>,
    /// `[subscriptions.*]`.
    pub subscriptions: Vec<RawSubscription>,
}

/// `[context]`.
#[derive(Debug, Clone)]
pub struct RawContext {
    /// The table's span.
    pub span: Range<usize>,
    /// `name`.
    pub name: Option<Sp<String>>,
    /// `doc`.
    pub doc: Option<Sp<String>>,
    /// `version`.
    pub version: Option<Sp<String>>,
}

/// An enum.
#[derive(Debug, Clone)]
pub struct RawEnum {
    /// Its name, at the key.
    pub name: Sp<String>,
    /// `doc`.
    pub doc: Option<Sp<String>>,
    /// `variants`, each with its optional doc.
    pub variants: Vec<(Sp<String>, Option<Sp<String>>)>,
    /// The span of `variants`, or of the table when missing.
    pub variants_span: Range<usize>,
}

/// A value object or an entity: a name, a doc and fields.
#[derive(Debug, Clone)]
pub struct RawStruct {
    /// Its name, at the key.
    pub name: Sp<String>,
    /// `doc`.
    pub doc: Option<Sp<String>>,
    /// `fields`.
    pub fields: Vec<RawField>,
}

/// A field.
#[derive(Debug, Clone)]
pub struct RawField {
    /// Its name, at the key.
    pub name: Sp<String>,
    /// `type` (or the string itself in the short form).
    pub ty: Sp<String>,
    /// `doc`.
    pub doc: Option<Sp<String>>,
    /// `required`.
    pub required: Option<Sp<bool>>,
    /// `min_len`.
    pub min_len: Option<Sp<u64>>,
    /// `max_len`.
    pub max_len: Option<Sp<u64>>,
    /// `pattern`.
    pub pattern: Option<Sp<String>>,
    /// `email`.
    pub email: Option<Sp<bool>>,
    /// `min`.
    pub min: Option<Sp<Number>>,
    /// `max`.
    pub max: Option<Sp<Number>>,
    /// `min_items`.
    pub min_items: Option<Sp<u64>>,
    /// `max_items`.
    pub max_items: Option<Sp<u64>>,
    /// `example`: a value the field may hold, for generated tests and the API document.
    pub example: Option<Sp<Example>>,
}

/// A scalar written as a field's `example`.
#[derive(Debug, Clone, PartialEq)]
pub enum Example {
    /// A string (`"Margherita"`).
    Text(String),
    /// A number (`2`, `15.99`).
    Number(Number),
    /// `true` or `false`.
    Flag(bool),
}

/// An aggregate.
#[derive(Debug, Clone)]
pub struct RawAggregate {
    /// Its name, at the key.
    pub name: Sp<String>,
    /// `doc`.
    pub doc: Option<Sp<String>>,
    /// `id`: its type and who assigns it.
    pub id: Option<(Sp<String>, Option<Sp<String>>)>,
    /// `storage`.
    pub storage: Option<Sp<String>>,
    /// `fields`.
    pub fields: Vec<RawField>,
    /// `lifecycle`.
    pub lifecycle: Option<RawLifecycle>,
    /// `entities`.
    pub entities: Vec<RawStruct>,
    /// `events`.
    pub events: Vec<RawEvent>,
    /// `commands`.
    pub commands: Vec<RawCommand>,
}

/// `lifecycle`.
#[derive(Debug, Clone)]
pub struct RawLifecycle {
    /// The table's span.
    pub span: Range<usize>,
    /// `initial`.
    pub initial: Option<Sp<String>>,
    /// `states`, each with its optional doc.
    pub states: Vec<(Sp<String>, Option<Sp<String>>)>,
    /// `terminal`.
    pub terminal: Vec<Sp<String>>,
}

/// An event.
#[derive(Debug, Clone)]
pub struct RawEvent {
    /// Its name, at the key.
    pub name: Sp<String>,
    /// `doc`.
    pub doc: Option<Sp<String>>,
    /// `version`.
    pub version: Option<Sp<u64>>,
    /// `integration`.
    pub integration: Option<Sp<bool>>,
    /// `fields`.
    pub fields: Vec<RawField>,
}

/// A command.
#[derive(Debug, Clone)]
pub struct RawCommand {
    /// Its name, at the key.
    pub name: Sp<String>,
    /// The table's span.
    pub span: Range<usize>,
    /// `doc`.
    pub doc: Option<Sp<String>>,
    /// `creates`.
    pub creates: Option<Sp<bool>>,
    /// `fields`.
    pub fields: Vec<RawField>,
    /// `from`.
    pub from: Option<Sp<Vec<Sp<String>>>>,
    /// `to`.
    pub to: Option<Sp<String>>,
    /// `emits`.
    pub emits: Option<Sp<Vec<Sp<String>>>>,
    /// When `emits` is misspelt or unreadable (an error already): the event names it seems
    /// to list.
    pub emits_guess: Option<Vec<String>>,
    /// `roles`.
    pub roles: Vec<Sp<String>>,
    /// `idempotent`.
    pub idempotent: Option<Sp<bool>>,
    /// `http`.
    pub http: Option<RawHttp>,
}

/// `http = { method, path }`.
#[derive(Debug, Clone)]
pub struct RawHttp {
    /// `method`.
    pub method: Option<Sp<String>>,
    /// `path`.
    pub path: Option<Sp<String>>,
}

/// A read model.
#[derive(Debug, Clone)]
pub struct RawReadModel {
    /// Its name, at the key.
    pub name: Sp<String>,
    /// The table's span.
    pub span: Range<usize>,
    /// `doc`.
    pub doc: Option<Sp<String>>,
    /// `key`.
    pub key: Option<Sp<String>>,
    /// `fields`.
    pub fields: Vec<RawField>,
    /// `updated_by`: each event with the fields it sets.
    pub updated_by: Vec<RawUpdate>,
    /// `removed_by`.
    pub removed_by: Vec<Sp<String>>,
    /// `queries`.
    pub queries: Vec<RawQuery>,
    /// Keys that unknown keys of the table are near misses of (`updatd_by` → `updated_by`):
    /// what those would say is unknown, so no warning is based on their absence.
    pub misspelt: Vec<String>,
}

/// An event that updates a read model, and the fields it sets (`None`: all it carries).
pub type RawUpdate = (Sp<String>, Option<Vec<Sp<String>>>);

/// A query of a read model.
#[derive(Debug, Clone)]
pub struct RawQuery {
    /// Its name, at the key.
    pub name: Sp<String>,
    /// `doc`.
    pub doc: Option<Sp<String>>,
    /// `kind`.
    pub kind: Option<Sp<String>>,
    /// `filters`.
    pub filters: Vec<Sp<String>>,
    /// `page_size`.
    pub page_size: Option<Sp<u64>>,
    /// `roles`.
    pub roles: Vec<Sp<String>>,
    /// `http`.
    pub http: Option<RawHttp>,
}

/// A policy.
#[derive(Debug, Clone)]
pub struct RawPolicy {
    /// Its name, at the key.
    pub name: Sp<String>,
    /// The table's span.
    pub span: Range<usize>,
    /// `doc`.
    pub doc: Option<Sp<String>>,
    /// `on`.
    pub on: Option<Sp<String>>,
    /// `send`.
    pub send: Option<Sp<String>>,
    /// `map`: command field = event field.
    pub map: Vec<(Sp<String>, Sp<String>)>,
}

/// A subscription to another context's integration event.
#[derive(Debug, Clone)]
pub struct RawSubscription {
    /// Its name, at the key.
    pub name: Sp<String>,
    /// The table's span.
    pub span: Range<usize>,
    /// `doc`.
    pub doc: Option<Sp<String>>,
    /// `from`: `context.Event`.
    pub from: Option<Sp<String>>,
    /// `fields`: what this context reads of the event.
    pub fields: Vec<RawField>,
    /// `send`.
    pub send: Option<Sp<String>>,
    /// `map`: command field = event field.
    pub map: Vec<(Sp<String>, Sp<String>)>,
}
