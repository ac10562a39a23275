//! The backend-independent conformance suite: the behaviour every [`EventStore`],
//! [`StateStore`] and [`IdempotencyStore`] must show, written once and run against each backend.
//!
//! The in-memory stores are the reference; the SQL backends run the very same cases, so a
//! service tested in memory does not meet new behaviour in production. If you write your own
//! backend, run the suite on it too:
//!
//! ```ignore
//! // tests/my_store.rs, with `seedwork = { features = ["conformance"] }` and tokio (features
//! // `macros` and `rt-multi-thread`) among the dev-dependencies.
//! use std::sync::Arc;
//! use my_crate::MyStore;
//!
//! seedwork::event_store_conformance!(my_event_store, async { Arc::new(MyStore::new().await) });
//! seedwork::state_store_conformance!(my_state_store, async { Arc::new(MyStore::new().await) });
//! seedwork::idempotency_store_conformance!(my_idempotency, async { Arc::new(MyStore::new().await) });
//! ```
//!
//! Each macro expands to a module with one `#[tokio::test]` per case, so a failure names the
//! case. The factory runs once per case; it may return an `Arc` of the store, or a tuple
//! `(store, guard)` whose guard (a temporary directory, a container handle) lives until the
//! case ends: see [`Fixture`]. Every case works on fresh random stream ids and keys, so stores
//! may be shared between cases.
//!
//! The cases are plain `pub async fn`s that panic with an explanation on failure; call them
//! directly to run a single one by hand.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde_json::{json, Value};
use uuid::Uuid;

use super::{
    Claim, EventStore, IdempotencyStore, ListQuery, NewEvent, ReadModelStore, StateStore,
    StoredEvent, StoredState, StreamId,
};
use crate::error::Error;
use crate::projection::{Projection, RowChange};

/// A store that keeps a journal, state records and read models: what
/// [`read_model_store_conformance!`](crate::read_model_store_conformance) tests.
pub trait JournalStore: EventStore + StateStore + ReadModelStore {
    /// Itself as an event store.
    fn as_events(self: Arc<Self>) -> Arc<dyn EventStore>;
}

impl<T: EventStore + StateStore + ReadModelStore> JournalStore for T {
    fn as_events(self: Arc<Self>) -> Arc<dyn EventStore> {
        self
    }
}

/// A store with a journal, state records and an outbox: what
/// [`outbox_conformance!`](crate::outbox_conformance) tests.
pub trait OutboxStore: EventStore + StateStore + super::Outbox {}

impl<T: EventStore + StateStore + super::Outbox> OutboxStore for T {}

impl<T: OutboxStore> Fixture<dyn OutboxStore> for Arc<T> {
    fn store(&self) -> Arc<dyn OutboxStore> {
        Arc::clone(self) as Arc<dyn OutboxStore>
    }
}

impl<T: JournalStore> Fixture<dyn JournalStore> for Arc<T> {
    fn store(&self) -> Arc<dyn JournalStore> {
        Arc::clone(self) as Arc<dyn JournalStore>
    }
}

/// What a conformance factory produces: something that hands out the store under test.
///
/// Implemented for `Arc<T>` of any store (and for `Arc<dyn Store>`), and for `(fixture, guard)`
/// tuples, so a factory can keep alive whatever the store depends on for as long as the case
/// runs, e.g. `(Arc::new(store), temp_dir)`.
pub trait Fixture<S: ?Sized> {
    /// The store the cases run against.
    fn store(&self) -> Arc<S>;
}

impl<T: EventStore> Fixture<dyn EventStore> for Arc<T> {
    fn store(&self) -> Arc<dyn EventStore> {
        Arc::clone(self) as Arc<dyn EventStore>
    }
}

impl Fixture<dyn EventStore> for Arc<dyn EventStore> {
    fn store(&self) -> Arc<dyn EventStore> {
        Arc::clone(self)
    }
}

impl<T: StateStore> Fixture<dyn StateStore> for Arc<T> {
    fn store(&self) -> Arc<dyn StateStore> {
        Arc::clone(self) as Arc<dyn StateStore>
    }
}

impl Fixture<dyn StateStore> for Arc<dyn StateStore> {
    fn store(&self) -> Arc<dyn StateStore> {
        Arc::clone(self)
    }
}

impl<T: IdempotencyStore> Fixture<dyn IdempotencyStore> for Arc<T> {
    fn store(&self) -> Arc<dyn IdempotencyStore> {
        Arc::clone(self) as Arc<dyn IdempotencyStore>
    }
}

impl Fixture<dyn IdempotencyStore> for Arc<dyn IdempotencyStore> {
    fn store(&self) -> Arc<dyn IdempotencyStore> {
        Arc::clone(self)
    }
}

impl<S: ?Sized, F: Fixture<S>, G> Fixture<S> for (F, G) {
    fn store(&self) -> Arc<S> {
        self.0.store()
    }
}

/// Expands to a module `$name` with one multi-threaded `#[tokio::test]` per [`EventStore`]
/// conformance case, each calling the async factory `$factory` for its store.
///
/// The calling crate needs `tokio` with the `macros` and `rt-multi-thread` features. The
/// module glob-imports its parent, so the factory may use the caller's imports and helpers.
///
/// ```ignore
/// seedwork::event_store_conformance!(memory, async {
///     std::sync::Arc::new(seedwork::InMemoryStore::default())
/// });
/// ```
#[macro_export]
macro_rules! event_store_conformance {
    ($name:ident, $factory:expr $(,)?) => {
        $crate::__seedwork_conformance_cases! {
            $name, $factory, dyn $crate::EventStore;
            append_and_load,
            stale_or_ahead_expected_version_conflicts,
            conflicting_batch_writes_nothing,
            reused_event_id_conflicts,
            empty_and_missing_streams,
            snapshot_plus_tail_equals_full_replay,
            newest_snapshot_wins,
            long_stream,
            unicode_round_trips,
            concurrent_appends_serialize,
        }
    };
}

/// Expands to a module `$name` with one multi-threaded `#[tokio::test]` per [`StateStore`]
/// conformance case; see [`event_store_conformance!`](crate::event_store_conformance).
#[macro_export]
macro_rules! state_store_conformance {
    ($name:ident, $factory:expr $(,)?) => {
        $crate::__seedwork_conformance_cases! {
            $name, $factory, dyn $crate::StateStore;
            state_insert_update_and_conflicts,
            state_concurrent_updates,
        }
    };
}

/// Expands to a module `$name` with one multi-threaded `#[tokio::test]` per
/// [`IdempotencyStore`] conformance case; see
/// [`event_store_conformance!`](crate::event_store_conformance).
#[macro_export]
macro_rules! idempotency_store_conformance {
    ($name:ident, $factory:expr $(,)?) => {
        $crate::__seedwork_conformance_cases! {
            $name, $factory, dyn $crate::IdempotencyStore;
            idempotency_claim_lifecycle,
            idempotency_concurrent_claims,
        }
    };
}

/// Expands to a module `$name` with one multi-threaded `#[tokio::test]` per journal and
/// read-model conformance case, for a store that is an [`EventStore`], a [`StateStore`] and a
/// [`ReadModelStore`] at once (the factory returns it as for
/// [`event_store_conformance!`](crate::event_store_conformance)). Each case installs its own
/// read models, so give each case a store of its own.
#[macro_export]
macro_rules! read_model_store_conformance {
    ($name:ident, $factory:expr $(,)?) => {
        $crate::__seedwork_conformance_cases! {
            $name, $factory, dyn $crate::store::conformance::JournalStore;
            state_saves_journal_their_events,
            read_all_pages_in_commit_order,
            projections_follow_writes,
            failed_writes_change_no_row,
            install_rebuilds_new_and_changed_read_models,
            concurrent_writes_to_one_row_match_a_replay,
        }
    };
}

