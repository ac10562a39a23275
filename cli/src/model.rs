//! The validated model: what a spec means once every name is resolved and every check passed.
//!
//! The checker ([`crate::check`]) builds it from the raw spec; templates render it. Everything a
//! template needs is computed here, in Rust, once: names in every case, Rust types, routes,
//! table names, where each event field comes from. Templates only loop and branch over it, so
//! the model is `Serialize` and is handed to tera as is.

use serde::Serialize;

/// A whole bounded context.
#[derive(Debug, Clone, Serialize)]
pub struct Model {
    /// The context itself.
    pub context: Context,
    /// Enumerations, in spec order.
    pub enums: Vec<Enum>,
    /// Value objects, in spec order.
    pub value_objects: Vec<ValueObject>,
    /// Aggregates, in spec order.
    pub aggregates: Vec<Aggregate>,
    /// Read models, in spec order.
    pub read_models: Vec<ReadModel>,
    /// Policies, in spec order.
    pub policies: Vec<Policy>,
    /// Subscriptions to other contexts' integration events, in spec order.
    pub subscriptions: Vec<Subscription>,
    /// Which module defines each generated type, worked out on first use (see [`TypeHomes`]).
    #[serde(skip)]
    pub homes: TypeHomes,
}

/// The module of the generated crate that defines each generated type (`Order` →
/// `generated::domain::order`), built from the model the first time a renderer asks.
///
/// Every module's imports ask it for every type they mention, so a scan of the aggregates per
/// question made rendering quadratic in their number. A clone starts empty and is built
/// again from the clone, so a model changed after cloning never sees a stale index.
#[derive(Debug, Default)]
pub struct TypeHomes(std::sync::OnceLock<std::collections::HashMap<String, String>>);

impl Clone for TypeHomes {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl Model {
    /// The module of the generated crate that defines the generated type `name`, if it is one.
    pub fn home_of(&self, name: &str) -> Option<&str> {
        self.homes
            .0
            .get_or_init(|| self.type_homes())
            .get(name)
            .map(String::as_str)
    }

    /// Every generated type's module. Enums and value objects live in `domain::types`;
    /// everything an aggregate declares lives in its own module, and where two aggregates
    /// would claim a name the first in spec order keeps it.
    fn type_homes(&self) -> std::collections::HashMap<String, String> {
        let mut homes = std::collections::HashMap::new();
        for aggregate in &self.aggregates {
            let home = format!("generated::domain::{}", aggregate.names.snake);
            let name = &aggregate.names.name;
            let mut names = vec![
                aggregate.id.type_name.clone(),
                name.clone(),
                format!("{name}Event"),
                format!("{name}Error"),
                format!("{name}Command"),
            ];
            names.extend(aggregate.entities.iter().map(|e| e.names.name.clone()));
            names.extend(aggregate.lifecycle.iter().map(|l| l.type_name.clone()));
            names.extend(aggregate.commands.iter().map(|c| c.names.name.clone()));
            for name in names {
                homes.entry(name).or_insert_with(|| home.clone());
            }
        }
        let types = self.enums.iter().map(|e| &e.names.name);
        for name in types.chain(self.value_objects.iter().map(|v| &v.names.name)) {
            homes.insert(name.clone(), "generated::domain::types".to_owned());
        }
        homes
    }
}

/// The bounded context.
#[derive(Debug, Clone, Serialize)]
pub struct Context {
    /// `snake_case` name, as written in the spec (`pizzeria`, `eshop_ordering`).
    pub name: String,
    /// The crate (package) name: the name with `-` for `_` (`eshop-ordering`).
    pub crate_name: String,
    /// The library's Rust name (`eshop_ordering`).
    pub lib_name: String,
    /// A human title (`Eshop ordering`).
    pub title: String,
    /// Documentation lines.
    pub doc: Vec<String>,
    /// The crate version.
    pub version: String,
}

/// A name in every case the generated code needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Names {
    /// As declared: `UpperCamelCase` for types, `snake_case` for fields (`OrderItem`).
    pub name: String,
    /// `order_item`.
    pub snake: String,
    /// `order-item`.
    pub kebab: String,
    /// `ORDER_ITEM`.
    pub shouty: String,
    /// `order_items`.
    pub plural_snake: String,
    /// `order-items`.
    pub plural_kebab: String,
    /// Lower-case words for messages (`order item`).
    pub words: String,
}

