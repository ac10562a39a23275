//! Seedwork runtime (placeholder doc, replaced below).
#![forbid(unsafe_code)]

/// Re-exported so handler and behaviour impls need no direct dependency on `async-trait`.
pub use async_trait::async_trait;

mod aggregate;
mod error;
mod event;
mod mediator;
mod message;
mod metadata;
mod problem;
mod repository;
pub mod testkit;
pub mod store;

pub use aggregate::{Aggregate, AggregateId, CommandContext, CommandIntent, CommandOutcome};
pub use error::{Error, ErrorKind, FieldError, Result};
pub use event::{DomainEvent, EventEnvelope};
pub use mediator::{behaviors, Behavior, Mediator, MediatorBuilder, Next, Reply, Request, RequestKind};
pub use message::{AggregateCommand, Command, CommandHandler, EventHandler, Query, QueryHandler};
pub use metadata::{Metadata, Principal};
pub use problem::{ProblemDetails, PROBLEM_JSON};
pub use repository::{decode_event, stream_of, EventSourced, Loaded, Repository, StateStored};
pub use store::memory::{InMemoryEventStore, InMemoryIdempotencyStore, InMemoryStateStore};
pub use store::{Claim, EventStore, IdempotencyStore, NewEvent, StateStore, StoredEvent, StoredState, StreamId};
#[cfg(feature = "postgres")]
pub use store::postgres::PostgresStore;
#[cfg(feature = "sqlite")]
pub use store::sqlite::SqliteStore;
