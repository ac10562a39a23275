//! Repositories: load an aggregate, run a command against it, persist what it decided.
//!
//! Both persistence styles share one contract, [`Repository`], so the mediator, the HTTP
//! layer and the test kit do not care how an aggregate is stored.

use std::num::NonZeroU64;
use std::sync::Arc;
use std::time::SystemTime;

use async_trait::async_trait;
use uuid::Uuid;

use crate::aggregate::{Aggregate, CommandContext, CommandIntent, CommandOutcome};
use crate::error::{Error, Result};
use crate::event::{DomainEvent, EventEnvelope};
use crate::metadata::Metadata;
use crate::store::{EventStore, NewEvent, StateStore, StoredEvent, StoredState, StreamId};

/// An aggregate as loaded: its state and the version that state reflects.
#[derive(Debug)]
pub struct Loaded<A> {
    /// The rebuilt or stored state.
    pub state: A,
    /// Its version; 0 when the aggregate does not exist.
    pub version: u64,
}

/// Loads aggregates and executes commands against them with optimistic concurrency.
#[async_trait]
pub trait Repository<A: Aggregate>: Send + Sync + 'static {
    /// The aggregate's current state, or `None` when it does not exist.
    async fn load(&self, id: &A::Id) -> Result<Option<Loaded<A>>>;

    /// Runs `command` on the aggregate and persists the events it records, atomically.
    ///
    /// A concurrent writer that got there first makes this fail with
    /// [`Error::Conflict`]; nothing is written then, and the command may be retried.
    async fn execute(
        &self,
        id: A::Id,
        command: A::Command,
        metadata: &Metadata,
    ) -> Result<CommandOutcome<A>>;
}

/// The stream an aggregate's events or state live in.
pub fn stream_of<A: Aggregate>(id: &A::Id) -> StreamId {
    StreamId::new(A::TYPE, id)
}

/// Decodes a stored event into the aggregate's event type, naming stream and version on failure.
///
/// ```
/// use seedwork::{decode_event, StoredEvent, StreamId};
/// let stored = StoredEvent {
///     stream: StreamId::new("Account", "1"),
///     version: 3,
///     position: 7,
///     event_id: uuid::Uuid::new_v4(),
///     event_type: "MoneyDeposited".into(),
///     schema_version: 1,
///     payload: serde_json::json!("not an event"),
///     metadata: serde_json::json!({}),
///     recorded_at: std::time::SystemTime::now(),
/// };
/// let error = decode_event::<Vec<u8>>(&stored).unwrap_err();
/// assert!(error.to_string().contains("Account-1 version 3"));
/// ```
pub fn decode_event<E: serde::de::DeserializeOwned>(stored: &StoredEvent) -> Result<E> {
    E::deserialize(&stored.payload).map_err(|error| Error::Decode {
        what: "event",
        stream: stored.stream.to_string(),
        version: stored.version,
        message: format!("{}: {error}", stored.event_type),
    })
}

/// The events of one command, serialized for the store and enveloped for the handlers.
pub(crate) struct Recorded<A: Aggregate> {
    pub(crate) new_events: Vec<NewEvent>,
    pub(crate) envelopes: Vec<EventEnvelope<A::Event>>,
}

/// The namespace of the event ids derived from idempotency keys (a v5 uuid of `seedwork`).
const EVENT_ID_NAMESPACE: Uuid = Uuid::from_u128(0x6f1b_3c2e_5d4a_5b8e_9c7d_2e1f_0a3b_4c5d);

/// The id of event `offset` of a command: random, unless the request carries an idempotency
/// key; then derived from the aggregate, the key, the offset and the event's type, so a
/// request that runs again (after a crash lost its reply, or a redelivered message) records
/// the same ids and the store refuses them as [`Error::AlreadyRecorded`] instead of recording
/// the events twice. (The type keeps apart two commands a caller sends under one key.)
fn event_id<A: Aggregate>(
    id: &A::Id,
    metadata: &Metadata,
    offset: usize,
    event_type: &str,
) -> Uuid {
    match &metadata.idempotency_key {
        Some(key) => Uuid::new_v5(
            &EVENT_ID_NAMESPACE,
            format!(
                "{}\u{0}{id}\u{0}{key}\u{0}{offset}\u{0}{event_type}",
                A::TYPE
            )
            .as_bytes(),
        ),
        None => Uuid::new_v4(),
    }
}

