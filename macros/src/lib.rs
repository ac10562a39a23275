//! Procedural macros for Seedwork. Use them through the `seedwork` crate, which re-exports
//! them: `#[aggregate]`, `#[command]`, `#[event]`, `#[query]`, `#[value_object]` and
//! `#[aggregate_id]`.
//!
//! Each entry point only converts between `proc_macro` and `proc_macro2`; the expansions live
//! in `seedwork-macros-core`, where tests can call them. Every macro reports all the mistakes
//! it finds in an item at once, each on the offending token, and still emits the item, so one
//! mistake gives one error.
//!
//! The generated code names everything by absolute path (`::seedwork::…`, `::core::…`), so
//! your own `Result`, `Error`, `Event` or `Command` types in scope do not interfere. If you
//! renamed the dependency (`sw = { package = "seedwork", … }`), say so with `crate = sw` in
//! every macro's arguments.

use proc_macro::TokenStream;

/// Makes a struct the state of an aggregate, and its `impl` block the aggregate's behaviour.
///
/// **On the struct**, `#[aggregate(…)]` declares:
///
/// | key | meaning | default |
/// |---|---|---|
/// | `id = T` | the aggregate's id type | required |
/// | `event = E` | its event enum (usually an `#[event]`) | required |
/// | `error = R` | the error its own rules return (`Into<seedwork::Error>`) | `seedwork::Error` |
/// | `services = S` | what handlers may use through `context.services` | `()` |
/// | `storage = …` | `event_sourced` or `state_stored` | `event_sourced` |
/// | `status = field` | the field holding its lifecycle state | none |
/// | `name = "…"` | the stable type name streams are stored under | the struct's name |
///
/// It derives serde's `Serialize` and `Deserialize` (and `Clone` when there is a status),
/// unless you derived them already. Derive `Default` yourself: it is the state before the
/// first event.
///
/// **On the impl block**, `#[aggregate]` turns
/// - `#[handle]` methods into command handlers: `fn (&self, command: C) -> …` or
///   `async fn`, with an optional second parameter `context: &CommandContext<'_, Self>`.
///   They return `Result<Vec<E>, R>`, `Result<E, R>`, `Result<Option<E>, R>`, `Vec<E>`,
///   `Option<E>` or `E`. `#[handle(from = [A, B], to = C)]` refuses the command unless the
///   status is one of the `from` states (a [`LifecycleError`] reading "cannot start cooking
///   Order 42: it is Delivered") and checks the events lead to `to`;
/// - `#[apply(Variant)]` methods into the event application: `fn (&mut self, field: &T, …)`,
///   one parameter per event field it needs, named like the field (a by-value parameter gets
///   a clone).
///
/// It writes an enum `<Aggregate>Command` with one variant per handled command, the
/// `Aggregate` impl, and `RegisterCommands`, so one call registers every command:
/// `Mediator::builder().aggregate::<Order>(repository)`.
///
/// [`LifecycleError`]: https://docs.rs/seedwork/latest/seedwork/struct.LifecycleError.html
///
/// ```
/// use seedwork::{aggregate, aggregate_id, command, event, ErrorKind, Mediator, Metadata, Stores};
///
/// #[aggregate_id]
/// pub struct OrderId(uuid::Uuid);
///
/// #[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
/// pub enum Status { #[default] Placed, Cooking, Delivered }
///
/// #[event]
/// pub enum OrderEvent {
///     OrderPlaced { customer: String },
///     CookingStarted,
/// }
///
/// #[aggregate(id = OrderId, event = OrderEvent, status = status)]
/// #[derive(Debug, Default)]
/// pub struct Order { status: Status, customer: String }
///
/// #[command(aggregate = Order, creates)]
/// pub struct PlaceOrder { #[id] order_id: OrderId, customer: String }
///
/// #[command(aggregate = Order)]
/// pub struct StartCooking { #[id] order_id: OrderId }
///
/// #[aggregate]
/// impl Order {
///     #[handle]
///     fn place(&self, command: PlaceOrder) -> OrderEvent {
///         OrderEvent::OrderPlaced { customer: command.customer }
///     }
///
///     #[handle(from = Placed, to = Cooking)]
///     fn start_cooking(&self, _: StartCooking) -> OrderEvent {
///         OrderEvent::CookingStarted
///     }
///
///     #[apply(OrderPlaced)]
///     fn placed(&mut self, customer: &str) { self.customer = customer.into(); }
///
///     #[apply(CookingStarted)]
///     fn cooking(&mut self) { self.status = Status::Cooking; }
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let stores = Stores::in_memory();
/// let mediator = Mediator::builder()
///     .aggregate::<Order>(stores.repository::<Order>(()))
///     .build()?;
/// let (id, metadata) = (OrderId::new(), Metadata::new());
/// mediator.send(PlaceOrder { order_id: id, customer: "Mario".into() }, &metadata).await?;
/// mediator.send(StartCooking { order_id: id }, &metadata).await?;
/// let again = mediator.send(StartCooking { order_id: id }, &metadata).await.unwrap_err();
/// assert_eq!(again.kind(), ErrorKind::Domain);
/// assert_eq!(again.to_string(), format!("cannot start cooking Order {id}: it is Cooking"));
/// # Ok::<(), seedwork::Error>(())
/// # }).unwrap();
/// ```
#[proc_macro_attribute]
pub fn aggregate(args: TokenStream, item: TokenStream) -> TokenStream {
    seedwork_macros_core::expand_aggregate(args.into(), item.into()).into()
}