/// Expands to a module `$name` with one multi-threaded `#[tokio::test]` per outbox
/// conformance case, for a store that is an [`EventStore`], a [`StateStore`] and an
/// [`Outbox`](crate::store::Outbox) at once.
#[macro_export]
macro_rules! outbox_conformance {
    ($name:ident, $factory:expr $(,)?) => {
        $crate::__seedwork_conformance_cases! {
            $name, $factory, dyn $crate::store::conformance::OutboxStore;
            integration_events_wait_in_the_outbox,
        }
    };
}

/// The expansion shared by the conformance macros. Not public API.
#[doc(hidden)]
#[macro_export]
macro_rules! __seedwork_conformance_cases {
    ($name:ident, $factory:expr, $store:ty; $($case:ident),+ $(,)?) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    let fixture = $factory.await;
                    let store: ::std::sync::Arc<$store> =
                        $crate::store::conformance::Fixture::<$store>::store(&fixture);
                    $crate::store::conformance::$case(store).await;
                    ::std::mem::drop(fixture);
                }
            )+
        }
    };
}

/// A stream no other case (or run) uses.
fn fresh_stream(aggregate_type: &str) -> StreamId {
    StreamId::new(aggregate_type, Uuid::new_v4())
}

/// An event with a fresh id and the given payload.
fn event(event_type: &str, payload: Value) -> NewEvent {
    NewEvent {
        event_id: Uuid::new_v4(),
        event_type: event_type.to_owned(),
        schema_version: 1,
        payload,
        metadata: json!({"correlation_id": Uuid::new_v4().to_string()}),
    }
}

/// `count` numbered events, `first` being the number of the first.
fn numbered(first: u64, count: u64) -> Vec<NewEvent> {
    (first..first + count)
        .map(|n| event("Numbered", json!({"n": n})))
        .collect()
}

/// Unwraps a store call, failing the case with the operation and the error.
#[track_caller]
fn ok<T>(result: crate::Result<T>, doing: &str) -> T {
    match result {
        Ok(value) => value,
        Err(error) => panic!("{doing} failed: {error} ({error:?})"),
    }
}

/// Asserts that `result` is a conflict naming `stream`.
#[track_caller]
fn assert_conflict<T: std::fmt::Debug>(result: crate::Result<T>, stream: &StreamId, doing: &str) {
    match result {
        Err(Error::Conflict { stream: named, .. } | Error::AlreadyRecorded { stream: named }) => {
            assert_eq!(
                named,
                stream.to_string(),
                "{doing}: the conflict must name the stream"
            )
        }
        Err(other) => panic!("{doing}: expected a conflict, got the error {other} ({other:?})"),
        Ok(value) => panic!("{doing}: expected a conflict, got Ok({value:?})"),
    }
}

/// Asserts that `stream` holds exactly `expected`, with versions 1..=n.
#[track_caller]
fn assert_stream_holds(loaded: &[super::StoredEvent], stream: &StreamId, expected: &[NewEvent]) {
    assert_eq!(
        loaded.len(),
        expected.len(),
        "{stream}: loaded {} events, expected {}",
        loaded.len(),
        expected.len()
    );
    for (index, (stored, original)) in loaded.iter().zip(expected).enumerate() {
        let version = index as u64 + 1;
        assert_eq!(
            stored.version, version,
            "{stream}: event #{index} has the wrong version"
        );
        assert_eq!(&stored.stream, stream, "{stream} v{version}: wrong stream");
        assert_eq!(
            stored.event_id, original.event_id,
            "{stream} v{version}: event_id"
        );
        assert_eq!(
            stored.event_type, original.event_type,
            "{stream} v{version}: event_type"
        );
        assert_eq!(
            stored.schema_version, original.schema_version,
            "{stream} v{version}: schema_version"
        );
        assert_eq!(
            stored.payload, original.payload,
            "{stream} v{version}: payload"
        );
        assert_eq!(
            stored.metadata, original.metadata,
            "{stream} v{version}: metadata"
        );
    }
}

/// Appends in several batches and reads everything back: versions 1..n, every field exact,
/// `recorded_at` plausible, and `after_version` returning only the tail.
pub async fn append_and_load(store: Arc<dyn EventStore>) {
    let stream = fresh_stream("Account");
    let started = SystemTime::now();
    let mut first = event(
        "AccountOpened",
        json!({
            "owner": "Ada",
            "initial_balance": 100,
            "negative": -42,
            "big": u64::MAX,
            "small": i64::MIN,
            "ratio": 0.5,
            "whole_float": 3.0,
            "flags": [true, false, null],
            "nested": {"a": {"b": [1, 2, {"c": "d"}]}, "empty_object": {}, "empty_array": []},
        }),
    );
    first.schema_version = u32::MAX;
    first.metadata =
        json!({"correlation_id": "c-1", "principal": {"id": "u1", "roles": ["teller"]}});
    let mut batches = vec![vec![first]];
    batches.push(vec![
        event("Deposited", json!({"amount": 10})),
        event("Deposited", json!(null)),
        event("Renamed", json!("just a string")),
    ]);
    let mut last = event("Withdrawn", json!([1, "two", 3.25]));
    last.schema_version = 7;
    last.metadata = json!({});
    batches.push(vec![
        event("Deposited", json!({"amount": 1})),
        event("Deposited", json!({"amount": 2})),
        event("Closed", json!(true)),
        event("Reopened", json!(12345)),
        last,
    ]);

    let mut expected_version = 0;
    let mut all = Vec::new();
    for batch in batches {
        let size = batch.len() as u64;
        let version = ok(
            store.append(&stream, expected_version, batch.clone()).await,
            "append",
        );
        assert_eq!(
            version,
            expected_version + size,
            "append must return the new stream version"
        );
        expected_version = version;
        all.extend(batch);
    }

    let loaded = ok(store.load(&stream, 0).await, "load");
    assert_stream_holds(&loaded, &stream, &all);
    let earliest = started - Duration::from_secs(3600);
    let latest = SystemTime::now() + Duration::from_secs(3600);
    for stored in &loaded {
        assert!(
            stored.recorded_at >= earliest && stored.recorded_at <= latest,
            "{stream} v{}: recorded_at {:?} is not within an hour of now",
            stored.version,
            stored.recorded_at
        );
    }

    let tail = ok(store.load(&stream, 4).await, "load after version 4");
    let versions: Vec<u64> = tail.iter().map(|e| e.version).collect();
    assert_eq!(
        versions,
        vec![5, 6, 7, 8, 9],
        "load after 4 must return exactly the tail"
    );
    assert_eq!(
        tail,
        loaded[4..].to_vec(),
        "the tail must equal the end of a full load"
    );
    assert!(
        ok(store.load(&stream, 9).await, "load after the last version").is_empty(),
        "nothing follows the last version"
    );
    assert!(
        ok(
            store.load(&stream, 1000).await,
            "load after a future version"
        )
        .is_empty(),
        "nothing follows a version beyond the end"
    );
    assert!(
        ok(store.load(&stream, u64::MAX).await, "load after u64::MAX").is_empty(),
        "nothing follows u64::MAX"
    );
    let other = StreamId::new(stream.aggregate_type.clone(), Uuid::new_v4());
    assert!(
        ok(store.load(&other, 0).await, "load of a sibling stream").is_empty(),
        "streams of the same type must not leak into each other"
    );
    let same_id_other_type = StreamId::new("Other", stream.aggregate_id.clone());
    assert!(
        ok(
            store.load(&same_id_other_type, 0).await,
            "load of another type"
        )
        .is_empty(),
        "streams with the same id but another type must not leak into each other"
    );
}

