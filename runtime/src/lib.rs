//! # Seedwork runtime
//!
//! The machinery a domain-driven, CQRS service runs on: aggregates that decide which events
//! happen, repositories that persist them with optimistic concurrency, a mediator that routes
//! commands, queries and events through a pipeline of behaviours, and stores for every stage
//! of a service's life (in memory, SQLite, PostgreSQL).
//!
//! ## The pieces
//!
//! - [`Aggregate`]: a typed id, a command type, an event type, an error type, services; an
//!   async `handle` that decides and an `apply` that evolves. [`DomainEvent`]s have stable
//!   names and schema versions.
//! - Two persistence styles per aggregate, behind one [`Repository`] contract:
//!   [`EventSourced`] (rebuilt from its [`EventStore`] stream, snapshots every N events) and
//!   [`StateStored`] (one record in a [`StateStore`] with a version column). A stale expected
//!   version is always an [`Error::Conflict`]; the in-memory stores check it too.
//! - Backends: [`InMemoryStore`] and friends always; `SqliteStore` with the `sqlite`
//!   feature (the embedded default); `PostgresStore` with the `postgres` feature (many
//!   instances, one database). The `conformance` feature exposes the test suite every backend
//!   passes, so you can run it against your own.
//! - [`Mediator`]: [`Command`]s go to exactly one handler (a second registration fails at
//!   [`MediatorBuilder::build`]), [`Query`]s to one, events to any number of
//!   [`EventHandler`]s, and only after the store has committed. [`behaviors`] adds
//!   tracing, authorization, validation, idempotency and retry on conflict as layers.
//! - [`Error`]: one type whose kinds map to HTTP statuses and RFC 9457 problem details.
//! - [`testkit`]: given / when / then through a real repository.
//!
//! ## A first aggregate
//!
//! ```
//! use std::sync::Arc;
//! use seedwork::*;
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Debug, Default, Serialize, Deserialize)]
//! struct Account { balance: i64 }
//!
//! #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
//! enum AccountEvent { Deposited { amount: i64 } }
//! impl DomainEvent for AccountEvent {
//!     fn event_type(&self) -> &'static str { "MoneyDeposited" }
//! }
//!
//! #[derive(Debug, Clone)]
//! struct Deposit { account: u64, amount: i64 }
//! impl Command for Deposit {
//!     const NAME: &'static str = "Deposit";
//!     type Output = CommandOutcome<Account>;
//!     fn validate(&self) -> std::result::Result<(), Vec<FieldError>> {
//!         if self.amount > 0 { Ok(()) } else { Err(vec![FieldError::new("amount", "must be positive")]) }
//!     }
//! }
//! impl AggregateCommand for Deposit {
//!     type Aggregate = Account;
//!     fn aggregate_id(&self) -> u64 { self.account }
//!     fn into_command(self) -> Deposit { self }
//! }
//!
//! impl Aggregate for Account {
//!     const TYPE: &'static str = "Account";
//!     type Id = u64;
//!     type Command = Deposit;
//!     type Event = AccountEvent;
//!     type Error = Error;
//!     type Services = ();
//!     async fn handle(&self, c: Deposit, _: &CommandContext<'_, Self>) -> Result<Vec<AccountEvent>> {
//!         Ok(vec![AccountEvent::Deposited { amount: c.amount }])
//!     }
//!     fn apply(&mut self, AccountEvent::Deposited { amount }: &AccountEvent) {
//!         self.balance += amount;
//!     }
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
//! let accounts = Arc::new(EventSourced::<Account>::new(Arc::new(InMemoryStore::default()), ()));
//! let mediator = Mediator::builder()
//!     .aggregate_command::<Deposit>(accounts.clone())
//!     .layer(behaviors::Validation)
//!     .build()?;
//!
//! let outcome = mediator.send(Deposit { account: 7, amount: 250 }, &Metadata::new()).await?;
//! assert_eq!(outcome.version, 1);
//! assert_eq!(accounts.load(&7).await?.map(|a| a.state.balance), Some(250));
//!
//! let refused = mediator.send(Deposit { account: 7, amount: -1 }, &Metadata::new()).await.unwrap_err();
//! assert_eq!(refused.status(), 422);
//! # Ok::<(), Error>(()) }).unwrap();
//! ```
//!
//! ## The complete bank account
//!
//! The bank account of the event-driven architecture document — open with an initial balance,
//! deposit, withdraw refused on insufficient funds, close only at zero balance, a balance read
//! model answered by a query — is `runtime/examples/bank.rs`, run in CI with
//! `cargo run -p seedwork --example bank --features sqlite`:
//!
//! ```no_run
#![doc = include_str!("../examples/bank.rs")]
//! ```
#![forbid(unsafe_code)]

/// Re-exported so handler and behaviour impls need no direct dependency on `async-trait`.
pub use async_trait::async_trait;

/// The macros that write the trait impls of this crate for hand-written domain types.
pub use seedwork_macros::{aggregate, aggregate_id, command, event, query, value_object};

mod aggregate;
mod cache;
mod error;
mod event;
#[cfg(feature = "http")]
pub mod http;
mod lifecycle;
mod mediator;
mod message;
mod metadata;
#[cfg(feature = "nats")]
pub mod nats;
mod problem;
pub mod projection;
mod repository;
pub mod store;
pub mod testkit;
mod wiring;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use aggregate::{Aggregate, AggregateId, CommandContext, CommandIntent, CommandOutcome};
pub use error::{Error, ErrorKind, FieldError, Result};
pub use event::{DomainEvent, EventEnvelope};
pub use lifecycle::{AggregateError, LifecycleError};
pub use mediator::{
    behaviors, Behavior, Mediator, MediatorBuilder, Next, RegisterCommands, Reply, Request,
    RequestKind, MAX_POLICY_DEPTH,
};
pub use message::{
    AggregateCommand, Command, CommandHandler, EventHandler, Policy, Query, QueryHandler,
};
pub use metadata::{Metadata, Principal};
pub use problem::{ProblemDetails, PROBLEM_JSON};
pub use projection::{Projection, ReadModel, ReadModels};
pub use repository::{
    decode_event, stream_of, EventSourced, Loaded, Repository, StateStored, STATE_CACHE,
};
pub use store::memory::{InMemoryIdempotencyStore, InMemoryStore};
#[cfg(feature = "postgres")]
pub use store::postgres::PostgresStore;
#[cfg(feature = "sqlite")]
pub use store::sqlite::SqliteStore;
pub use store::{
    Claim, EventStore, IdempotencyStore, NewEvent, ReadModelStore, StateStore, StoredEvent,
    StoredState, StreamId,
};
pub use wiring::{NewId, Persisted, Persistence, Stores};