/// A typed aggregate id: a one-field tuple struct around a `Uuid`, a `String` or an integer.
///
/// Derives equality, ordering, hashing, `Debug`, `Clone` (and `Copy` for `Uuid` and integers)
/// and serde as the bare inner value; implements `Display`, `FromStr` and `From<inner>`. Around
/// a `Uuid` or `String` it also gets `new()` and `seedwork::NewId`, which `#[id(generate)]`
/// uses.
///
/// ```
/// #[seedwork::aggregate_id]
/// pub struct AccountId(uuid::Uuid);
///
/// let id = AccountId::new();
/// assert_eq!(id.to_string().parse::<AccountId>().unwrap(), id);
/// assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{id}\""));
/// ```
#[proc_macro_attribute]
pub fn aggregate_id(args: TokenStream, item: TokenStream) -> TokenStream {
    seedwork_macros_core::expand_aggregate_id(args.into(), item.into()).into()
}

/// A command: a request to change one aggregate, handled by exactly one `#[handle]` method.
///
/// Arguments: `aggregate = Order` (required); `creates` when the command creates its aggregate
/// (refused with a conflict if it exists; without `creates` the aggregate must exist);
/// `roles = ["kitchen"]` for the roles the authorization behaviour requires;
/// `name = "…"` for the stable name (the struct's name by default).
///
/// Fields: `#[id]` marks the one field holding the aggregate's id (`#[id(generate)]` fills it
/// with a fresh id when a request leaves it out). `#[validate(…)]` constrains a field:
/// `length(min = …, max = …)` in characters for text, `range(min = …, max = …)` for numbers,
/// `items(min = …, max = …)` for collections, `pattern = "regex"` (checked when you compile,
/// compiled once at run time), `email`, and `custom = function` with
/// `fn(&T) -> Result<(), impl Display>`. Constraints on an `Option` field apply when it is
/// `Some`. The generated `validate()` reports every failure with its field path.
///
/// ```
/// use seedwork::{command, Command};
/// # #[seedwork::aggregate_id] pub struct OrderId(uuid::Uuid);
/// # #[seedwork::event] pub enum OrderEvent { OrderPlaced }
/// # #[seedwork::aggregate(id = OrderId, event = OrderEvent)] #[derive(Default)] pub struct Order;
/// # #[seedwork::aggregate] impl Order { #[handle] fn place(&self, _: PlaceOrder) -> OrderEvent { OrderEvent::OrderPlaced } }
///
/// #[command(aggregate = Order, creates)]
/// pub struct PlaceOrder {
///     #[id(generate)]
///     order_id: OrderId,
///     #[validate(length(min = 2, max = 100))]
///     customer: String,
///     #[validate(items(min = 1, max = 20))]
///     pizzas: Vec<String>,
///     #[validate(pattern = "^[0-9]{5}$")]
///     zip: String,
/// }
///
/// let order = PlaceOrder { order_id: OrderId::new(), customer: "M".into(), pizzas: vec![], zip: "1".into() };
/// let paths: Vec<_> = order.validate().unwrap_err().into_iter().map(|e| e.path).collect();
/// assert_eq!(paths, ["customer", "pizzas", "zip"]);
/// ```
#[proc_macro_attribute]
pub fn command(args: TokenStream, item: TokenStream) -> TokenStream {
    seedwork_macros_core::expand_command(args.into(), item.into()).into()
}