/// A field of a value object, entity, aggregate, command, event or read model.
#[derive(Debug, Clone, Serialize)]
pub struct Field {
    /// The field's `snake_case` name.
    pub name: String,
    /// Documentation lines.
    pub doc: Vec<String>,
    /// Its type.
    pub ty: Type,
    /// The arguments of each `#[validate(...)]` attribute the field carries, ready to print
    /// (`length(min = 2, max = 100)`, `pattern = "^[0-9]{5}$"`). Empty when unconstrained.
    pub validate: Vec<String>,
    /// A value the field may hold (of its type, within its constraints), as JSON: what the
    /// generated tests send and the API document shows.
    pub example: Option<serde_json::Value>,
}

/// A resolved type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Type {
    /// As written in the spec, normalised (`Vec<PizzaLine>`).
    pub spec: String,
    /// The Rust type, with paths the generated modules import (`Vec<PizzaLine>`,
    /// `Option<Decimal>`, `BTreeMap<String, u32>`).
    pub rust: String,
    /// What kind of type it is at the top level.
    pub kind: TypeKind,
    /// `Default::default()` is available (false for value objects, entities, and types that
    /// contain one outside a collection or option).
    pub has_default: bool,
    /// The type is `Copy` (numbers, `bool`, `Uuid`, dates, ids over uuids or integers, enums).
    pub is_copy: bool,
    /// The type appears in an HTTP path or query string as text (scalars, enums and ids).
    pub is_scalar: bool,
}

/// The top-level shape of a [`Type`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TypeKind {
    /// `String`.
    String,
    /// `bool`.
    Bool,
    /// `i32`, `i64`, `u32`, `u64`.
    Integer,
    /// `f64`.
    Float,
    /// `Decimal`.
    Decimal,
    /// `Date`, `Time`, `DateTime`.
    Time,
    /// `Uuid`.
    Uuid,
    /// `Option<T>`.
    Option,
    /// `Vec<T>`.
    List,
    /// `Map<String, T>`.
    Map,
    /// A generated enum.
    Enum,
    /// A generated value object.
    ValueObject,
    /// A child entity of the aggregate.
    Entity,
    /// The typed id of an aggregate.
    Id,
}

/// An enumeration.
#[derive(Debug, Clone, Serialize)]
pub struct Enum {
    /// Its names.
    pub names: Names,
    /// Documentation lines.
    pub doc: Vec<String>,
    /// Variants in spec order; the first is the default.
    pub variants: Vec<Variant>,
}

/// A variant of an [`Enum`], or a state of a [`Lifecycle`].
#[derive(Debug, Clone, Serialize)]
pub struct Variant {
    /// Its names.
    pub names: Names,
    /// Documentation lines.
    pub doc: Vec<String>,
}

/// A value object, or a child entity of an aggregate.
#[derive(Debug, Clone, Serialize)]
pub struct ValueObject {
    /// Its names.
    pub names: Names,
    /// Documentation lines.
    pub doc: Vec<String>,
    /// Fields in spec order.
    pub fields: Vec<Field>,
}

/// An aggregate and everything that belongs to it.
#[derive(Debug, Clone, Serialize)]
pub struct Aggregate {
    /// Its names.
    pub names: Names,
    /// Documentation lines.
    pub doc: Vec<String>,
    /// Its typed id.
    pub id: Id,
    /// How it is persisted.
    pub storage: Storage,
    /// The state's fields, in spec order (the lifecycle's `status` is not among them).
    pub fields: Vec<StateField>,
    /// The lifecycle, when declared.
    pub lifecycle: Option<Lifecycle>,
    /// Child entities.
    pub entities: Vec<ValueObject>,
    /// Events, in spec order.
    pub events: Vec<Event>,
    /// Commands, in spec order.
    pub commands: Vec<Command>,
    /// The SQL table of its state or events (`orders`).
    pub table: String,
    /// The HTTP collection path (`/orders`).
    pub route: String,
}

/// A typed aggregate id.
#[derive(Debug, Clone, Serialize)]
pub struct Id {
    /// The id type (`OrderId`).
    pub type_name: String,
    /// The field that carries it in commands, events and read models (`order_id`).
    pub field: String,
    /// The wrapped Rust type (`Uuid`, `String`, `i64`).
    pub inner: String,
    /// Which kind of id.
    pub kind: IdKind,
    /// The service assigns new ids (a creating command may leave it out).
    pub server_assigned: bool,
}