/// A stale expected version, or one ahead of the stream, is a conflict and writes nothing;
/// in particular no gap appears after an "ahead" append.
pub async fn stale_or_ahead_expected_version_conflicts(store: Arc<dyn EventStore>) {
    let stream = fresh_stream("Account");
    let original = numbered(1, 3);
    ok(
        store.append(&stream, 0, original.clone()).await,
        "first append",
    );

    for expected in [0, 1, 2] {
        assert_conflict(
            store.append(&stream, expected, numbered(100, 1)).await,
            &stream,
            &format!("append at stale version {expected} (stream at 3)"),
        );
    }
    for expected in [4, 5, 1000, u64::MAX] {
        assert_conflict(
            store.append(&stream, expected, numbered(200, 2)).await,
            &stream,
            &format!("append at version {expected}, ahead of the stream (at 3)"),
        );
    }
    assert_stream_holds(
        &ok(store.load(&stream, 0).await, "load"),
        &stream,
        &original,
    );

    let next = numbered(4, 1);
    assert_eq!(
        ok(
            store.append(&stream, 3, next.clone()).await,
            "append at the right version"
        ),
        4,
        "after refused appends the next version must still be 4 (no gap)"
    );
    let all: Vec<NewEvent> = original.into_iter().chain(next).collect();
    assert_stream_holds(&ok(store.load(&stream, 0).await, "load"), &stream, &all);

    let fresh = fresh_stream("Account");
    assert_conflict(
        store.append(&fresh, 1, numbered(1, 1)).await,
        &fresh,
        "append at version 1 to a stream that does not exist",
    );
    assert!(
        ok(store.load(&fresh, 0).await, "load").is_empty(),
        "a refused append to a new stream must not create it"
    );
}

/// A batch whose append conflicts writes none of its events: the same events (same ids) can
/// be appended afterwards, once, at the right version.
pub async fn conflicting_batch_writes_nothing(store: Arc<dyn EventStore>) {
    let stream = fresh_stream("Order");
    let head = numbered(1, 2);
    ok(store.append(&stream, 0, head.clone()).await, "first append");

    let batch = numbered(3, 5);
    assert_conflict(
        store.append(&stream, 1, batch.clone()).await,
        &stream,
        "a 5-event batch at a stale version",
    );
    assert_stream_holds(&ok(store.load(&stream, 0).await, "load"), &stream, &head);

    assert_eq!(
        ok(
            store.append(&stream, 2, batch.clone()).await,
            "re-appending the refused batch (same event ids) at the right version"
        ),
        7,
        "the refused batch must have left no trace"
    );
    let all: Vec<NewEvent> = head.into_iter().chain(batch).collect();
    assert_stream_holds(&ok(store.load(&stream, 0).await, "load"), &stream, &all);
}

/// An event id is stored at most once across all streams, so brokers and consumers can use it
/// to drop duplicates; a batch reusing one is a conflict and writes nothing.
pub async fn reused_event_id_conflicts(store: Arc<dyn EventStore>) {
    let first = fresh_stream("Order");
    let second = fresh_stream("Order");
    let shared = numbered(1, 1);
    ok(
        store.append(&first, 0, shared.clone()).await,
        "first append",
    );
    let batch: Vec<NewEvent> = numbered(1, 1).into_iter().chain(shared).collect();
    let refused = store.append(&second, 0, batch).await;
    assert!(
        matches!(refused, Err(Error::AlreadyRecorded { .. })),
        "a batch reusing a stored event id is already recorded: {refused:?}"
    );
    assert_conflict(refused, &second, "a batch reusing a stored event id");
    assert!(
        ok(store.load(&second, 0).await, "load").is_empty(),
        "the refused batch must have left no trace"
    );
}

/// Missing streams are empty and have no snapshot; an empty batch at the right version is a
/// no-op returning the current version, at the wrong version a conflict.
pub async fn empty_and_missing_streams(store: Arc<dyn EventStore>) {
    let stream = fresh_stream("Ghost");
    assert!(
        ok(store.load(&stream, 0).await, "load of a missing stream").is_empty(),
        "a missing stream loads as empty"
    );
    assert_eq!(
        ok(
            store.load_snapshot(&stream).await,
            "load_snapshot of a missing stream"
        ),
        None,
        "a missing stream has no snapshot"
    );
    assert_eq!(
        ok(
            store.append(&stream, 0, Vec::new()).await,
            "empty append at 0"
        ),
        0,
        "an empty append to a missing stream returns version 0"
    );
    assert!(
        ok(store.load(&stream, 0).await, "load").is_empty(),
        "an empty append writes nothing"
    );
    assert_conflict(
        store.append(&stream, 2, Vec::new()).await,
        &stream,
        "an empty append at the wrong version",
    );

    let events = numbered(1, 2);
    ok(store.append(&stream, 0, events.clone()).await, "append");
    assert_eq!(
        ok(
            store.append(&stream, 2, Vec::new()).await,
            "empty append at 2"
        ),
        2,
        "an empty append at the right version returns the current version"
    );
    assert_conflict(
        store.append(&stream, 1, Vec::new()).await,
        &stream,
        "an empty append at a stale version",
    );
    assert_stream_holds(&ok(store.load(&stream, 0).await, "load"), &stream, &events);
}

/// The fold used by the snapshot cases: a running sum, a count and the last note.
fn fold(mut state: Value, events: &[super::StoredEvent]) -> Value {
    for stored in events {
        let amount = stored.payload["amount"].as_i64().unwrap_or(0);
        let sum = state["sum"].as_i64().unwrap_or(0) + amount;
        let count = state["count"].as_u64().unwrap_or(0) + 1;
        state = json!({"sum": sum, "count": count, "last": stored.payload["note"].clone()});
    }
    state
}

/// Restoring from a snapshot at version k and folding the tail after k gives exactly the
/// state of folding every event.
pub async fn snapshot_plus_tail_equals_full_replay(store: Arc<dyn EventStore>) {
    let stream = fresh_stream("Ledger");
    let mut version = 0;
    for (batch, size) in [4_i64, 1, 7, 3, 10].into_iter().enumerate() {
        let events = (0..size)
            .map(|i| {
                event(
                    "Posted",
                    json!({"amount": (batch as i64 + 1) * 100 + i, "note": format!("b{batch}e{i} ✓")}),
                )
            })
            .collect();
        version = ok(store.append(&stream, version, events).await, "append");
    }
    let all = ok(store.load(&stream, 0).await, "full load");
    assert_eq!(
        all.len() as u64,
        version,
        "full load must return every event"
    );
    let full = fold(json!({}), &all);

    for k in [1_u64, 5, 12, 25] {
        let prefix = ok(store.load(&stream, 0).await, "load")
            .into_iter()
            .take(k as usize);
        let snapshot = StoredState {
            version: k,
            state: fold(json!({}), &prefix.collect::<Vec<_>>()),
        };
        ok(
            store.save_snapshot(&stream, snapshot.clone()).await,
            "save_snapshot",
        );
        let restored = ok(store.load_snapshot(&stream).await, "load_snapshot")
            .unwrap_or_else(|| panic!("{stream}: no snapshot after saving one at version {k}"));
        assert_eq!(
            restored, snapshot,
            "{stream}: the snapshot must round-trip exactly"
        );
        let tail = ok(store.load(&stream, restored.version).await, "load tail");
        assert_eq!(
            tail.first().map(|e| e.version),
            if k < version { Some(k + 1) } else { None },
            "{stream}: the tail after a snapshot at {k} must start at {}",
            k + 1
        );
        assert_eq!(
            fold(restored.state, &tail),
            full,
            "{stream}: snapshot at {k} plus tail must equal the full replay"
        );
    }
}

