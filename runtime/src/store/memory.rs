//! In-memory backends: the reference behaviour, for tests and for services that need no durability.
//!
//! They enforce the same optimistic concurrency as the database backends; a test that passes
//! here must not start failing with conflicts in production.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};
use std::time::SystemTime;

use async_trait::async_trait;

use super::{
    Claim, EventStore, IdempotencyStore, NewEvent, StateStore, StoredEvent, StoredState, StreamId,
};
use crate::error::{Error, Result};

/// Locks a mutex, recovering from poisoning: every critical section below leaves the data
/// consistent before it can panic, so a poisoned lock holds valid data.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// An [`EventStore`] in a `HashMap`, with real expected-version checks.
#[derive(Debug, Default)]
pub struct InMemoryEventStore {
    log: Mutex<Log>,
    snapshots: Mutex<HashMap<StreamId, StoredState>>,
}

#[derive(Debug, Default)]
struct Log {
    streams: HashMap<StreamId, Vec<StoredEvent>>,
    /// Every stored event id: an id is stored once, as the database backends enforce.
    event_ids: HashSet<uuid::Uuid>,
}

#[async_trait]
impl EventStore for InMemoryEventStore {
    async fn append(
        &self,
        stream: &StreamId,
        expected_version: u64,
        events: Vec<NewEvent>,
    ) -> Result<u64> {
        let mut log = lock(&self.log);
        let current = log
            .streams
            .get(stream)
            .map_or(0, |events| events.len() as u64);
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
        let mut batch_ids = HashSet::with_capacity(events.len());
        let reused = events.iter().any(|event| {
            log.event_ids.contains(&event.event_id) || !batch_ids.insert(event.event_id)
        });
        if reused {
            return Err(Error::Conflict {
                stream: stream.to_string(),
                reason: "an event id of the batch is already stored".to_owned(),
            });
        }
        log.event_ids.extend(batch_ids);
        let recorded_at = SystemTime::now();
        let log = log.streams.entry(stream.clone()).or_default();
        for (offset, event) in events.into_iter().enumerate() {
            log.push(StoredEvent {
                stream: stream.clone(),
                version: current + offset as u64 + 1,
                event_id: event.event_id,
                event_type: event.event_type,
                schema_version: event.schema_version,
                payload: event.payload,
                metadata: event.metadata,
                recorded_at,
            });
        }
        Ok(log.len() as u64)
    }

    async fn load(&self, stream: &StreamId, after_version: u64) -> Result<Vec<StoredEvent>> {
        let log = lock(&self.log);
        let skip = usize::try_from(after_version).unwrap_or(usize::MAX);
        Ok(log
            .streams
            .get(stream)
            .map(|events| events.iter().skip(skip).cloned().collect())
            .unwrap_or_default())
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
}

/// A [`StateStore`] in a `HashMap`, with real expected-version checks.
#[derive(Debug, Default)]
pub struct InMemoryStateStore {
    records: Mutex<HashMap<StreamId, StoredState>>,
}

#[async_trait]
impl StateStore for InMemoryStateStore {
    async fn load_state(&self, key: &StreamId) -> Result<Option<StoredState>> {
        Ok(lock(&self.records).get(key).cloned())
    }

    async fn save_state(
        &self,
        key: &StreamId,
        expected_version: u64,
        state: serde_json::Value,
    ) -> Result<u64> {
        let mut records = lock(&self.records);
        let current = records.get(key).map_or(0, |record| record.version);
        if current != expected_version {
            return Err(Error::version_conflict(
                key,
                expected_version,
                Some(current),
            ));
        }
        let version = current + 1;
        records.insert(key.clone(), StoredState { version, state });
        Ok(version)
    }
}

#[derive(Debug, Clone)]
enum Entry {
    Running,
    Done(serde_json::Value),
}

/// An [`IdempotencyStore`] in a `HashMap`.
#[derive(Debug, Default)]
pub struct InMemoryIdempotencyStore {
    entries: Mutex<HashMap<String, Entry>>,
}

#[async_trait]
impl IdempotencyStore for InMemoryIdempotencyStore {
    async fn claim(&self, key: &str) -> Result<Claim> {
        let mut entries = lock(&self.entries);
        Ok(match entries.get(key) {
            Some(Entry::Running) => Claim::InProgress,
            Some(Entry::Done(reply)) => Claim::Completed(reply.clone()),
            None => {
                entries.insert(key.to_owned(), Entry::Running);
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
        if matches!(entries.get(key), Some(Entry::Running)) {
            entries.remove(key);
        }
        Ok(())
    }
}
