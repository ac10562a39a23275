//! In-memory backends: the reference behaviour, for tests and for services that need no durability.
//!
//! They enforce the same optimistic concurrency as the database backends; a test that passes
//! here must not start failing with conflicts in production.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use async_trait::async_trait;

use super::projections::{installed, outbox_subject, touched, Fold, OutboxRoutes, Projections};
use super::{
    Claim, EventStore, IdempotencyStore, InstallReport, ListQuery, NewEvent, Outbox, OutboxMessage,
    OutboxRoute, ReadModelStore, RowPage, StateStore, StoredEvent, StoredState, StreamId,
};
use crate::error::{Error, Result};
use crate::projection::Projection;

/// Locks a mutex, recovering from poisoning: every critical section below leaves the data
/// consistent before it can panic, so a poisoned lock holds valid data.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Every store trait in memory: an event journal, state records, snapshots and read models
/// behind one lock, so an append or a state save and the read-model rows it changes happen
/// in one step, as in a database transaction. Expected versions are checked as strictly as
/// the database backends check them.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use seedwork::{EventStore, InMemoryStore, NewEvent, StreamId};
/// let store = InMemoryStore::default();
/// let event = NewEvent {
///     event_id: uuid::Uuid::new_v4(),
///     event_type: "AccountOpened".into(),
///     schema_version: 1,
///     payload: serde_json::json!({}),
///     metadata: serde_json::json!({}),
/// };
/// store.append(&StreamId::new("Account", "1"), 0, vec![event]).await?;
/// assert_eq!(store.read_all(0, 10).await?[0].position, 1);
/// # Ok::<(), seedwork::Error>(()) }).unwrap();
/// ```
#[derive(Debug, Default)]
pub struct InMemoryStore {
    journal: Mutex<Journal>,
    snapshots: Mutex<HashMap<StreamId, StoredState>>,
    projections: Projections,
    routes: OutboxRoutes,
    idempotency: InMemoryIdempotencyStore,
}

#[derive(Debug, Default)]
struct Journal {
    /// Each stream's slot in `events`, so that the journal's order below refers to a stream
    /// by number instead of holding another copy of its id for every event.
    slots: HashMap<StreamId, usize>,
    /// Each stream and its events, by slot.
    events: Vec<(StreamId, Vec<KeptEvent>)>,
    /// Where each position's event is: its stream's slot and its index there (position `p`
    /// at `p - 1`).
    order: Vec<(usize, usize)>,
    /// Every stored event id: an id is stored once, as the database backends enforce.
    event_ids: HashSet<uuid::Uuid>,
    states: HashMap<StreamId, StoredState>,
    /// Read-model rows by read model and key, with the position of the last event applied.
    rows: HashMap<String, BTreeMap<String, (serde_json::Value, u64)>>,
    /// The version each installed read model was built at.
    built: HashMap<String, String>,
    /// Integration events not published yet: position → subject.
    outbox: BTreeMap<u64, String>,
}

/// A stored event as the journal keeps it: payload and metadata as JSON text, as a database
/// keeps them. A parsed `serde_json::Value` takes several times the memory of its text (a
/// map node per object), and a journal that only grows would pay for it with every event;
/// the text is parsed again only when the event is read.
#[derive(Debug)]
struct KeptEvent {
    version: u64,
    position: u64,
    event_id: uuid::Uuid,
    event_type: String,
    schema_version: u32,
    payload: Box<str>,
    metadata: Box<str>,
    recorded_at: SystemTime,
}

impl KeptEvent {
    fn keep(event: StoredEvent) -> Result<Self> {
        Ok(Self {
            version: event.version,
            position: event.position,
            event_id: event.event_id,
            payload: serde_json::to_string(&event.payload)?.into_boxed_str(),
            metadata: serde_json::to_string(&event.metadata)?.into_boxed_str(),
            event_type: event.event_type,
            schema_version: event.schema_version,
            recorded_at: event.recorded_at,
        })
    }

    /// The event as it was appended to `stream`.
    fn read(&self, stream: &StreamId) -> Result<StoredEvent> {
        let parse = |text: &str| {
            serde_json::from_str(text).map_err(|error| Error::Decode {
                what: "event",
                stream: stream.to_string(),
                version: self.version,
                message: error.to_string(),
            })
        };
        Ok(StoredEvent {
            stream: stream.clone(),
            version: self.version,
            position: self.position,
            event_id: self.event_id,
            event_type: self.event_type.clone(),
            schema_version: self.schema_version,
            payload: parse(&self.payload)?,
            metadata: parse(&self.metadata)?,
            recorded_at: self.recorded_at,
        })
    }
}

impl Journal {
    fn stream_version(&self, stream: &StreamId) -> u64 {
        self.slots
            .get(stream)
            .map_or(0, |slot| self.events[*slot].1.len() as u64)
    }