/// The newest snapshot wins: saving an older one (a slow writer arriving late) keeps the newer.
pub async fn newest_snapshot_wins(store: Arc<dyn EventStore>) {
    let stream = fresh_stream("Ledger");
    ok(store.append(&stream, 0, numbered(1, 30)).await, "append");
    let at = |version: u64| StoredState {
        version,
        state: json!({"at": version, "text": format!("state at {version} — ✓")}),
    };
    ok(store.save_snapshot(&stream, at(10)).await, "snapshot at 10");
    ok(store.save_snapshot(&stream, at(20)).await, "snapshot at 20");
    assert_eq!(
        ok(store.load_snapshot(&stream).await, "load_snapshot"),
        Some(at(20)),
        "a newer snapshot replaces an older one"
    );
    ok(
        store.save_snapshot(&stream, at(5)).await,
        "late snapshot at 5",
    );
    assert_eq!(
        ok(store.load_snapshot(&stream).await, "load_snapshot"),
        Some(at(20)),
        "an older snapshot must not replace a newer one"
    );
    ok(store.save_snapshot(&stream, at(30)).await, "snapshot at 30");
    assert_eq!(
        ok(store.load_snapshot(&stream).await, "load_snapshot"),
        Some(at(30)),
        "the newest snapshot wins"
    );
    let other = fresh_stream("Ledger");
    assert_eq!(
        ok(
            store.load_snapshot(&other).await,
            "load_snapshot of another stream"
        ),
        None,
        "snapshots belong to their own stream"
    );
}

/// A 10,000-event stream, appended in batches of 500, loads back complete and in order.
pub async fn long_stream(store: Arc<dyn EventStore>) {
    const TOTAL: u64 = 10_000;
    const BATCH: u64 = 500;
    let stream = fresh_stream("Sensor");
    let mut ids = Vec::new();
    let mut version = 0;
    while version < TOTAL {
        let batch = numbered(version + 1, BATCH);
        ids.extend(batch.iter().map(|e| e.event_id));
        version = ok(store.append(&stream, version, batch).await, "batch append");
    }
    assert_eq!(version, TOTAL, "{stream}: final version");
    let loaded = ok(store.load(&stream, 0).await, "load of the long stream");
    assert_eq!(loaded.len() as u64, TOTAL, "{stream}: event count");
    for (index, stored) in loaded.iter().enumerate() {
        let n = index as u64 + 1;
        assert_eq!(
            stored.version, n,
            "{stream}: versions must be 1..={TOTAL} in order"
        );
        assert_eq!(stored.payload, json!({"n": n}), "{stream} v{n}: payload");
        assert_eq!(stored.event_id, ids[index], "{stream} v{n}: event id");
    }
    let tail = ok(store.load(&stream, TOTAL - 10).await, "load of the last 10");
    let versions: Vec<u64> = tail.iter().map(|e| e.version).collect();
    assert_eq!(
        versions,
        ((TOTAL - 9)..=TOTAL).collect::<Vec<_>>(),
        "{stream}: tail"
    );
}

/// Strings that trip up encoders: every one must come back byte for byte.
fn tricky_strings() -> Vec<&'static str> {
    vec![
        "plain ascii",
        "emoji 😀 family 👩\u{200d}👩\u{200d}👧\u{200d}👦 flag 🏳\u{fe0f}\u{200d}🌈 skin 👍🏽",
        "العربية مرحبا بالعالم",
        "עברית שלום עולם",
        "mixed RTL \u{202e}override\u{202c} and LTR",
        "中文 漢字 日本語 かな カナ 한국어",
        "combining e\u{301} vs precomposed \u{e9}, a\u{30a}, n\u{303}",
        "zalgo z\u{357}\u{34f}a\u{35c}\u{31b}l\u{334}g\u{337}o",
        "\"double quotes\" and 'single quotes'",
        "back\\slash, \\\\double, trailing \\",
        "escaped-looking \\\" \\n \\u0041 literal",
        "control \n newline \t tab \r return \u{1} soh \u{1f} us \u{7f} del",
        "line separators \u{2028} \u{2029} and bom \u{feff}",
        "astral \u{10ffff} \u{1d11e} \u{1f600}",
        "{\"json\": \"inside a string\"}",
        "'); DROP TABLE events; --",
        "",
    ]
}

/// Unicode and escape-heavy payloads, metadata, event types and stream ids round-trip exactly.
pub async fn unicode_round_trips(store: Arc<dyn EventStore>) {
    let stream = StreamId::new("Ünïcødé 🚀", format!("id-✓-\"quoted\"-{}", Uuid::new_v4()));
    let strings = tricky_strings();
    let events: Vec<NewEvent> = strings
        .iter()
        .enumerate()
        .map(|(index, text)| {
            let mut keyed = serde_json::Map::new();
            keyed.insert((*text).to_owned(), json!(index));
            let mut new = event(
                &format!("Typed «{index}» 事件"),
                json!({"text": text, "list": [text, text], "keyed": keyed}),
            );
            new.metadata = json!({"note": text});
            new
        })
        .collect();
    ok(
        store.append(&stream, 0, events.clone()).await,
        "append of unicode events",
    );
    let loaded = ok(store.load(&stream, 0).await, "load of unicode events");
    assert_stream_holds(&loaded, &stream, &events);
    for (stored, text) in loaded.iter().zip(&strings) {
        let back = stored.payload["text"].as_str().unwrap_or_default();
        assert_eq!(
            back.as_bytes(),
            text.as_bytes(),
            "{stream} v{}: the string must round-trip byte for byte",
            stored.version
        );
        assert_eq!(
            serde_json::to_string(&stored.payload).ok(),
            serde_json::to_string(&events[stored.version as usize - 1].payload).ok(),
            "{stream} v{}: the payload must serialize identically",
            stored.version
        );
    }

    let snapshot = StoredState {
        version: loaded.len() as u64,
        state: json!({"all": strings}),
    };
    ok(
        store.save_snapshot(&stream, snapshot.clone()).await,
        "unicode snapshot",
    );
    assert_eq!(
        ok(store.load_snapshot(&stream).await, "load_snapshot"),
        Some(snapshot),
        "a unicode snapshot must round-trip exactly"
    );
}

