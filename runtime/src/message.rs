//! Commands, queries and their handlers: the messages the mediator carries.

use async_trait::async_trait;
use serde::{de::DeserializeOwned, Serialize};

use crate::aggregate::{Aggregate, CommandIntent, CommandOutcome};
use crate::error::{FieldError, Result};
use crate::event::{DomainEvent, EventEnvelope};
use crate::metadata::Metadata;

/// A request to change state. It goes to exactly one handler, which may refuse it.
///
/// Validation, authorization and the stable name live here so that pipeline behaviours can
/// apply them to every command without knowing its type.
///
/// ```
/// use seedwork::{Command, FieldError};
///
/// #[derive(Debug, Clone)]
/// struct Deposit { amount: i64 }
///
/// impl Command for Deposit {
///     const NAME: &'static str = "Deposit";
///     type Output = ();
///     fn validate(&self) -> Result<(), Vec<FieldError>> {
///         if self.amount <= 0 {
///             return Err(vec![FieldError::new("amount", "must be positive")]);
///         }
///         Ok(())
///     }
/// }
///
/// assert!(Deposit { amount: 0 }.validate().is_err());
/// ```
pub trait Command: Clone + Send + Sync + 'static {
    /// The stable name, used in traces, idempotency keys and error messages.
    const NAME: &'static str;
    /// What a successful handler answers; stored by the idempotency behaviour.
    type Output: Serialize + DeserializeOwned + Send + Sync + 'static;

    /// Every constraint violation of this command, or `Ok` when it is well-formed.
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        Ok(())
    }

    /// Roles of which the caller must hold at least one; empty when anyone may send it.
    fn required_roles(&self) -> &'static [&'static str] {
        &[]
    }
}

/// A command addressed to one aggregate, executed by a [`Repository`](crate::Repository).
///
/// ```
/// # use seedwork::*;
/// # #[derive(Debug, Default, serde::Serialize, serde::Deserialize)] struct Account;
/// # #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)] struct Opened;
/// # impl DomainEvent for Opened { fn event_type(&self) -> &'static str { "Opened" } }
/// # impl Aggregate for Account {
/// #     const TYPE: &'static str = "Account";
/// #     type Id = String; type Command = Open; type Event = Opened; type Error = Error; type Services = ();
/// #     async fn handle(&self, _: Open, _: &CommandContext<'_, Self>) -> Result<Vec<Opened>> { Ok(vec![Opened]) }
/// #     fn apply(&mut self, _: &Opened) {}
/// # }
/// #[derive(Debug, Clone)]
/// struct Open { account: String }
///
/// impl Command for Open {
///     const NAME: &'static str = "OpenAccount";
///     type Output = CommandOutcome<Account>;
/// }
///
/// impl AggregateCommand for Open {
///     type Aggregate = Account;
///     fn aggregate_id(&self) -> String { self.account.clone() }
///     fn into_command(self) -> Open { self }
/// }
/// ```
pub trait AggregateCommand: Command<Output = CommandOutcome<Self::Aggregate>> {
    /// The aggregate that handles this command.
    type Aggregate: Aggregate;

    /// Whether the command creates its aggregate, acts on an existing one, or either;
    /// `#[command]` sets it from `creates`, and `#[aggregate]` reports it as the aggregate's
    /// [`Aggregate::intent`].
    const INTENT: CommandIntent = CommandIntent::Upsert;

    /// Which aggregate instance the command addresses.
    fn aggregate_id(&self) -> <Self::Aggregate as Aggregate>::Id;

    /// Converts this message into the aggregate's command type (often an enum of all of them).
    fn into_command(self) -> <Self::Aggregate as Aggregate>::Command;
}

/// A request to read state. It never changes anything, so it may be answered from a read model.
///
/// ```
/// use seedwork::Query;
/// struct GetBalance { account: String }
/// impl Query for GetBalance {
///     const NAME: &'static str = "GetBalance";
///     type Output = i64;
/// }
/// ```
pub trait Query: Send + Sync + 'static {
    /// The stable name, used in traces.
    const NAME: &'static str;
    /// What the query answers.
    type Output: Send + 'static;

    /// Every constraint violation of this query (a page size out of range, say).
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        Ok(())
    }

    /// Roles of which the caller must hold at least one; empty when anyone may ask.
    fn required_roles(&self) -> &'static [&'static str] {
        &[]
    }
}

/// Handles one command type; exactly one per command type is registered with the mediator.
#[async_trait]
pub trait CommandHandler<C: Command>: Send + Sync + 'static {
    /// Executes `command` on behalf of the request described by `metadata`.
    async fn handle(&self, command: C, metadata: &Metadata) -> Result<C::Output>;
}

/// Answers one query type.
#[async_trait]
pub trait QueryHandler<Q: Query>: Send + Sync + 'static {
    /// Answers `query` on behalf of the request described by `metadata`.
    async fn handle(&self, query: &Q, metadata: &Metadata) -> Result<Q::Output>;
}

/// Reacts to events of one type after they are committed: projections, notifications, policies.
///
/// Any number of handlers may listen to the same event type.
#[async_trait]
pub trait EventHandler<E: DomainEvent>: Send + Sync + 'static {
    /// Reacts to one committed event.
    async fn handle(&self, event: &EventEnvelope<E>) -> Result<()>;
}

/// Reacts to a committed event by sending commands: "when an order is ready, schedule its
/// delivery". Registered with [`MediatorBuilder::policy`](crate::MediatorBuilder::policy), a
/// policy runs after the write that recorded the event has committed, also when the command
/// goes to another aggregate.
///
/// Send the commands with [`Metadata::for_policy`]: they then run as the service itself (no
/// caller's roles needed), in the event's conversation, and at most once per event and policy.
///
/// ```
/// use seedwork::{async_trait, DomainEvent, EventEnvelope, Mediator, Metadata, Policy, Result};
///
/// #[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
/// struct OrderReady;
/// impl DomainEvent for OrderReady {
///     fn event_type(&self) -> &'static str { "OrderReady" }
/// }
///
/// struct ScheduleDelivery;
/// #[async_trait]
/// impl Policy<OrderReady> for ScheduleDelivery {
///     fn name(&self) -> &'static str { "ScheduleDelivery" }
///     async fn react(&self, event: &EventEnvelope<OrderReady>, mediator: &Mediator) -> Result<()> {
///         let metadata = Metadata::for_policy(self.name(), event);
///         // mediator.send(ScheduleDeliveryCommand { … }, &metadata).await?;
///         let _ = (metadata, mediator);
///         Ok(())
///     }
/// }
///
/// let mediator = Mediator::builder().policy::<OrderReady>(ScheduleDelivery).build();
/// assert!(mediator.is_ok());
/// ```
#[async_trait]
pub trait Policy<E: DomainEvent>: Send + Sync + 'static {
    /// The policy's stable name, for traces and idempotency keys.
    fn name(&self) -> &'static str;

    /// Reacts to one committed event.
    async fn react(&self, event: &EventEnvelope<E>, mediator: &crate::Mediator) -> Result<()>;
}