/// Serializes `events` and wraps each in an envelope numbered from `first_version`; the
/// envelope and the stored row share one event id.
pub(crate) fn record<A: Aggregate>(
    id: &A::Id,
    events: Vec<A::Event>,
    metadata: &Metadata,
    first_version: u64,
) -> Result<Recorded<A>> {
    let mut recorded = Recorded {
        new_events: Vec::with_capacity(events.len()),
        envelopes: Vec::with_capacity(events.len()),
    };
    // Serialized once per command; `repeat_n` moves it into the last event, copies the rest.
    let metadata_json = serde_json::to_value(metadata)?;
    let each_metadata = std::iter::repeat_n(metadata_json, events.len());
    let recorded_at = SystemTime::now();
    for ((offset, event), event_metadata) in events.into_iter().enumerate().zip(each_metadata) {
        let event_id = event_id::<A>(id, metadata, offset, event.event_type());
        recorded.new_events.push(NewEvent {
            event_id,
            event_type: event.event_type().to_owned(),
            schema_version: event.schema_version(),
            payload: serde_json::to_value(&event)?,
            metadata: event_metadata,
        });
        recorded.envelopes.push(EventEnvelope {
            event_id,
            aggregate_type: A::TYPE.to_owned(),
            aggregate_id: id.to_string(),
            version: first_version + offset as u64,
            payload: event,
            metadata: metadata.clone(),
            recorded_at,
        });
    }
    Ok(recorded)
}

/// Checks the command's intent against whether the aggregate exists, and the version the
/// caller expects (an `If-Match` header) against the one loaded.
fn check_intent<A: Aggregate>(
    id: &A::Id,
    command: &A::Command,
    version: u64,
    metadata: &Metadata,
) -> Result<()> {
    if let Some(expected) = metadata.expected_version {
        if expected != version && !(version == 0 && A::intent(command) == CommandIntent::Update) {
            return Err(Error::version_conflict(
                stream_of::<A>(id),
                expected,
                Some(version),
            ));
        }
    }
    match (A::intent(command), version) {
        (CommandIntent::Create, v) if v > 0 => Err(Error::Conflict {
            stream: stream_of::<A>(id).to_string(),
            reason: format!("{} {id} already exists", A::TYPE),
        }),
        (CommandIntent::Update, 0) => Err(Error::not_found(A::TYPE, id)),
        _ => Ok(()),
    }
}

/// Runs the aggregate's decision for `command` on the loaded aggregate, leaving the state as
/// loaded: the events are applied once they are stored.
async fn handle<A: Aggregate>(
    loaded: &Loaded<A>,
    id: &A::Id,
    command: A::Command,
    metadata: &Metadata,
    services: &A::Services,
) -> Result<Vec<A::Event>> {
    check_intent::<A>(id, &command, loaded.version, metadata)?;
    let context = CommandContext {
        aggregate_id: id,
        version: loaded.version,
        metadata,
        services,
    };
    loaded
        .state
        .handle(command, &context)
        .await
        .map_err(Into::into)
}

/// Runs the aggregate's decision for `command` and applies each new event once, for a store
/// that saves the new state with the events. The version is left as loaded: the store
/// assigns the new one.
async fn decide<A: Aggregate>(
    loaded: &mut Loaded<A>,
    id: &A::Id,
    command: A::Command,
    metadata: &Metadata,
    services: &A::Services,
) -> Result<Vec<A::Event>> {
    let events = handle(loaded, id, command, metadata, services).await?;
    for event in &events {
        loaded.state.apply(event);
    }
    Ok(events)
}

/// How many rebuilt states an event-sourced repository keeps by default.
pub const STATE_CACHE: usize = 10_000;

/// Event-sourced persistence: the aggregate is rebuilt from its events, optionally starting
/// from a snapshot taken every N events.
///
/// The states it rebuilt for commands are kept (the [`STATE_CACHE`] most recently used, see
/// [`with_state_cache`](Self::with_state_cache)), so the next command on the same aggregate
/// replays only the events recorded since. A cached state may be behind — another writer or
/// another instance appended meanwhile — but it is caught up before every command, and the
/// append checks the expected version, so it is never wrong. A command's events are applied
/// to the state only once they are stored, so a command that is refused or loses a race
/// (a version conflict) puts the state back unchanged, and its retry catches up with the
/// events it missed instead of replaying the stream.
///
/// A snapshot that cannot be decoded (the state's shape changed since it was written) is
/// ignored with a warning and the aggregate is rebuilt from all of its events.
pub struct EventSourced<A: Aggregate> {
    store: Arc<dyn EventStore>,
    services: Arc<A::Services>,
    snapshot_every: Option<NonZeroU64>,
    cache: Arc<crate::cache::StateCache<A>>,
}