/// 8 tasks × 200 successful single-event appends on ONE stream, each task appending at the
/// version it believes current and catching up after every conflict. Every failure must be a
/// conflict; afterwards the stream holds exactly 1600 events, versions 1..=1600, every event
/// once, and conflicts + successes = attempts.
pub async fn concurrent_appends_serialize(store: Arc<dyn EventStore>) {
    const TASKS: usize = 8;
    const PER_TASK: usize = 200;
    /// A task that needs this many attempts is not making progress: the store is broken.
    const MAX_ATTEMPTS: usize = 100_000;

    struct Outcome {
        attempts: usize,
        conflicts: usize,
        ids: Vec<Uuid>,
    }

    let stream = fresh_stream("Counter");
    let mut handles = Vec::new();
    for task in 0..TASKS {
        let store = Arc::clone(&store);
        let stream = stream.clone();
        handles.push(tokio::spawn(async move {
            let mut known = 0_u64;
            let mut outcome = Outcome {
                attempts: 0,
                conflicts: 0,
                ids: Vec::new(),
            };
            while outcome.ids.len() < PER_TASK {
                assert!(
                    outcome.attempts < MAX_ATTEMPTS,
                    "task {task}: no progress after {MAX_ATTEMPTS} attempts"
                );
                let new = event("Incremented", json!({"task": task, "seq": outcome.ids.len()}));
                outcome.attempts += 1;
                match store.append(&stream, known, vec![new.clone()]).await {
                    Ok(version) => {
                        assert_eq!(version, known + 1, "task {task}: append returned a wrong version");
                        known = version;
                        outcome.ids.push(new.event_id);
                    }
                    Err(error) if error.is_conflict() => {
                        outcome.conflicts += 1;
                        let tail = match store.load(&stream, known).await {
                            Ok(tail) => tail,
                            Err(error) => panic!("task {task}: catch-up load failed: {error}"),
                        };
                        for stored in &tail {
                            assert_eq!(
                                stored.version,
                                known + 1,
                                "task {task}: catch-up load after {known} skipped or repeated a version"
                            );
                            known = stored.version;
                        }
                    }
                    Err(error) => panic!(
                        "task {task}: append at {known} failed with a non-conflict error: {error} ({error:?})"
                    ),
                }
            }
            outcome
        }));
    }

    let mut attempts = 0;
    let mut conflicts = 0;
    let mut appended = Vec::new();
    for handle in handles {
        let outcome = match handle.await {
            Ok(outcome) => outcome,
            Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            Err(error) => panic!("an appending task did not finish: {error}"),
        };
        attempts += outcome.attempts;
        conflicts += outcome.conflicts;
        appended.extend(outcome.ids);
    }

    let total = TASKS * PER_TASK;
    assert_eq!(
        appended.len(),
        total,
        "every task must have made {PER_TASK} appends"
    );
    assert_eq!(
        conflicts + total,
        attempts,
        "every attempt is either a success or a reported conflict"
    );
    let loaded = ok(store.load(&stream, 0).await, "final load");
    assert_eq!(
        loaded.len(),
        total,
        "{stream}: exactly {total} events must be stored"
    );
    let mut seen = HashSet::new();
    let mut next_seq = [0_u64; TASKS];
    for (index, stored) in loaded.iter().enumerate() {
        assert_eq!(
            stored.version,
            index as u64 + 1,
            "{stream}: versions must be 1..={total} with no gap or duplicate"
        );
        assert!(
            seen.insert(stored.event_id),
            "{stream} v{}: event id {} stored twice",
            stored.version,
            stored.event_id
        );
        let task = stored.payload["task"].as_u64().unwrap_or(u64::MAX) as usize;
        let seq = stored.payload["seq"].as_u64();
        assert!(
            task < TASKS,
            "{stream} v{}: unexpected payload {}",
            stored.version,
            stored.payload
        );
        assert_eq!(
            seq,
            Some(next_seq[task]),
            "{stream} v{}: task {task}'s events must appear in the order it appended them",
            stored.version
        );
        next_seq[task] += 1;
    }
    let appended: HashSet<Uuid> = appended.into_iter().collect();
    assert_eq!(
        appended.len(),
        total,
        "the tasks reported duplicate event ids"
    );
    assert_eq!(
        seen, appended,
        "the stored events must be exactly the acknowledged ones"
    );
}

/// Insert at 0, update at the current version; a stale version and an insert over an existing
/// record are conflicts that change nothing.
pub async fn state_insert_update_and_conflicts(store: Arc<dyn StateStore>) {
    let key = fresh_stream("Profile");
    assert_eq!(
        ok(store.load_state(&key).await, "load of a missing record"),
        None
    );

    let first = json!({"name": "Ada", "tags": ["a", "b"], "note": "ünïcødé ✓ \"q\" \\"});
    assert_eq!(
        ok(
            store.save_state(&key, 0, first.clone(), vec![]).await,
            "insert at 0"
        ),
        1
    );
    assert_eq!(
        ok(store.load_state(&key).await, "load"),
        Some(StoredState {
            version: 1,
            state: first.clone()
        }),
        "an inserted record loads at version 1 with its exact state"
    );

    assert_conflict(
        store
            .save_state(&key, 0, json!({"name": "Impostor"}), vec![])
            .await,
        &key,
        "insert at 0 over an existing record",
    );
    let second = json!({"name": "Ada Lovelace"});
    assert_eq!(
        ok(
            store.save_state(&key, 1, second.clone(), vec![]).await,
            "update at 1"
        ),
        2
    );
    assert_conflict(
        store
            .save_state(&key, 1, json!({"name": "stale"}), vec![])
            .await,
        &key,
        "update at stale version 1 (record at 2)",
    );
    assert_conflict(
        store
            .save_state(&key, 3, json!({"name": "ahead"}), vec![])
            .await,
        &key,
        "update at version 3, ahead of the record (at 2)",
    );
    assert_conflict(
        store
            .save_state(&key, u64::MAX, json!({"name": "far ahead"}), vec![])
            .await,
        &key,
        "update at u64::MAX",
    );
    assert_eq!(
        ok(store.load_state(&key).await, "load"),
        Some(StoredState {
            version: 2,
            state: second
        }),
        "refused saves must change nothing"
    );

    let missing = fresh_stream("Profile");
    assert_conflict(
        store.save_state(&missing, 1, json!({}), vec![]).await,
        &missing,
        "update at 1 of a missing record",
    );
    assert_eq!(
        ok(store.load_state(&missing).await, "load"),
        None,
        "a refused update must not create the record"
    );
}

/// 8 tasks race read-modify-write updates on one record until each has 25 successes; every
/// failure must be a conflict and the final version equals the number of successes.
pub async fn state_concurrent_updates(store: Arc<dyn StateStore>) {
    const TASKS: usize = 8;
    const PER_TASK: u64 = 25;
    const MAX_ATTEMPTS: u64 = 100_000;
    let key = fresh_stream("Counter");
    let mut handles = Vec::new();
    for task in 0..TASKS {
        let store = Arc::clone(&store);
        let key = key.clone();
        handles.push(tokio::spawn(async move {
            let (mut successes, mut attempts) = (0_u64, 0_u64);
            while successes < PER_TASK {
                assert!(attempts < MAX_ATTEMPTS, "task {task}: no progress");
                attempts += 1;
                let current = match store.load_state(&key).await {
                    Ok(current) => current,
                    Err(error) => panic!("task {task}: load_state failed: {error}"),
                };
                let (version, count) = current.map_or((0, 0), |record| {
                    (record.version, record.state["count"].as_u64().unwrap_or(u64::MAX))
                });
                let next = json!({"count": count.wrapping_add(1), "by": task});
                match store.save_state(&key, version, next, vec![]).await {
                    Ok(new_version) => {
                        assert_eq!(new_version, version + 1, "task {task}: wrong new version");
                        successes += 1;
                    }
                    Err(error) if error.is_conflict() => {}
                    Err(error) => panic!(
                        "task {task}: save_state at {version} failed with a non-conflict error: {error}"
                    ),
                }
            }
            successes
        }));
    }
    let mut successes = 0;
    for handle in handles {
        successes += match handle.await {
            Ok(successes) => successes,
            Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            Err(error) => panic!("an updating task did not finish: {error}"),
        };
    }
    let record = ok(store.load_state(&key).await, "final load")
        .unwrap_or_else(|| panic!("{key}: the record vanished"));
    assert_eq!(
        record.version, successes,
        "{key}: version must equal the number of successes"
    );
    assert_eq!(
        record.state["count"].as_u64(),
        Some(successes),
        "{key}: no update may be lost"
    );
}