    /// The events of `stream` after `after_version`, oldest first.
    fn read_stream(&self, stream: &StreamId, after_version: u64) -> Result<Vec<StoredEvent>> {
        let Some(slot) = self.slots.get(stream) else {
            return Ok(Vec::new());
        };
        let (stream, events) = &self.events[*slot];
        let skip = usize::try_from(after_version).unwrap_or(usize::MAX);
        events
            .iter()
            .skip(skip)
            .map(|event| event.read(stream))
            .collect()
    }

    /// The event an entry of `order` points at, with its stream.
    fn entry(&self, (slot, offset): &(usize, usize)) -> (&StreamId, &KeptEvent) {
        let (stream, events) = &self.events[*slot];
        (stream, &events[*offset])
    }

    /// The event at `position`, if there is one, with its stream.
    fn at(&self, position: u64) -> Option<(&StreamId, &KeptEvent)> {
        let index = usize::try_from(position).ok()?.checked_sub(1)?;
        Some(self.entry(self.order.get(index)?))
    }

    /// Refuses a batch that reuses an event id (stored before, or twice in the batch).
    fn check_ids(&self, stream: &StreamId, events: &[NewEvent]) -> Result<()> {
        let mut batch_ids = HashSet::with_capacity(events.len());
        let reused = events.iter().any(|event| {
            self.event_ids.contains(&event.event_id) || !batch_ids.insert(event.event_id)
        });
        if reused {
            return Err(Error::AlreadyRecorded {
                stream: stream.to_string(),
            });
        }
        Ok(())
    }

    /// The events of a batch as they will be stored, numbered in the stream and the journal.
    fn number(&self, stream: &StreamId, events: Vec<NewEvent>) -> Vec<StoredEvent> {
        let first_version = self.stream_version(stream) + 1;
        let first_position = self.order.len() as u64 + 1;
        let recorded_at = SystemTime::now();
        events
            .into_iter()
            .enumerate()
            .map(|(offset, event)| StoredEvent {
                stream: stream.clone(),
                version: first_version + offset as u64,
                position: first_position + offset as u64,
                event_id: event.event_id,
                event_type: event.event_type,
                schema_version: event.schema_version,
                payload: event.payload,
                metadata: event.metadata,
                recorded_at,
            })
            .collect()
    }

    /// The read-model rows `events` lead to, computed before anything is stored, so that a
    /// failing projection leaves the journal untouched.
    fn fold(&self, projections: &[Arc<dyn Projection>], events: &[StoredEvent]) -> Result<Fold> {
        let mut fold = Fold::over_loaded();
        for (index, key) in touched(projections, events)? {
            let stored = self
                .rows
                .get(projections[index].name())
                .and_then(|rows| rows.get(&key))
                .cloned();
            fold.load((index, key), stored);
        }
        for event in events {
            fold.apply(projections, event)?;
        }
        Ok(fold)
    }

    /// Stores numbered events, the rows they changed, and the outbox messages of those that
    /// leave the context; changes nothing when an event cannot be kept.
    fn commit(
        &mut self,
        projections: &[Arc<dyn Projection>],
        routes: &[OutboxRoute],
        stream: &StreamId,
        events: Vec<StoredEvent>,
        fold: Fold,
    ) -> Result<()> {
        let kept = events
            .into_iter()
            .map(|event| {
                let subject = outbox_subject(routes, &event).map(str::to_owned);
                Ok((KeptEvent::keep(event)?, subject))
            })
            .collect::<Result<Vec<_>>>()?;
        for ((index, key), slot) in fold.changed() {
            let rows = self
                .rows
                .entry(projections[index].name().to_owned())
                .or_default();
            match slot.row {
                Some(row) => rows.insert(key, (row, slot.position)),
                None => rows.remove(&key),
            };
        }
        let slot = match self.slots.get(stream) {
            Some(slot) => *slot,
            None => {
                self.events.push((stream.clone(), Vec::new()));
                let slot = self.events.len() - 1;
                self.slots.insert(stream.clone(), slot);
                slot
            }
        };
        for (event, subject) in kept {
            if let Some(subject) = subject {
                self.outbox.insert(event.position, subject);
            }
            self.event_ids.insert(event.event_id);
            let events = &mut self.events[slot].1;
            self.order.push((slot, events.len()));
            events.push(event);
        }
        Ok(())
    }