impl<A: Aggregate> Clone for EventSourced<A> {
    fn clone(&self) -> Self {
        Self {
            store: Arc::clone(&self.store),
            services: Arc::clone(&self.services),
            snapshot_every: self.snapshot_every,
            cache: Arc::clone(&self.cache),
        }
    }
}

impl<A: Aggregate> EventSourced<A> {
    /// A repository over `store` that hands `services` to the aggregate's handlers.
    pub fn new(store: Arc<dyn EventStore>, services: A::Services) -> Self {
        Self {
            store,
            services: Arc::new(services),
            snapshot_every: None,
            cache: Arc::new(crate::cache::StateCache::new(STATE_CACHE)),
        }
    }

    /// Keeps at most `capacity` rebuilt states instead of [`STATE_CACHE`]; 0 rebuilds every
    /// aggregate from the store on every command.
    #[must_use]
    pub fn with_state_cache(mut self, capacity: usize) -> Self {
        self.cache = Arc::new(crate::cache::StateCache::new(capacity));
        self
    }

    /// Forgets the rebuilt states it keeps, so the next command on each aggregate rebuilds it
    /// from the store.
    pub fn forget_states(&self) {
        self.cache.clear();
    }

    /// Takes a snapshot whenever a command carries the stream across a multiple of `every` events.
    #[must_use]
    pub fn with_snapshots(mut self, every: NonZeroU64) -> Self {
        self.snapshot_every = Some(every);
        self
    }

    /// The underlying event store.
    pub fn store(&self) -> &Arc<dyn EventStore> {
        &self.store
    }

    async fn rebuild(&self, stream: &StreamId) -> Result<Loaded<A>> {
        let mut loaded = Loaded {
            state: A::default(),
            version: 0,
        };
        if self.snapshot_every.is_some() {
            if let Some(snapshot) = self.store.load_snapshot(stream).await? {
                match serde_json::from_value::<A>(snapshot.state) {
                    Ok(state) => {
                        loaded = Loaded {
                            state,
                            version: snapshot.version,
                        }
                    }
                    Err(error) => tracing::warn!(
                        %stream,
                        version = snapshot.version,
                        %error,
                        "snapshot cannot be decoded; replaying all events"
                    ),
                }
            }
        }
        self.catch_up(stream, loaded).await
    }

    /// `loaded` with every event recorded after its version applied.
    async fn catch_up(&self, stream: &StreamId, mut loaded: Loaded<A>) -> Result<Loaded<A>> {
        for stored in self.store.load(stream, loaded.version).await? {
            let event: A::Event = decode_event(&stored)?;
            loaded.state.apply(&event);
            loaded.version = stored.version;
        }
        Ok(loaded)
    }

    /// The aggregate as the next command sees it: its cached state caught up, else rebuilt.
    async fn current(&self, stream: &StreamId) -> Result<Loaded<A>> {
        match self.cache.take(stream) {
            Some((state, version)) => self.catch_up(stream, Loaded { state, version }).await,
            None => self.rebuild(stream).await,
        }
    }

    async fn maybe_snapshot(&self, stream: &StreamId, before: u64, loaded: &Loaded<A>) {
        let Some(every) = self.snapshot_every else {
            return;
        };
        if loaded.version / every.get() == before / every.get() {
            return;
        }
        let snapshot = match serde_json::to_value(&loaded.state) {
            Ok(state) => StoredState {
                version: loaded.version,
                state,
            },
            Err(error) => {
                tracing::warn!(%stream, %error, "snapshot not taken: state does not serialize");
                return;
            }
        };
        // A lost snapshot costs only replay time; the command itself has committed.
        if let Err(error) = self.store.save_snapshot(stream, snapshot).await {
            tracing::warn!(%stream, %error, "snapshot not saved");
        }
    }
}