/// Claim, then claim again (in progress), complete, claim (completed with the reply); release
/// frees a running key but never forgets a completed one.
pub async fn idempotency_claim_lifecycle(store: Arc<dyn IdempotencyStore>) {
    let key = format!("cmd-{}", Uuid::new_v4());
    assert_eq!(ok(store.claim(&key).await, "first claim"), Claim::Acquired);
    assert_eq!(
        ok(store.claim(&key).await, "second claim"),
        Claim::InProgress
    );
    let reply = json!({"status": 201, "body": {"id": 7, "note": "créé ✓ \"ok\""}});
    ok(store.complete(&key, reply.clone()).await, "complete");
    assert_eq!(
        ok(store.claim(&key).await, "claim after completion"),
        Claim::Completed(reply.clone()),
        "a completed key returns its stored reply"
    );
    ok(store.release(&key).await, "release of a completed key");
    assert_eq!(
        ok(
            store.claim(&key).await,
            "claim after releasing a completed key"
        ),
        Claim::Completed(reply),
        "release must not forget a completed reply"
    );

    let failed = format!("cmd-{}", Uuid::new_v4());
    assert_eq!(ok(store.claim(&failed).await, "claim"), Claim::Acquired);
    ok(store.release(&failed).await, "release");
    assert_eq!(
        ok(store.claim(&failed).await, "claim after release"),
        Claim::Acquired,
        "a released key can be claimed again"
    );
    ok(
        store.complete(&failed, Value::Null).await,
        "complete with a null reply",
    );
    assert_eq!(
        ok(store.claim(&failed).await, "claim"),
        Claim::Completed(Value::Null),
        "a null reply is a reply"
    );

    let never = format!("cmd-{}", Uuid::new_v4());
    ok(store.release(&never).await, "release of an unknown key");
    assert_eq!(ok(store.claim(&never).await, "claim"), Claim::Acquired);
}

/// 8 tasks claim the same key at once: exactly one acquires it.
pub async fn idempotency_concurrent_claims(store: Arc<dyn IdempotencyStore>) {
    const TASKS: usize = 8;
    let key = format!("cmd-{}", Uuid::new_v4());
    let handles: Vec<_> = (0..TASKS)
        .map(|_| {
            let store = Arc::clone(&store);
            let key = key.clone();
            tokio::spawn(async move { store.claim(&key).await })
        })
        .collect();
    let mut acquired = 0;
    for handle in handles {
        match handle.await {
            Ok(Ok(Claim::Acquired)) => acquired += 1,
            Ok(Ok(Claim::InProgress)) => {}
            Ok(Ok(other)) => panic!("{key}: unexpected claim {other:?}"),
            Ok(Err(error)) => panic!("{key}: claim failed: {error}"),
            Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            Err(error) => panic!("a claiming task did not finish: {error}"),
        }
    }
    assert_eq!(
        acquired, 1,
        "{key}: exactly one of {TASKS} concurrent claims may acquire"
    );
}

/// A read model for the cases below: one row per stream with the number of events it saw and
/// the `kind` of the last one; a `Closed` event removes the row, a `Poison` event makes the
/// projection fail. Its name is unique per case, its version given.
struct Tally {
    name: &'static str,
    version: &'static str,
    aggregate_type: String,
}

impl Tally {
    fn new(aggregate_type: &str, version: &'static str) -> Arc<Self> {
        let name = format!("tally_{}", &Uuid::new_v4().simple().to_string()[..12]);
        Arc::new(Self {
            name: Box::leak(name.into_boxed_str()),
            version,
            aggregate_type: aggregate_type.to_owned(),
        })
    }
}

impl Projection for Tally {
    fn name(&self) -> &'static str {
        self.name
    }

    fn version(&self) -> &'static str {
        self.version
    }

    fn filters(&self) -> &'static [&'static str] {
        &["kind"]
    }

    fn key(&self, event: &StoredEvent) -> crate::Result<Option<String>> {
        Ok((event.stream.aggregate_type == self.aggregate_type)
            .then(|| event.stream.aggregate_id.clone()))
    }

    fn apply(&self, row: Option<Value>, event: &StoredEvent) -> crate::Result<RowChange> {
        match event.event_type.as_str() {
            "Closed" => Ok(RowChange::Remove),
            "Poison" => Err(Error::domain("the projection refuses poison")),
            _ => {
                let count = row
                    .as_ref()
                    .and_then(|row| row["count"].as_u64())
                    .unwrap_or(0);
                Ok(RowChange::Put(json!({
                    "stream": event.stream.aggregate_id,
                    "count": count + 1,
                    "kind": event.payload["kind"],
                    "last_version": event.version,
                })))
            }
        }
    }
}

/// An event of the given kind, for the tally.
fn kind(kind: &str) -> NewEvent {
    event("Happened", json!({"kind": kind}))
}

/// The tally row of `stream`.
async fn tally_row(store: &dyn JournalStore, tally: &Tally, stream: &StreamId) -> Option<Value> {
    ok(
        store.get_row(tally.name, &stream.aggregate_id).await,
        "get_row of the tally",
    )
}

/// The events of `streams` in the journal, in position order.
async fn journal_of(store: &dyn JournalStore, streams: &[StreamId]) -> Vec<StoredEvent> {
    let mut events = Vec::new();
    let mut after = 0;
    loop {
        let page = ok(store.read_all(after, 7).await, "read_all");
        let Some(last) = page.last() else {
            return events;
        };
        after = last.position;
        events.extend(
            page.into_iter()
                .filter(|event| streams.contains(&event.stream)),
        );
    }
}

/// A state save journals its events in the record's own stream (versions 1, 2, 3…), readable
/// with `load` and `read_all`; a refused save journals nothing.
pub async fn state_saves_journal_their_events(store: Arc<dyn JournalStore>) {
    let key = fresh_stream("Profile");
    let first = vec![kind("a"), kind("b")];
    ok(
        store
            .save_state(&key, 0, json!({"n": 2}), first.clone())
            .await,
        "insert with two events",
    );
    assert_conflict(
        store
            .save_state(&key, 0, json!({"n": 9}), vec![kind("lost")])
            .await,
        &key,
        "a second insert",
    );
    let second = vec![kind("c")];
    ok(
        store
            .save_state(&key, 1, json!({"n": 3}), second.clone())
            .await,
        "update with one event",
    );
    assert_conflict(
        store
            .save_state(&key, 1, json!({"n": 9}), vec![kind("lost")])
            .await,
        &key,
        "a stale update",
    );
    ok(
        store.save_state(&key, 2, json!({"n": 3}), vec![]).await,
        "update without events",
    );
    let expected: Vec<NewEvent> = first.into_iter().chain(second).collect();
    let loaded = ok(store.load(&key, 0).await, "load of the record's stream");
    assert_stream_holds(&loaded, &key, &expected);
    let journal = journal_of(&*store, std::slice::from_ref(&key)).await;
    assert_stream_holds(&journal, &key, &expected);
    assert_eq!(
        ok(store.load_state(&key).await, "load_state").map(|record| record.version),
        Some(3),
        "the record moved once per save"
    );
}

