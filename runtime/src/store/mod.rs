//! Persistence contracts: one trait per persistence style, several backends each.
//!
//! Stores speak JSON values, not Rust types: one store serves every aggregate of a service,
//! and decoding into the aggregate's own types happens in the repositories, where a bad
//! payload can be reported with its stream and version.

use std::time::SystemTime;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::Result;
use crate::projection::Projection;

#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use backend::connect;
pub use backend::{is_postgres_url, redacted, Backend, Opened};
pub use projections::{OutboxRoutes, Projections};

mod backend;
#[cfg(feature = "conformance")]
pub mod conformance;
pub mod memory;
#[cfg(feature = "postgres")]
pub mod postgres;
mod projections;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;
#[cfg(feature = "sqlite")]
pub mod sqlite;

/// Which stream (event-sourced) or record (state-stored) an operation addresses.
///
/// ```
/// use seedwork::StreamId;
/// let stream = StreamId::new("Account", "42");
/// assert_eq!(stream.to_string(), "Account-42");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct StreamId {
    /// The aggregate type, e.g. `Account`.
    pub aggregate_type: String,
    /// The aggregate id as text.
    pub aggregate_id: String,
}

impl StreamId {
    /// The stream of aggregate `aggregate_type` with id `aggregate_id`.
    pub fn new(aggregate_type: impl Into<String>, aggregate_id: impl std::fmt::Display) -> Self {
        Self {
            aggregate_type: aggregate_type.into(),
            aggregate_id: aggregate_id.to_string(),
        }
    }
}

impl std::fmt::Display for StreamId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.aggregate_type, self.aggregate_id)
    }
}

/// An event ready to be appended: serialized, not yet numbered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewEvent {
    /// Globally unique event id.
    pub event_id: Uuid,
    /// The event's stable type name.
    pub event_type: String,
    /// The payload's schema version.
    pub schema_version: u32,
    /// The serialized event.
    pub payload: serde_json::Value,
    /// The serialized request metadata.
    pub metadata: serde_json::Value,
}

/// An event as the store holds it: numbered within its stream and in the store's journal,
/// and time-stamped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredEvent {
    /// The stream it belongs to.
    pub stream: StreamId,
    /// Its position in the stream, starting at 1, without gaps.
    pub version: u64,
    /// Its position in the journal of every stream of the store, in commit order: what
    /// [`EventStore::read_all`] pages by and read-model rebuilds replay in. Increasing, but not
    /// necessarily without gaps (PostgreSQL skips the numbers of rolled-back writes). It is 0
    /// while the event is still being committed, when [`Projection::key`] sees it.
    #[serde(default)]
    pub position: u64,
    /// Globally unique event id.
    pub event_id: Uuid,
    /// The event's stable type name.
    pub event_type: String,
    /// The payload's schema version.
    pub schema_version: u32,
    /// The serialized event.
    pub payload: serde_json::Value,
    /// The serialized request metadata.
    pub metadata: serde_json::Value,
    /// When the store accepted it.
    pub recorded_at: SystemTime,
}

/// The serialized state of an aggregate at a version: an event-sourcing snapshot, or the
/// current record of a state-stored aggregate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredState {
    /// The version the state reflects.
    pub version: u64,
    /// The serialized aggregate.
    pub state: serde_json::Value,
}