#[async_trait]
impl<A: Aggregate> Repository<A> for EventSourced<A> {
    async fn load(&self, id: &A::Id) -> Result<Option<Loaded<A>>> {
        let loaded = self.rebuild(&stream_of::<A>(id)).await?;
        Ok((loaded.version > 0).then_some(loaded))
    }

    async fn execute(
        &self,
        id: A::Id,
        command: A::Command,
        metadata: &Metadata,
    ) -> Result<CommandOutcome<A>> {
        let stream = stream_of::<A>(&id);
        let mut loaded = self.current(&stream).await?;
        let before = loaded.version;
        // Until the append succeeds the state stays as loaded, so on a refusal or a failed
        // append (a conflict, most often) it goes back to the cache: behind perhaps, never
        // wrong, and a retry catches it up with the few events it missed instead of
        // replaying the stream.
        let stored = async {
            let events = handle(&loaded, &id, command, metadata, &self.services).await?;
            let recorded = record::<A>(&id, events, metadata, before + 1)?;
            let version = if recorded.new_events.is_empty() {
                before
            } else {
                self.store
                    .append(&stream, before, recorded.new_events)
                    .await?
            };
            Ok::<_, Error>((version, recorded.envelopes))
        }
        .await;
        let (version, envelopes) = match stored {
            Ok(stored) => stored,
            Err(error) => {
                self.cache.put(stream, loaded.state, before);
                return Err(error);
            }
        };
        for envelope in &envelopes {
            loaded.state.apply(&envelope.payload);
        }
        loaded.version = version;
        self.maybe_snapshot(&stream, before, &loaded).await;
        self.cache.put(stream, loaded.state, version);
        Ok(CommandOutcome {
            aggregate_id: id,
            version,
            events: envelopes,
        })
    }
}

/// State-stored persistence: the current state is saved as one record with a version column.
/// Events are still produced, applied and published; they are just not the source of truth.
pub struct StateStored<A: Aggregate> {
    store: Arc<dyn StateStore>,
    services: Arc<A::Services>,
}

impl<A: Aggregate> Clone for StateStored<A> {
    fn clone(&self) -> Self {
        Self {
            store: Arc::clone(&self.store),
            services: Arc::clone(&self.services),
        }
    }
}

impl<A: Aggregate> StateStored<A> {
    /// A repository over `store` that hands `services` to the aggregate's handlers.
    pub fn new(store: Arc<dyn StateStore>, services: A::Services) -> Self {
        Self {
            store,
            services: Arc::new(services),
        }
    }

    async fn fetch(&self, stream: &StreamId) -> Result<Loaded<A>> {
        match self.store.load_state(stream).await? {
            None => Ok(Loaded {
                state: A::default(),
                version: 0,
            }),
            Some(record) => {
                let state =
                    serde_json::from_value(record.state).map_err(|error| Error::Decode {
                        what: "state",
                        stream: stream.to_string(),
                        version: record.version,
                        message: error.to_string(),
                    })?;
                Ok(Loaded {
                    state,
                    version: record.version,
                })
            }
        }
    }
}

#[async_trait]
impl<A: Aggregate> Repository<A> for StateStored<A> {
    async fn load(&self, id: &A::Id) -> Result<Option<Loaded<A>>> {
        let loaded = self.fetch(&stream_of::<A>(id)).await?;
        Ok((loaded.version > 0).then_some(loaded))
    }

    async fn execute(
        &self,
        id: A::Id,
        command: A::Command,
        metadata: &Metadata,
    ) -> Result<CommandOutcome<A>> {
        let stream = stream_of::<A>(&id);
        let mut loaded = self.fetch(&stream).await?;
        let before = loaded.version;
        let events = decide(&mut loaded, &id, command, metadata, &self.services).await?;
        // A state-stored aggregate moves one version per saved command, so every event of
        // the command carries the new version.
        let mut recorded = record::<A>(&id, events, metadata, before + 1)?;
        if !recorded.envelopes.is_empty() {
            let state = serde_json::to_value(&loaded.state)?;
            let events = std::mem::take(&mut recorded.new_events);
            loaded.version = self
                .store
                .save_state(&stream, before, state, events)
                .await?;
            for envelope in &mut recorded.envelopes {
                envelope.version = loaded.version;
            }
        }
        Ok(CommandOutcome {
            aggregate_id: id,
            version: loaded.version,
            events: recorded.envelopes,
        })
    }
}