    /// Replays the whole journal into empty read models.
    fn rebuild(
        &mut self,
        projections: &[Arc<dyn Projection>],
        only: &HashSet<&str>,
    ) -> Result<u64> {
        let chosen: Vec<Arc<dyn Projection>> = projections
            .iter()
            .filter(|projection| only.contains(projection.name()))
            .cloned()
            .collect();
        let mut fold = Fold::from_empty();
        for entry in &self.order {
            let (stream, event) = self.entry(entry);
            fold.apply(&chosen, &event.read(stream)?)?;
        }
        for projection in &chosen {
            self.rows
                .insert(projection.name().to_owned(), BTreeMap::new());
            self.built.insert(
                projection.name().to_owned(),
                projection.version().to_owned(),
            );
        }
        for ((index, key), slot) in fold.changed() {
            if let Some(row) = slot.row {
                self.rows
                    .entry(chosen[index].name().to_owned())
                    .or_default()
                    .insert(key, (row, slot.position));
            }
        }
        Ok(self.order.len() as u64)
    }
}

impl InMemoryStore {
    /// Checks, numbers and stores `events` of `stream` with the read-model rows they change,
    /// all under the journal's lock; `state` is saved with them when given.
    fn record(
        &self,
        journal: &mut Journal,
        stream: &StreamId,
        events: Vec<NewEvent>,
        state: Option<StoredState>,
    ) -> Result<()> {
        journal.check_ids(stream, &events)?;
        let numbered = journal.number(stream, events);
        let projections = self.projections.current();
        let fold = journal.fold(&projections, &numbered)?;
        journal.commit(&projections, &self.routes.current(), stream, numbered, fold)?;
        if let Some(state) = state {
            journal.states.insert(stream.clone(), state);
        }
        Ok(())
    }
}

#[async_trait]
impl EventStore for InMemoryStore {
    async fn append(
        &self,
        stream: &StreamId,
        expected_version: u64,
        events: Vec<NewEvent>,
    ) -> Result<u64> {
        let mut journal = lock(&self.journal);
        let current = journal.stream_version(stream);
        if current != expected_version {
            return Err(Error::version_conflict(
                stream,
                expected_version,
                Some(current),
            ));
        }
        if events.is_empty() {
            return Ok(current);
        }
        let count = events.len() as u64;
        self.record(&mut journal, stream, events, None)?;
        Ok(current + count)
    }

    async fn load(&self, stream: &StreamId, after_version: u64) -> Result<Vec<StoredEvent>> {
        lock(&self.journal).read_stream(stream, after_version)
    }

    async fn save_snapshot(&self, stream: &StreamId, snapshot: StoredState) -> Result<()> {
        let mut snapshots = lock(&self.snapshots);
        let newer = snapshots
            .get(stream)
            .is_none_or(|existing| existing.version < snapshot.version);
        if newer {
            snapshots.insert(stream.clone(), snapshot);
        }
        Ok(())
    }

    async fn load_snapshot(&self, stream: &StreamId) -> Result<Option<StoredState>> {
        Ok(lock(&self.snapshots).get(stream).cloned())
    }

    async fn read_all(&self, after_position: u64, limit: usize) -> Result<Vec<StoredEvent>> {
        let journal = lock(&self.journal);
        let skip = usize::try_from(after_position).unwrap_or(usize::MAX);
        journal
            .order
            .iter()
            .skip(skip)
            .take(limit)
            .map(|entry| {
                let (stream, event) = journal.entry(entry);
                event.read(stream)
            })
            .collect()
    }
}

#[async_trait]
impl StateStore for InMemoryStore {
    async fn load_state(&self, key: &StreamId) -> Result<Option<StoredState>> {
        Ok(lock(&self.journal).states.get(key).cloned())
    }

    async fn save_state(
        &self,
        key: &StreamId,
        expected_version: u64,
        state: serde_json::Value,
        events: Vec<NewEvent>,
    ) -> Result<u64> {
        let mut journal = lock(&self.journal);
        let current = journal.states.get(key).map_or(0, |record| record.version);
        if current != expected_version {
            return Err(Error::version_conflict(
                key,
                expected_version,
                Some(current),
            ));
        }
        let version = current + 1;
        self.record(
            &mut journal,
            key,
            events,
            Some(StoredState { version, state }),
        )?;
        Ok(version)
    }
}

#[async_trait]
impl ReadModelStore for InMemoryStore {
    async fn install(&self, projections: Vec<Arc<dyn Projection>>) -> Result<InstallReport> {
        self.projections.replace(projections)?;
        let projections = self.projections.current();
        let mut journal = lock(&self.journal);
        let stale: HashSet<&str> = projections
            .iter()
            .filter(|p| journal.built.get(p.name()).map(String::as_str) != Some(p.version()))
            .map(|p| p.name())
            .collect();
        if stale.is_empty() {
            return Ok(InstallReport::default());
        }
        let replayed = journal.rebuild(&projections, &stale)?;
        let mut rebuilt: Vec<String> = stale.into_iter().map(str::to_owned).collect();
        rebuilt.sort();
        Ok(InstallReport { rebuilt, replayed })
    }

    async fn rebuild(&self) -> Result<u64> {
        let projections = self.projections.current();
        let all: HashSet<&str> = projections.iter().map(|p| p.name()).collect();
        lock(&self.journal).rebuild(&projections, &all)
    }