/// An append-only log of event streams with optimistic concurrency, plus snapshots.
///
/// `append` is all-or-nothing and succeeds only when the stream is exactly at
/// `expected_version`; otherwise it fails with [`Error::Conflict`](crate::Error::Conflict) and
/// writes nothing. Versions in a stream are 1, 2, 3, … with no gap and no duplicate, however
/// many writers race.
///
/// ```
/// # tokio_test_block_on(async {
/// use seedwork::{EventStore, InMemoryStore, NewEvent, StreamId};
/// let store = InMemoryStore::default();
/// let stream = StreamId::new("Account", "1");
/// let event = NewEvent {
///     event_id: uuid::Uuid::new_v4(),
///     event_type: "AccountOpened".into(),
///     schema_version: 1,
///     payload: serde_json::json!({"initial_balance": 100}),
///     metadata: serde_json::json!({}),
/// };
/// assert_eq!(store.append(&stream, 0, vec![event.clone()]).await?, 1);
/// assert!(store.append(&stream, 0, vec![event]).await.unwrap_err().is_conflict());
/// assert_eq!(store.load(&stream, 0).await?.len(), 1);
/// # Ok::<(), seedwork::Error>(()) }).unwrap();
/// # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
/// ```
#[async_trait]
pub trait EventStore: Send + Sync + 'static {
    /// Appends `events` atomically if the stream is at `expected_version`; returns the new version.
    async fn append(
        &self,
        stream: &StreamId,
        expected_version: u64,
        events: Vec<NewEvent>,
    ) -> Result<u64>;

    /// The events of `stream` with a version greater than `after_version`, in order.
    /// A stream that does not exist is empty.
    async fn load(&self, stream: &StreamId, after_version: u64) -> Result<Vec<StoredEvent>>;

    /// Stores a snapshot, replacing an older one.
    async fn save_snapshot(&self, stream: &StreamId, snapshot: StoredState) -> Result<()>;

    /// The latest snapshot of `stream`, if any.
    async fn load_snapshot(&self, stream: &StreamId) -> Result<Option<StoredState>>;

    /// At most `limit` events of every stream (state-stored aggregates' events included) with
    /// a [`position`](StoredEvent::position) greater than `after_position`, in position order:
    /// the journal that projections are rebuilt from. Page through it by passing the last
    /// position seen.
    async fn read_all(&self, after_position: u64, limit: usize) -> Result<Vec<StoredEvent>>;
}

/// Current state of aggregates, one record per aggregate, with a version column.
///
/// `save_state` succeeds only when the stored version equals `expected_version` (0 for a
/// record that must not exist yet) and then stores `state` at `expected_version + 1`.
///
/// The events that led to the new state are recorded with it, in the same atomic step, in
/// the store's journal (numbered 1, 2, 3… in the record's own stream, which
/// [`EventStore::load`] and [`EventStore::read_all`] read): a state-stored aggregate's state is
/// the source of truth, but its events still feed the read models, and a rebuild replays them.
#[async_trait]
pub trait StateStore: Send + Sync + 'static {
    /// The current record, if any.
    async fn load_state(&self, key: &StreamId) -> Result<Option<StoredState>>;

    /// Replaces the record if it is at `expected_version` and journals `events` with it;
    /// returns the new version. Nothing is written on a conflict.
    async fn save_state(
        &self,
        key: &StreamId,
        expected_version: u64,
        state: serde_json::Value,
        events: Vec<NewEvent>,
    ) -> Result<u64>;
}

/// How long a claim of an idempotency key holds while its request runs. A claim older than
/// this belongs to a request that died (the process crashed before completing or releasing
/// it): the next request with the key takes it over instead of being told "in progress"
/// forever. The request that runs again records the same event ids as the dead one, so the
/// store refuses them if the dead one had committed ([`Error::AlreadyRecorded`](crate::Error)).
pub const CLAIM_TTL: std::time::Duration = std::time::Duration::from_secs(30);

/// The answer of [`IdempotencyStore::claim`].
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// The key was free and is now held by the caller, who must complete or release it.
    Acquired,
    /// Another request with this key is running right now.
    InProgress,
    /// A request with this key completed before; here is its stored reply.
    Completed(serde_json::Value),
}

/// Remembers which commands ran and what they answered, so a retried command never runs twice.
#[async_trait]
pub trait IdempotencyStore: Send + Sync + 'static {
    /// Tries to take `key`: free keys and claims older than [`CLAIM_TTL`] are acquired.
    async fn claim(&self, key: &str) -> Result<Claim>;
    /// Records the reply for a held key.
    async fn complete(&self, key: &str, reply: serde_json::Value) -> Result<()>;
    /// Frees a held key after the command failed, so it may be tried again.
    async fn release(&self, key: &str) -> Result<()>;
}

/// Which rows of a read model a [`ReadModelStore::list`] asks for.
///
/// ```
/// use seedwork::store::ListQuery;
/// let query = ListQuery::page(2, 20).filter("payment_method", serde_json::json!("Card"));
/// assert_eq!(query.offset, 20);
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ListQuery {
    /// Exact-match filters on top-level fields of the rows: all must match.
    pub filters: Vec<(String, serde_json::Value)>,
    /// How many rows (in key order) to skip.
    pub offset: u64,
    /// How many rows to return at most.
    pub limit: u64,
}

impl ListQuery {
    /// Page `page` (from 1) of `page_size` rows, unfiltered.
    pub fn page(page: u64, page_size: u64) -> Self {
        Self {
            filters: Vec::new(),
            offset: page.saturating_sub(1).saturating_mul(page_size),
            limit: page_size,
        }
    }

