//! Aggregates: the consistency boundary that decides which events happen.

use std::future::Future;

use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::error::Error;
use crate::event::{DomainEvent, EventEnvelope};
use crate::metadata::Metadata;

/// The identifier of an aggregate: a typed value, not a bare string.
///
/// Any type with these capabilities qualifies; a newtype per aggregate (`AccountId(Uuid)`)
/// stops an order id from being passed where an account id is expected. `Display` gives the
/// text stored in the event log; it must be stable and unique per aggregate.
///
/// ```
/// use seedwork::AggregateId;
/// #[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
/// struct AccountId(u64);
/// impl std::fmt::Display for AccountId {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
///         write!(f, "{}", self.0)
///     }
/// }
/// fn takes_id<I: AggregateId>(_: I) {}
/// takes_id(AccountId(7));
/// ```
pub trait AggregateId:
    Clone
    + Eq
    + std::hash::Hash
    + std::fmt::Debug
    + std::fmt::Display
    + Serialize
    + DeserializeOwned
    + Send
    + Sync
    + 'static
{
}

impl<T> AggregateId for T where
    T: Clone
        + Eq
        + std::hash::Hash
        + std::fmt::Debug
        + std::fmt::Display
        + Serialize
        + DeserializeOwned
        + Send
        + Sync
        + 'static
{
}

/// Whether a command brings a new aggregate into being or acts on one that exists.
///
/// The runtime enforces it before the handler runs: a creating command on an existing
/// aggregate is a conflict, an acting command on a missing one is "not found".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CommandIntent {
    /// The aggregate must not exist yet (`OpenAccount`, `PlaceOrder`).
    Create,
    /// The aggregate must exist (`Deposit`, `StartCooking`).
    Update,
    /// Either; the handler decides from [`CommandContext::is_new`].
    Upsert,
}

/// What a command handler sees besides the command: which aggregate, who asked, and the
/// services (clocks, price lists, payment gateways) the domain may consult.
#[derive(Debug)]
pub struct CommandContext<'a, A: Aggregate> {
    /// The id of the aggregate the command addresses.
    pub aggregate_id: &'a A::Id,
    /// The version the aggregate had when it was loaded; 0 when it does not exist yet.
    pub version: u64,
    /// The request metadata: principal, correlation and causation ids.
    pub metadata: &'a Metadata,
    /// The aggregate's services.
    pub services: &'a A::Services,
}

impl<A: Aggregate> CommandContext<'_, A> {
    /// True when the aggregate has no events or state yet.
    pub fn is_new(&self) -> bool {
        self.version == 0
    }
}

/// A cluster of domain objects that is changed only as a whole, through commands.
///
/// `handle` decides: it looks at the current state and the command and either refuses the
/// command or returns the events that record what happened. It never mutates the state.
/// `apply` evolves: it folds one event into the state and never fails, because events are
/// facts that already happened. The runtime calls `apply` exactly once for every new event,
/// and again for every stored event when an event-sourced aggregate is rebuilt.
///
/// ```
/// use seedwork::{Aggregate, CommandContext, DomainEvent, Error};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Debug, Default, Serialize, Deserialize)]
/// struct Counter { value: i64 }
///
/// #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
/// enum CounterEvent { Incremented { by: i64 } }
/// impl DomainEvent for CounterEvent {
///     fn event_type(&self) -> &'static str { "Incremented" }
/// }
///
/// #[derive(Debug, Clone)]
/// struct Increment { by: i64 }
///
/// impl Aggregate for Counter {
///     const TYPE: &'static str = "Counter";
///     type Id = String;
///     type Command = Increment;
///     type Event = CounterEvent;
///     type Error = Error;
///     type Services = ();
///
///     async fn handle(&self, cmd: Increment, _: &CommandContext<'_, Self>) -> Result<Vec<CounterEvent>, Error> {
///         if cmd.by <= 0 {
///             return Err(Error::invalid("by", "must be positive"));
///         }
///         Ok(vec![CounterEvent::Incremented { by: cmd.by }])
///     }
///
///     fn apply(&mut self, event: &CounterEvent) {
///         match event {
///             CounterEvent::Incremented { by } => self.value += by,
///         }
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an aggregate",
    label = "`{Self}` needs an `Aggregate` impl",
    note = "with the macros, add `#[seedwork::aggregate] impl {Self} {{ … }}` with its `#[handle]` and `#[apply]` methods; by hand, `impl seedwork::Aggregate for {Self}`"
)]
pub trait Aggregate: Default + Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The stable name of this kind of aggregate, stored with its events and state.
    const TYPE: &'static str;
    /// The typed identifier.
    type Id: AggregateId;
    /// The commands this aggregate handles (usually an enum).
    type Command: Send + 'static;
    /// The events this aggregate records (usually an enum).
    type Event: DomainEvent;
    /// Why a command may be refused; converted into the runtime's [`Error`] at the boundary.
    type Error: Into<Error> + Send + 'static;
    /// Services the handler may consult; `()` when it needs none.
    type Services: Send + Sync + 'static;

    /// Decides which events a command leads to, or refuses it.
    fn handle(
        &self,
        command: Self::Command,
        context: &CommandContext<'_, Self>,
    ) -> impl Future<Output = Result<Vec<Self::Event>, Self::Error>> + Send;

    /// Evolves the state by one event.
    fn apply(&mut self, event: &Self::Event);

    /// Whether `command` creates the aggregate, acts on an existing one, or either.
    fn intent(_command: &Self::Command) -> CommandIntent {
        CommandIntent::Upsert
    }
}

/// What executing a command produced: which aggregate, its new version, and the new events.
#[derive(Serialize, Deserialize)]
#[serde(bound(
    serialize = "A::Id: Serialize, A::Event: Serialize",
    deserialize = "A::Id: DeserializeOwned, A::Event: DeserializeOwned"
))]
pub struct CommandOutcome<A: Aggregate> {
    /// The aggregate the command addressed.
    pub aggregate_id: A::Id,
    /// Its version after the command; unchanged when the command recorded no event.
    pub version: u64,
    /// The events the command recorded, already applied and stored, with their ids and versions.
    pub events: Vec<EventEnvelope<A::Event>>,
}

impl<A: Aggregate> CommandOutcome<A> {
    /// The recorded events without their envelopes.
    pub fn payloads(&self) -> impl Iterator<Item = &A::Event> {
        self.events.iter().map(|envelope| &envelope.payload)
    }
}

impl<A: Aggregate> Clone for CommandOutcome<A> {
    fn clone(&self) -> Self {
        Self {
            aggregate_id: self.aggregate_id.clone(),
            version: self.version,
            events: self.events.clone(),
        }
    }
}

impl<A: Aggregate> std::fmt::Debug for CommandOutcome<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommandOutcome")
            .field("aggregate_id", &self.aggregate_id)
            .field("version", &self.version)
            .field("events", &self.events)
            .finish()
    }
}

impl<A: Aggregate> PartialEq for CommandOutcome<A>
where
    A::Event: PartialEq,
{
    fn eq(&self, other: &Self) -> bool {
        self.aggregate_id == other.aggregate_id
            && self.version == other.version
            && self.events == other.events
    }
}