    async fn get_row(&self, read_model: &str, key: &str) -> Result<Option<serde_json::Value>> {
        installed(&self.projections.current(), read_model)?;
        Ok(lock(&self.journal)
            .rows
            .get(read_model)
            .and_then(|rows| rows.get(key))
            .map(|(row, _)| row.clone()))
    }

    async fn list_rows(&self, read_model: &str, query: &ListQuery) -> Result<RowPage> {
        installed(&self.projections.current(), read_model)?;
        let journal = lock(&self.journal);
        let matching: Vec<&serde_json::Value> = journal
            .rows
            .get(read_model)
            .into_iter()
            .flat_map(BTreeMap::values)
            .map(|(row, _)| row)
            .filter(|row| {
                query
                    .filters
                    .iter()
                    .all(|(field, value)| row.get(field) == Some(value))
            })
            .collect();
        let skip = usize::try_from(query.offset).unwrap_or(usize::MAX);
        let take = usize::try_from(query.limit).unwrap_or(usize::MAX);
        Ok(RowPage {
            total: matching.len() as u64,
            rows: matching
                .into_iter()
                .skip(skip)
                .take(take)
                .cloned()
                .collect(),
        })
    }
}

#[derive(Debug, Clone)]
enum Entry {
    /// Claimed at this instant.
    Running(std::time::Instant),
    Done(serde_json::Value),
}

/// An [`IdempotencyStore`] in a `HashMap`.
#[derive(Debug)]
pub struct InMemoryIdempotencyStore {
    entries: Mutex<HashMap<String, Entry>>,
    claim_ttl: std::time::Duration,
}

impl Default for InMemoryIdempotencyStore {
    fn default() -> Self {
        Self {
            entries: Mutex::default(),
            claim_ttl: super::CLAIM_TTL,
        }
    }
}

impl InMemoryIdempotencyStore {
    /// A store whose claims expire after `ttl` instead of the default (`store::CLAIM_TTL`).
    #[must_use]
    pub fn with_claim_ttl(ttl: std::time::Duration) -> Self {
        Self {
            entries: Mutex::default(),
            claim_ttl: ttl,
        }
    }
}

#[async_trait]
impl IdempotencyStore for InMemoryIdempotencyStore {
    async fn claim(&self, key: &str) -> Result<Claim> {
        let mut entries = lock(&self.entries);
        let now = std::time::Instant::now();
        Ok(match entries.get(key) {
            Some(Entry::Running(since)) if now.duration_since(*since) < self.claim_ttl => {
                Claim::InProgress
            }
            Some(Entry::Done(reply)) => Claim::Completed(reply.clone()),
            Some(Entry::Running(_)) | None => {
                entries.insert(key.to_owned(), Entry::Running(now));
                Claim::Acquired
            }
        })
    }

    async fn complete(&self, key: &str, reply: serde_json::Value) -> Result<()> {
        lock(&self.entries).insert(key.to_owned(), Entry::Done(reply));
        Ok(())
    }

    async fn release(&self, key: &str) -> Result<()> {
        let mut entries = lock(&self.entries);
        if matches!(entries.get(key), Some(Entry::Running(_))) {
            entries.remove(key);
        }
        Ok(())
    }
}

#[async_trait]
impl IdempotencyStore for InMemoryStore {
    async fn claim(&self, key: &str) -> Result<Claim> {
        self.idempotency.claim(key).await
    }

    async fn complete(&self, key: &str, reply: serde_json::Value) -> Result<()> {
        self.idempotency.complete(key, reply).await
    }

    async fn release(&self, key: &str) -> Result<()> {
        self.idempotency.release(key).await
    }
}

#[async_trait]
impl Outbox for InMemoryStore {
    async fn install_outbox(&self, routes: Vec<OutboxRoute>) -> Result<()> {
        self.routes.replace(routes);
        Ok(())
    }

    async fn pending(&self, limit: usize) -> Result<Vec<OutboxMessage>> {
        let journal = lock(&self.journal);
        journal
            .outbox
            .iter()
            .take(limit)
            .filter_map(|(position, subject)| {
                let (stream, event) = journal.at(*position)?;
                Some(event.read(stream).map(|event| OutboxMessage {
                    event,
                    subject: subject.clone(),
                }))
            })
            .collect()
    }

    async fn mark_published(&self, event_ids: &[uuid::Uuid]) -> Result<()> {
        let mut journal = lock(&self.journal);
        let published: Vec<u64> = journal
            .outbox
            .keys()
            .copied()
            .filter(|position| {
                journal
                    .at(*position)
                    .is_some_and(|(_, event)| event_ids.contains(&event.event_id))
            })
            .collect();
        for position in published {
            journal.outbox.remove(&position);
        }
        Ok(())
    }
}