/// What an [`Id`] wraps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IdKind {
    /// `Uuid`.
    Uuid,
    /// `String`.
    String,
    /// `i64`.
    Integer,
}

/// How an aggregate is persisted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Storage {
    /// Rebuilt from its events.
    EventSourced,
    /// Current state saved with a version column.
    StateStored,
}

/// A field of an aggregate's state.
#[derive(Debug, Clone, Serialize)]
pub struct StateField {
    /// The field as declared.
    pub field: Field,
    /// The field is stored as `Option<T>` because `T` has no default (a value object or an
    /// entity): the state starts empty, before the creating event.
    pub stored_as_option: bool,
    /// The Rust type of the stored field (`Option<Address>` when `stored_as_option`).
    pub stored_rust: String,
}

/// An aggregate's lifecycle: a state machine over its commands.
#[derive(Debug, Clone, Serialize)]
pub struct Lifecycle {
    /// The generated status enum (`OrderStatus`).
    pub type_name: String,
    /// The states, in spec order.
    pub states: Vec<Variant>,
    /// The state a created aggregate starts in.
    pub initial: String,
    /// States no command leaves.
    pub terminal: Vec<String>,
}

/// An event of an aggregate.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    /// Its names.
    pub names: Names,
    /// Documentation lines.
    pub doc: Vec<String>,
    /// Schema version, from 1.
    pub version: u32,
    /// The event leaves the bounded context (integration event).
    pub integration: bool,
    /// Fields in spec order (the aggregate id is implicit and not among them).
    pub fields: Vec<Field>,
    /// The lifecycle state applying this event moves the aggregate to, if any.
    pub sets_state: Option<String>,
    /// The aggregate fields applying this event copies from the event, by name.
    pub applies: Vec<Applied>,
}

/// An aggregate field that an event sets when applied.
#[derive(Debug, Clone, Serialize)]
pub struct Applied {
    /// The field name, shared by the event and the state.
    pub field: String,
    /// The state stores it as `Option<T>` while the event carries `T`.
    pub wrap_in_some: bool,
}

/// A command of an aggregate.
#[derive(Debug, Clone, Serialize)]
pub struct Command {
    /// Its names; `names.snake` is also the handler's name.
    pub names: Names,
    /// Documentation lines.
    pub doc: Vec<String>,
    /// It creates the aggregate.
    pub creates: bool,
    /// The payload, in spec order (the aggregate id is implicit and not among them).
    pub fields: Vec<Field>,
    /// States the command is accepted in; empty means any.
    pub from: Vec<String>,
    /// The state after the command, if it changes it.
    pub to: Option<String>,
    /// The events it records, in order, with where each field comes from.
    pub emits: Vec<Emitted>,
    /// Roles allowed to send it; empty means any caller.
    pub roles: Vec<String>,
    /// Repeated requests with one idempotency key are answered once.
    pub idempotent: bool,
    /// Its HTTP route.
    pub http: Http,
}

/// One event a command records, and how each of its fields is filled.
#[derive(Debug, Clone, Serialize)]
pub struct Emitted {
    /// The event's name.
    pub event: String,
    /// One entry per event field, in the event's order.
    pub fields: Vec<FieldSource>,
}

/// Where a generated handler takes an event field from.
#[derive(Debug, Clone, Serialize)]
pub struct FieldSource {
    /// The event field.
    pub field: String,
    /// Where its value comes from.
    pub from: Source,
    /// The source is `Option<T>` in the state while the event wants `T`: the handler refuses
    /// with the aggregate's "incomplete" error when it is missing.
    pub unwrap_state: bool,
}

/// The origin of a generated event field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The command's field of the same name.
    Command,
    /// The event's field of the same name (read models).
    Event,
    /// The id of the aggregate the command addresses.
    AggregateId,
    /// The aggregate's state field of the same name.
    State,
    /// `Default::default()`: nothing carries it; a business rule should set it.
    Default,
}

/// An HTTP route.
#[derive(Debug, Clone, Serialize)]
pub struct Http {
    /// `POST`, `PUT`, `PATCH`, `DELETE` or `GET`.
    pub method: String,
    /// The lower-case method, as axum's routing functions are named (`post`).
    pub method_lower: String,
    /// The path, with `{param}` placeholders (`/orders/{order_id}/start-cooking`).
    pub path: String,
}