/// `read_all` returns every stream's events in commit order with increasing positions, the
/// same whatever the page size.
pub async fn read_all_pages_in_commit_order(store: Arc<dyn JournalStore>) {
    let streams = [
        fresh_stream("Account"),
        fresh_stream("Order"),
        fresh_stream("Account"),
    ];
    let mut committed = Vec::new();
    let mut versions = [0_u64; 3];
    for round in 0..5_u64 {
        for (index, stream) in streams.iter().enumerate() {
            let batch: Vec<NewEvent> = (0..=(round + index as u64) % 3)
                .map(|n| event("Numbered", json!({"round": round, "n": n})))
                .collect();
            committed.extend(batch.iter().map(|event| event.event_id));
            versions[index] = ok(store.append(stream, versions[index], batch).await, "append");
        }
    }
    let journal = journal_of(&*store, &streams).await;
    let ids: Vec<Uuid> = journal.iter().map(|event| event.event_id).collect();
    assert_eq!(
        ids, committed,
        "the journal must hold the events in commit order"
    );
    assert!(
        journal
            .windows(2)
            .all(|pair| pair[0].position < pair[1].position),
        "positions must increase"
    );
    assert!(
        journal.iter().all(|event| event.position > 0),
        "positions start at 1"
    );
    let first = journal[0].position;
    let rest = ok(
        store.read_all(first, usize::MAX).await,
        "read_all with no limit",
    );
    assert!(
        rest.iter().all(|event| event.position > first),
        "read_all returns only events after the given position"
    );
    assert!(
        ok(store.read_all(u64::MAX, 10).await, "read_all past the end").is_empty(),
        "nothing comes after the last position"
    );
}

/// Appends and state saves update the rows in the same write: counts, the last kind, removal,
/// and lists with filters, totals and pages.
pub async fn projections_follow_writes(store: Arc<dyn JournalStore>) {
    let tally = Tally::new(&format!("T{}", Uuid::new_v4().simple()), "1");
    ok(store.install(vec![tally.clone()]).await, "install");
    let streams: Vec<StreamId> = (0..5)
        .map(|_| fresh_stream(&tally.aggregate_type))
        .collect();
    for (index, stream) in streams.iter().enumerate() {
        let kinds: Vec<NewEvent> = (0..=index)
            .map(|n| kind(if n % 2 == 0 { "even" } else { "odd" }))
            .collect();
        ok(store.append(stream, 0, kinds).await, "append");
    }
    for (index, stream) in streams.iter().enumerate() {
        let row = tally_row(&*store, &tally, stream)
            .await
            .unwrap_or_else(|| panic!("{stream}: no row after its append"));
        assert_eq!(
            row["count"],
            json!(index + 1),
            "{stream}: one count per event"
        );
    }
    let record = StreamId::new(tally.aggregate_type.clone(), Uuid::new_v4());
    ok(
        store
            .save_state(&record, 0, json!({}), vec![kind("even"), kind("even")])
            .await,
        "state save",
    );
    assert_eq!(
        tally_row(&*store, &tally, &record)
            .await
            .map(|row| row["count"].clone()),
        Some(json!(2)),
        "a state save's events update the read model too"
    );

    // Rows of other read models or unknown aggregates are left alone.
    let other = fresh_stream("Unrelated");
    ok(
        store.append(&other, 0, vec![kind("odd")]).await,
        "append elsewhere",
    );
    assert_eq!(tally_row(&*store, &tally, &other).await, None);

    let evens = ok(
        store
            .list_rows(
                tally.name,
                &ListQuery::page(1, 100).filter("kind", json!("even")),
            )
            .await,
        "list of even rows",
    );
    // Streams 0, 2 and 4 ended on an even event, and so did the record.
    assert_eq!(
        evens.total, 4,
        "the total counts every matching row: {evens:?}"
    );
    assert_eq!(evens.rows.len(), 4);
    let keys: Vec<&str> = evens
        .rows
        .iter()
        .filter_map(|row| row["stream"].as_str())
        .collect();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    assert_eq!(keys, sorted, "rows come in key order");
    let page = ok(
        store.list_rows(tally.name, &ListQuery::page(2, 2)).await,
        "second page of two",
    );
    assert_eq!(page.total, 6, "six rows in all");
    assert_eq!(page.rows.len(), 2, "a page holds at most its size");
    let beyond = ok(
        store.list_rows(tally.name, &ListQuery::page(9, 2)).await,
        "a page past the end",
    );
    assert!(beyond.rows.is_empty());
    assert_eq!(beyond.total, 6);
    let none = ok(
        store
            .list_rows(
                tally.name,
                &ListQuery::page(1, 10).filter("kind", json!("neither")),
            )
            .await,
        "a filter nothing matches",
    );
    assert_eq!((none.total, none.rows.len()), (0, 0));

    ok(
        store
            .append(&streams[0], 1, vec![event("Closed", json!({}))])
            .await,
        "close",
    );
    assert_eq!(
        tally_row(&*store, &tally, &streams[0]).await,
        None,
        "Closed removes the row"
    );
    assert!(
        store.get_row("not_installed", "x").await.is_err(),
        "a read model that is not installed is an error, not an empty answer"
    );
}

/// A conflicting write and a write whose projection fails change neither the journal nor the
/// rows.
pub async fn failed_writes_change_no_row(store: Arc<dyn JournalStore>) {
    let tally = Tally::new(&format!("T{}", Uuid::new_v4().simple()), "1");
    ok(store.install(vec![tally.clone()]).await, "install");
    let stream = fresh_stream(&tally.aggregate_type);
    ok(store.append(&stream, 0, vec![kind("a")]).await, "append");
    assert_conflict(
        store.append(&stream, 0, vec![kind("b")]).await,
        &stream,
        "a stale append",
    );
    assert!(
        store
            .append(&stream, 1, vec![kind("c"), event("Poison", json!({}))])
            .await
            .is_err(),
        "an append whose projection fails must fail"
    );
    let record = StreamId::new(tally.aggregate_type.clone(), Uuid::new_v4());
    assert!(
        store
            .save_state(&record, 0, json!({}), vec![event("Poison", json!({}))])
            .await
            .is_err(),
        "a state save whose projection fails must fail"
    );
    assert_eq!(
        ok(store.load_state(&record).await, "load_state"),
        None,
        "a state save whose projection failed must not be stored"
    );
    let row = tally_row(&*store, &tally, &stream).await;
    assert_eq!(
        row.map(|row| (row["count"].clone(), row["kind"].clone())),
        Some((json!(1), json!("a"))),
        "the row must be as the one successful append left it"
    );
    assert_eq!(
        ok(store.load(&stream, 0).await, "load").len(),
        1,
        "failed appends must store nothing"
    );
}