    /// Adds the filter `field == value`.
    #[must_use]
    pub fn filter(mut self, field: impl Into<String>, value: serde_json::Value) -> Self {
        self.filters.push((field.into(), value));
        self
    }
}

/// Some rows of a read model, and how many rows match in all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowPage {
    /// The rows, in key order.
    pub rows: Vec<serde_json::Value>,
    /// How many rows match the filters, on every page.
    pub total: u64,
}

/// What [`ReadModelStore::install`] found and did.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct InstallReport {
    /// Read models that were new or whose version changed, and were rebuilt from the journal.
    pub rebuilt: Vec<String>,
    /// How many events those rebuilds replayed.
    pub replayed: u64,
}

/// Which events leave the bounded context: events of `event_type` recorded by aggregates of
/// `aggregate_type` go to the outbox, to be published on `subject`.
///
/// ```
/// use seedwork::store::OutboxRoute;
/// let route = OutboxRoute::new("Order", "OrderStartedIntegrationEvent", "eshop_ordering.OrderStartedIntegrationEvent");
/// assert_eq!(route.subject, "eshop_ordering.OrderStartedIntegrationEvent");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxRoute {
    /// The aggregate type that records the event.
    pub aggregate_type: String,
    /// The event's stable type name.
    pub event_type: String,
    /// Where it is published (a NATS subject).
    pub subject: String,
}

impl OutboxRoute {
    /// Events `event_type` of `aggregate_type`, published on `subject`.
    pub fn new(
        aggregate_type: impl Into<String>,
        event_type: impl Into<String>,
        subject: impl Into<String>,
    ) -> Self {
        Self {
            aggregate_type: aggregate_type.into(),
            event_type: event_type.into(),
            subject: subject.into(),
        }
    }

    /// Whether `event` goes this way.
    pub fn matches(&self, event: &StoredEvent) -> bool {
        event.stream.aggregate_type == self.aggregate_type && event.event_type == self.event_type
    }
}

/// An integration event waiting in the outbox: the stored event and where it goes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxMessage {
    /// The event, as the journal holds it.
    pub event: StoredEvent,
    /// Where it is published.
    pub subject: String,
}

/// The transactional outbox: integration events written in the same transaction as the write
/// that records them, so a crash between the commit and the publication loses nothing; a
/// relay publishes what is pending and marks it published.
///
/// Publication is at least once (a relay that dies after publishing and before marking
/// publishes again): publish with the event id as the message id, so the broker drops the
/// duplicate.
#[async_trait]
pub trait Outbox: Send + Sync + 'static {
    /// Makes `routes` the events this store writes to its outbox from now on (and creates
    /// the outbox when it does not exist). Call it before serving.
    async fn install_outbox(&self, routes: Vec<OutboxRoute>) -> Result<()>;

    /// At most `limit` unpublished messages, in the order their events were committed.
    async fn pending(&self, limit: usize) -> Result<Vec<OutboxMessage>>;

    /// Marks the messages of these events published; ids that are not pending are ignored.
    async fn mark_published(&self, event_ids: &[Uuid]) -> Result<()>;
}

/// Keeps read models: the rows [`Projection`]s derive from the events, updated in the same
/// transaction as every append and state save, so a query never sees a read model behind or
/// ahead of the write it follows.
///
/// A store applies the projections [`install`](Self::install)ed on it; every SQL backend
/// keeps each read model in a table of its own (`rm_<name>`, one row per key, the row as
/// JSON), with an index per filter field.
#[async_trait]
pub trait ReadModelStore: Send + Sync + 'static {
    /// Makes `projections` the read models this store keeps from now on: creates what they
    /// need (tables, indexes), and rebuilds from the journal each one that is new or whose
    /// [`version`](Projection::version) changed since it was last built. Safe to call from
    /// several processes at once. Call it before serving.
    async fn install(
        &self,
        projections: Vec<std::sync::Arc<dyn Projection>>,
    ) -> Result<InstallReport>;

    /// Empties every installed read model and replays the whole journal into it, atomically:
    /// queries see the old rows until the new ones are complete, and writes wait meanwhile.
    /// Returns how many events were replayed.
    async fn rebuild(&self) -> Result<u64>;

    /// The row of `read_model` with `key`, if any.
    async fn get_row(&self, read_model: &str, key: &str) -> Result<Option<serde_json::Value>>;

    /// The rows of `read_model` that match `query`, in key order.
    async fn list_rows(&self, read_model: &str, query: &ListQuery) -> Result<RowPage>;
}