/// A read model: a denormalised view kept up to date from events.
#[derive(Debug, Clone, Serialize)]
pub struct ReadModel {
    /// Its names.
    pub names: Names,
    /// Documentation lines.
    pub doc: Vec<String>,
    /// The key field.
    pub key: Field,
    /// All fields in spec order, the key included.
    pub fields: Vec<Field>,
    /// Which events update which fields.
    pub updates: Vec<Update>,
    /// Events that remove the row of their key.
    pub removed_by: Vec<EventRef>,
    /// Queries over it.
    pub queries: Vec<Query>,
    /// The SQL table (`kitchen_tickets`).
    pub table: String,
}

/// A reference to an event of an aggregate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventRef {
    /// The aggregate.
    pub aggregate: String,
    /// The aggregate's `snake_case` name (its module).
    pub aggregate_snake: String,
    /// The event.
    pub event: String,
}

/// How one event updates a read model.
#[derive(Debug, Clone, Serialize)]
pub struct Update {
    /// The event.
    pub event: EventRef,
    /// The read-model fields it sets, each from the event field (or the aggregate id) of the
    /// same name.
    pub fields: Vec<UpdatedField>,
    /// Where the event's key value comes from.
    pub key_from: Source,
}

/// A read-model field set by an event.
#[derive(Debug, Clone, Serialize)]
pub struct UpdatedField {
    /// The field, in the read model and in the event.
    pub field: String,
    /// From the event's field, or from the id of the aggregate that recorded it.
    pub from: Source,
}

/// A query over a read model.
#[derive(Debug, Clone, Serialize)]
pub struct Query {
    /// Its names.
    pub names: Names,
    /// Documentation lines.
    pub doc: Vec<String>,
    /// By key, or a paginated list.
    pub kind: QueryKind,
    /// Read-model fields usable as exact-match filters (lists only).
    pub filters: Vec<Field>,
    /// Default page size (lists only).
    pub page_size: u32,
    /// Roles allowed; empty means any caller.
    pub roles: Vec<String>,
    /// Its HTTP route.
    pub http: Http,
}

/// What a [`Query`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QueryKind {
    /// One row by key.
    Get,
    /// A page of rows.
    List,
}

/// When an event happens, send a command.
#[derive(Debug, Clone, Serialize)]
pub struct Policy {
    /// Its names.
    pub names: Names,
    /// Documentation lines.
    pub doc: Vec<String>,
    /// The triggering event.
    pub on: EventRef,
    /// The command's aggregate.
    pub aggregate: String,
    /// The command's aggregate, `snake_case`.
    pub aggregate_snake: String,
    /// The command sent.
    pub command: String,
    /// How each command field (the target's id included when the command needs it) is filled.
    pub mapping: Vec<Mapped>,
}

/// When another context's integration event arrives (through the broker), send a command.
#[derive(Debug, Clone, Serialize)]
pub struct Subscription {
    /// Its names.
    pub names: Names,
    /// Documentation lines.
    pub doc: Vec<String>,
    /// The publishing context (`eshop_ordering`).
    pub context: String,
    /// The integration event (`OrderStartedIntegrationEvent`).
    pub event: String,
    /// What this context reads of the event's payload (other fields are ignored).
    pub fields: Vec<Field>,
    /// The command's aggregate.
    pub aggregate: String,
    /// The command's aggregate, `snake_case`.
    pub aggregate_snake: String,
    /// The command sent.
    pub command: String,
    /// How each command field is filled.
    pub mapping: Vec<Mapped>,
    /// The durable consumer's name at the broker, shared by every instance of this service:
    /// the consuming context and the subscription (`eshop_basket_empty_basket_when_order_started`).
    pub durable: String,
}

/// A command field filled by a policy or a subscription.
#[derive(Debug, Clone, Serialize)]
pub struct Mapped {
    /// The command field (the target aggregate's id field included).
    pub field: String,
    /// Where the value comes from.
    pub from: MapSource,
    /// The event field it comes from, when `from` is `event_field`.
    pub event_field: Option<String>,
    /// The source needs `.clone()` (it is not `Copy`).
    pub clone: bool,
}

/// Where a policy takes a command field from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MapSource {
    /// The triggering event's field `event_field`.
    EventField,
    /// The id of the aggregate that recorded the triggering event.
    AggregateId,
    /// A fresh id: the target aggregate's ids are server-assigned and the command creates it.
    NewId,
    /// `None`: an optional field nothing carries.
    Absent,
}