/// Installing a read model over an existing journal builds it from the journal; installing it
/// again at the same version does nothing; a new version rebuilds it; `rebuild` arrives at the
/// same rows.
pub async fn install_rebuilds_new_and_changed_read_models(store: Arc<dyn JournalStore>) {
    let aggregate_type = format!("T{}", Uuid::new_v4().simple());
    let streams: Vec<StreamId> = (0..3).map(|_| fresh_stream(&aggregate_type)).collect();
    for (index, stream) in streams.iter().enumerate() {
        ok(
            store
                .append(stream, 0, (0..=index).map(|_| kind("k")).collect())
                .await,
            "append",
        );
    }
    let tally = Tally::new(&aggregate_type, "1");
    let report = ok(store.install(vec![tally.clone()]).await, "first install");
    assert_eq!(
        report.rebuilt,
        vec![tally.name.to_owned()],
        "a new read model is built"
    );
    assert!(report.replayed >= 6, "the history was replayed: {report:?}");
    for (index, stream) in streams.iter().enumerate() {
        assert_eq!(
            tally_row(&*store, &tally, stream)
                .await
                .map(|row| row["count"].clone()),
            Some(json!(index + 1)),
            "{stream}: built from its history"
        );
    }
    let again = ok(store.install(vec![tally.clone()]).await, "second install");
    assert!(
        again.rebuilt.is_empty(),
        "an unchanged read model is kept: {again:?}"
    );

    let changed = Arc::new(Tally {
        name: tally.name,
        version: "2",
        aggregate_type: aggregate_type.clone(),
    });
    ok(
        store.append(&streams[0], 1, vec![kind("late")]).await,
        "append",
    );
    let report = ok(
        store.install(vec![changed.clone()]).await,
        "install of version 2",
    );
    assert_eq!(
        report.rebuilt,
        vec![tally.name.to_owned()],
        "a new version is rebuilt"
    );
    let before: Vec<Option<Value>> = {
        let mut rows = Vec::new();
        for stream in &streams {
            rows.push(tally_row(&*store, &changed, stream).await);
        }
        rows
    };
    assert_eq!(
        before[0].as_ref().map(|row| row["count"].clone()),
        Some(json!(2))
    );
    ok(store.rebuild().await, "rebuild");
    for (stream, row) in streams.iter().zip(before) {
        assert_eq!(
            tally_row(&*store, &changed, stream).await,
            row,
            "{stream}: rebuild changed the row"
        );
    }
}

/// 8 tasks append to streams of their own, every event also counted in one shared row of a
/// second read model: no count is lost, and a rebuild from the journal gives the same rows.
pub async fn concurrent_writes_to_one_row_match_a_replay(store: Arc<dyn JournalStore>) {
    struct Total {
        name: &'static str,
        aggregate_type: String,
    }
    impl Projection for Total {
        fn name(&self) -> &'static str {
            self.name
        }
        fn version(&self) -> &'static str {
            "1"
        }
        fn key(&self, event: &StoredEvent) -> crate::Result<Option<String>> {
            Ok((event.stream.aggregate_type == self.aggregate_type).then(|| "all".to_owned()))
        }
        fn apply(&self, row: Option<Value>, event: &StoredEvent) -> crate::Result<RowChange> {
            let count = row
                .as_ref()
                .and_then(|row| row["count"].as_u64())
                .unwrap_or(0);
            Ok(RowChange::Put(json!({
                "count": count + 1,
                "last": event.payload["task"],
            })))
        }
    }
    const TASKS: u64 = 8;
    const PER_TASK: u64 = 20;
    let aggregate_type = format!("T{}", Uuid::new_v4().simple());
    let tally = Tally::new(&aggregate_type, "1");
    let total_name = format!("total_{}", &Uuid::new_v4().simple().to_string()[..12]);
    let total = Arc::new(Total {
        name: Box::leak(total_name.into_boxed_str()),
        aggregate_type: aggregate_type.clone(),
    });
    ok(
        store.install(vec![tally.clone(), total.clone()]).await,
        "install",
    );
    let mut handles = Vec::new();
    for task in 0..TASKS {
        let store = Arc::clone(&store);
        let stream = fresh_stream(&aggregate_type);
        handles.push(tokio::spawn(async move {
            for version in 0..PER_TASK {
                let event = event("Happened", json!({"kind": "k", "task": task}));
                let mut attempts = 0;
                loop {
                    attempts += 1;
                    match store.append(&stream, version, vec![event.clone()]).await {
                        Ok(_) => break,
                        // A busy database may refuse with a conflict; the version is ours alone.
                        Err(error) if error.is_conflict() && attempts < 100 => {}
                        Err(error) => panic!("task {task}: append failed: {error}"),
                    }
                }
            }
            stream
        }));
    }
    let mut streams = Vec::new();
    for handle in handles {
        streams.push(match handle.await {
            Ok(stream) => stream,
            Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            Err(error) => panic!("an appending task did not finish: {error}"),
        });
    }
    let shared = ok(
        store.get_row(total.name, "all").await,
        "get_row of the total",
    );
    assert_eq!(
        shared.as_ref().map(|row| row["count"].clone()),
        Some(json!(TASKS * PER_TASK)),
        "no concurrent update of the shared row may be lost"
    );
    let mut live = Vec::new();
    for stream in &streams {
        live.push(tally_row(&*store, &tally, stream).await);
    }
    ok(store.rebuild().await, "rebuild");
    assert_eq!(
        ok(
            store.get_row(total.name, "all").await,
            "get_row after the rebuild"
        ),
        shared,
        "the replay must end where the live writes ended, last writer included"
    );
    for (stream, row) in streams.iter().zip(live) {
        assert_eq!(
            tally_row(&*store, &tally, stream).await,
            row,
            "{stream}: replay differs"
        );
    }
}

/// Integration events wait in the outbox from the transaction that records them, in commit
/// order, with their subjects, until they are marked published; other events never enter
/// it, and a refused write leaves nothing there.
pub async fn integration_events_wait_in_the_outbox(store: Arc<dyn OutboxStore>) {
    let aggregate_type = format!("T{}", Uuid::new_v4().simple());
    ok(
        store
            .install_outbox(vec![super::OutboxRoute::new(
                aggregate_type.clone(),
                "Left",
                "test.Left",
            )])
            .await,
        "install_outbox",
    );
    let stream = fresh_stream(&aggregate_type);
    let record = StreamId::new(aggregate_type.clone(), Uuid::new_v4());
    let first = event("Left", json!({"n": 1}));
    let second = event("Left", json!({"n": 2}));
    ok(
        store
            .append(&stream, 0, vec![event("Stayed", json!({})), first.clone()])
            .await,
        "append",
    );
    assert_conflict(
        store
            .append(&stream, 0, vec![event("Left", json!({"n": 0}))])
            .await,
        &stream,
        "a stale append",
    );
    ok(
        store
            .save_state(&record, 0, json!({}), vec![second.clone()])
            .await,
        "state save",
    );
    let ours = |messages: Vec<super::OutboxMessage>| -> Vec<super::OutboxMessage> {
        messages
            .into_iter()
            .filter(|m| m.event.stream.aggregate_type == aggregate_type)
            .collect()
    };
    let pending = ours(ok(store.pending(100).await, "pending"));
    let ids: Vec<Uuid> = pending.iter().map(|m| m.event.event_id).collect();
    assert_eq!(
        ids,
        vec![first.event_id, second.event_id],
        "the integration events, in commit order, and nothing else"
    );
    assert!(pending.iter().all(|m| m.subject == "test.Left"));
    assert_eq!(
        pending[0].event.payload,
        json!({"n": 1}),
        "the stored event comes whole"
    );
    assert!(pending[0].event.position > 0);
    assert_eq!(
        ok(store.pending(1).await, "pending(1)").len(),
        1,
        "the limit holds"
    );
    ok(
        store
            .mark_published(&[first.event_id, Uuid::new_v4()])
            .await,
        "mark_published",
    );
    let pending = ours(ok(store.pending(100).await, "pending"));
    let ids: Vec<Uuid> = pending.iter().map(|m| m.event.event_id).collect();
    assert_eq!(
        ids,
        vec![second.event_id],
        "a published message leaves the outbox"
    );
    ok(
        store.mark_published(&[second.event_id]).await,
        "mark_published",
    );
    ok(store.mark_published(&[second.event_id]).await, "again");
    assert!(ours(ok(store.pending(100).await, "pending")).is_empty());
}