/// Domain events: an enum with one variant per event (unit or named fields), or one struct.
///
/// Derives `Clone`, `Debug`, `PartialEq` and serde (unless already derived) and implements
/// `DomainEvent`. Each event has a stable type name, its variant's name unless
/// `#[event(name = "…")]` says otherwise; the name is also its serde tag, so renaming the Rust
/// variant later does not orphan stored events. `version = N` sets the schema version (on the
/// enum for all variants, or on one variant).
///
/// ```
/// use seedwork::DomainEvent;
///
/// #[seedwork::event]
/// pub enum AccountEvent {
///     #[event(name = "account_created")]
///     AccountCreated { initial_balance: i64 },
///     #[event(name = "money_deposited", version = 2)]
///     MoneyDeposited { amount: i64, new_balance: i64 },
/// }
///
/// let event = AccountEvent::MoneyDeposited { amount: 5, new_balance: 5 };
/// assert_eq!((event.event_type(), event.schema_version()), ("money_deposited", 2));
/// assert_eq!(
///     serde_json::to_string(&event).unwrap(),
///     r#"{"money_deposited":{"amount":5,"new_balance":5}}"#
/// );
/// ```
#[proc_macro_attribute]
pub fn event(args: TokenStream, item: TokenStream) -> TokenStream {
    seedwork_macros_core::expand_event(args.into(), item.into()).into()
}

/// A query: a question answered from a read model, never changing state.
///
/// Arguments: `output = T` (required), `roles = […]`, `name = "…"`. Fields take the same
/// `#[validate(…)]` constraints as commands.
///
/// ```
/// use seedwork::Query;
///
/// #[seedwork::query(output = Vec<String>, roles = ["kitchen"])]
/// pub struct KitchenQueue {
///     #[validate(range(min = 1, max = 100))]
///     limit: u32,
/// }
///
/// assert_eq!(KitchenQueue::NAME, "KitchenQueue");
/// assert!(KitchenQueue { limit: 0 }.validate().is_err());
/// ```
#[proc_macro_attribute]
pub fn query(args: TokenStream, item: TokenStream) -> TokenStream {
    seedwork_macros_core::expand_query(args.into(), item.into()).into()
}

/// A value object: valid by construction. Fields take the same `#[validate(…)]` constraints
/// as commands.
///
/// Writes `new(fields…) -> Result<Self, seedwork::Error>`, which reports every broken
/// constraint as one validation error, and `validate()`. Deserialization runs the same checks,
/// so JSON cannot produce an invalid value either. Derives `Clone`, `Debug`, `PartialEq` and
/// serde unless already derived.
///
/// ```
/// #[seedwork::value_object]
/// pub struct Address {
///     #[validate(length(min = 1, max = 200))]
///     street: String,
///     #[validate(pattern = "^[0-9]{5}$")]
///     zip: String,
/// }
///
/// let error = Address::new(String::new(), "12".into()).unwrap_err();
/// assert_eq!(error.field_errors().len(), 2);
/// assert!(serde_json::from_str::<Address>(r#"{"street":"Via Roma 1","zip":"12"}"#).is_err());
/// assert!(Address::new("Via Roma 1".into(), "00100".into()).is_ok());
/// ```
#[proc_macro_attribute]
pub fn value_object(args: TokenStream, item: TokenStream) -> TokenStream {
    seedwork_macros_core::expand_value_object(args.into(), item.into()).into()
}
