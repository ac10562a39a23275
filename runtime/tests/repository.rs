//! Repositories: apply-once, intent, snapshots, and decode errors.
#![allow(missing_docs)]

mod support;

use std::num::NonZeroU64;
use std::sync::Arc;

use seedwork::{
    AggregateCommand, Error, ErrorKind, EventSourced, EventStore, InMemoryStore, Metadata,
    NewEvent, Repository, StateStore, StateStored, StoredState, StreamId,
};
use support::{add, open, Tally, TallyEvent};

fn meta() -> Metadata {
    Metadata::new()
}

async fn run<R: Repository<Tally> + ?Sized>(
    repo: &R,
    command: impl AggregateCommand<Aggregate = Tally>,
) -> seedwork::Result<u64> {
    let outcome = repo
        .execute(command.aggregate_id(), command.into_command(), &meta())
        .await?;
    Ok(outcome.version)
}

#[tokio::test]
async fn each_new_event_is_applied_exactly_once() {
    let state_store = Arc::new(InMemoryStore::default());
    let repo = StateStored::<Tally>::new(state_store, ());
    run(&repo, open("t")).await.unwrap();
    let mut twice = add("t", 5);
    twice.twice = true;
    run(&repo, twice).await.unwrap();
    let loaded = repo.load(&"t".to_string()).await.unwrap().unwrap();
    assert_eq!(loaded.state.applied, 3, "three events, three applies");
    assert_eq!(loaded.state.total, 10);
    assert_eq!(
        loaded.version, 2,
        "state-stored moves one version per command"
    );
}

#[tokio::test]
async fn outcome_carries_id_version_and_enveloped_events() {
    let repo = EventSourced::<Tally>::new(Arc::new(InMemoryStore::default()), ());
    let first = repo
        .execute("a".into(), open("a").into_command(), &meta())
        .await
        .unwrap();
    assert_eq!(first.aggregate_id, "a");
    assert_eq!(first.version, 1);
    let mut twice = add("a", 2);
    twice.twice = true;
    let metadata = meta();
    let second = repo
        .execute("a".into(), twice.into_command(), &metadata)
        .await
        .unwrap();
    assert_eq!(second.version, 3);
    let versions: Vec<u64> = second.events.iter().map(|e| e.version).collect();
    assert_eq!(versions, [2, 3]);
    assert!(second
        .events
        .iter()
        .all(|e| e.metadata == metadata && e.aggregate_type == "Tally"));
    let stored = repo
        .store()
        .load(&StreamId::new("Tally", "a"), 1)
        .await
        .unwrap();
    let ids: Vec<_> = stored.iter().map(|e| e.event_id).collect();
    let envelope_ids: Vec<_> = second.events.iter().map(|e| e.event_id).collect();
    assert_eq!(
        ids, envelope_ids,
        "envelopes and stored rows share event ids"
    );
}

#[tokio::test]
async fn creating_twice_is_a_conflict_and_acting_on_nothing_is_not_found() {
    let repo = EventSourced::<Tally>::new(Arc::new(InMemoryStore::default()), ());
    run(&repo, open("x")).await.unwrap();
    assert_eq!(
        run(&repo, open("x")).await.unwrap_err().kind(),
        ErrorKind::Conflict
    );
    let missing = run(&repo, add("nobody", 1)).await.unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    assert_eq!(missing.to_string(), "Tally nobody not found");
}

#[tokio::test]
async fn refused_commands_write_nothing() {
    let store = Arc::new(InMemoryStore::default());
    let repo = EventSourced::<Tally>::new(store.clone(), ());
    run(&repo, open("r")).await.unwrap();
    let refused = run(&repo, add("r", 2_000_000)).await.unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::Domain);
    assert_eq!(
        store
            .load(&StreamId::new("Tally", "r"), 0)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn snapshot_plus_tail_equals_full_replay() {
    let store = Arc::new(InMemoryStore::default());
    let every = NonZeroU64::new(10).unwrap();
    let with_snapshots = EventSourced::<Tally>::new(store.clone(), ()).with_snapshots(every);
    let without = EventSourced::<Tally>::new(store.clone(), ());
    run(&with_snapshots, open("s")).await.unwrap();
    for n in 1..=25 {
        run(&with_snapshots, add("s", n)).await.unwrap();
    }
    let stream = StreamId::new("Tally", "s");
    let snapshot = store
        .load_snapshot(&stream)
        .await
        .unwrap()
        .expect("a snapshot was taken");
    assert_eq!(
        snapshot.version, 20,
        "snapshots at each multiple of 10 events"
    );

    let from_snapshot = with_snapshots.load(&"s".into()).await.unwrap().unwrap();
    let replayed = without.load(&"s".into()).await.unwrap().unwrap();
    assert_eq!(from_snapshot.version, replayed.version);
    assert_eq!(from_snapshot.state.total, replayed.state.total);
    assert_eq!(replayed.state.total, (1..=25).sum::<i64>());
    // The snapshot path applied only the tail on top of the snapshot's own count.
    assert_eq!(replayed.state.applied, 26);
}

#[tokio::test]
async fn an_undecodable_snapshot_falls_back_to_full_replay() {
    let store = Arc::new(InMemoryStore::default());
    let repo =
        EventSourced::<Tally>::new(store.clone(), ()).with_snapshots(NonZeroU64::new(2).unwrap());
    run(&repo, open("u")).await.unwrap();
    run(&repo, add("u", 7)).await.unwrap();
    let stream = StreamId::new("Tally", "u");
    store
        .save_snapshot(
            &stream,
            StoredState {
                version: 99,
                state: serde_json::json!({"shape": "from an older release"}),
            },
        )
        .await
        .unwrap();
    let loaded = repo.load(&"u".into()).await.unwrap().unwrap();
    assert_eq!(loaded.version, 2);
    assert_eq!(loaded.state.total, 7);
}

#[tokio::test]
async fn a_corrupted_event_is_a_decode_error_naming_stream_and_version() {
    let store = Arc::new(InMemoryStore::default());
    let repo = EventSourced::<Tally>::new(store.clone(), ());
    run(&repo, open("c")).await.unwrap();
    let stream = StreamId::new("Tally", "c");
    let bogus = NewEvent {
        event_id: uuid::Uuid::new_v4(),
        event_type: "AmountAdded".into(),
        schema_version: 1,
        payload: serde_json::json!({"Added": {"amount": "seven"}}),
        metadata: serde_json::json!({}),
    };
    store.append(&stream, 1, vec![bogus]).await.unwrap();
    let error = repo.load(&"c".into()).await.unwrap_err();
    assert!(
        matches!(error, Error::Decode { version: 2, .. }),
        "{error:?}"
    );
    assert_eq!(error.kind(), ErrorKind::Infrastructure);
    assert!(error.to_string().contains("Tally-c version 2"), "{error}");
    assert_eq!(error.status(), 500);
}

#[tokio::test]
async fn a_stale_state_save_is_a_conflict() {
    let store = Arc::new(InMemoryStore::default());
    let key = StreamId::new("Tally", "z");
    assert_eq!(
        store
            .save_state(&key, 0, serde_json::json!({}), vec![])
            .await
            .unwrap(),
        1
    );
    let stale = store
        .save_state(&key, 0, serde_json::json!({}), vec![])
        .await
        .unwrap_err();
    assert!(stale.is_conflict());
}

#[tokio::test]
async fn given_when_then_for_both_styles() {
    use seedwork::testkit::AggregateTest;
    for test in [
        AggregateTest::<Tally>::event_sourced("g".into(), ()),
        AggregateTest::<Tally>::state_stored("g".into(), ()),
    ] {
        test.given([
            TallyEvent::Opened {
                owner: "ann".into(),
            },
            TallyEvent::Added { amount: 3 },
        ])
        .await
        .when(add("g", 4).into_command())
        .await
        .then_events([TallyEvent::Added { amount: 4 }])
        .then_state(|tally| assert_eq!(tally.total, 7));
    }
    AggregateTest::<Tally>::event_sourced("g".into(), ())
        .when(add("g", 4).into_command())
        .await
        .then_error(ErrorKind::NotFound);
}

/// A caller that names the version it last saw (`If-Match`) gets a conflict when the
/// aggregate has moved on, in both persistence styles; the right version is accepted, and an
/// unknown aggregate is still "not found".
#[tokio::test]
async fn an_expected_version_other_than_the_current_one_is_a_conflict() {
    let store = Arc::new(InMemoryStore::default());
    let repositories: [Arc<dyn Repository<Tally>>; 2] = [
        Arc::new(EventSourced::<Tally>::new(store.clone(), ())),
        Arc::new(StateStored::<Tally>::new(store, ())),
    ];
    for (index, repo) in repositories.iter().enumerate() {
        let id = format!("expected-{index}");
        run(&**repo, open(&id)).await.unwrap();
        let at = |version| Metadata::new().with_expected_version(version);
        let stale = repo
            .execute(id.clone(), add(&id, 1).into_command(), &at(7))
            .await
            .unwrap_err();
        assert_eq!(stale.kind(), ErrorKind::Conflict, "{stale}");
        assert!(
            stale.to_string().contains("expected version 7, found 1"),
            "{stale}"
        );
        let accepted = repo
            .execute(id.clone(), add(&id, 1).into_command(), &at(1))
            .await
            .unwrap();
        assert_eq!(accepted.version, 2);
        let missing = repo
            .execute("nobody".into(), add("nobody", 1).into_command(), &at(3))
            .await
            .unwrap_err();
        assert_eq!(missing.kind(), ErrorKind::NotFound, "{missing}");
    }
}

/// A state-stored aggregate's events are journaled with its state: the event log replays to
/// the same state, and read models can follow it.
#[tokio::test]
async fn state_stored_aggregates_journal_their_events() {
    let store = Arc::new(InMemoryStore::default());
    let repo = StateStored::<Tally>::new(store.clone(), ());
    run(&repo, open("j")).await.unwrap();
    let mut twice = add("j", 4);
    twice.twice = true;
    run(&repo, twice).await.unwrap();
    let journal = store
        .load(&StreamId::new("Tally", "j"), 0)
        .await
        .expect("the journal of the record");
    let types: Vec<&str> = journal.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(types.len(), 3, "every event is journaled: {types:?}");
    let versions: Vec<u64> = journal.iter().map(|e| e.version).collect();
    assert_eq!(versions, [1, 2, 3]);
}

/// Two repositories over one store stand for two instances of a service: each keeps the
/// states it rebuilt, and each catches up with what the other recorded before deciding, so
/// neither decides on a stale state.
#[tokio::test]
async fn cached_states_catch_up_with_other_writers() {
    let store = Arc::new(InMemoryStore::default());
    let one = EventSourced::<Tally>::new(store.clone(), ());
    let other = EventSourced::<Tally>::new(store.clone(), ());
    run(&one, open("shared")).await.unwrap();
    run(&one, add("shared", 1)).await.unwrap();
    run(&other, add("shared", 10)).await.unwrap();
    assert_eq!(run(&one, add("shared", 100)).await.unwrap(), 4);
    let loaded = one.load(&"shared".to_string()).await.unwrap().unwrap();
    assert_eq!(loaded.state.total, 111, "every writer's events count");
    // A refused command leaves the cached state as it was.
    assert!(run(&one, add("shared", 1_000_000)).await.is_err());
    assert_eq!(run(&one, add("shared", 1)).await.unwrap(), 5);
    one.forget_states();
    assert_eq!(run(&one, add("shared", 1)).await.unwrap(), 6);
    let events = store
        .load(&StreamId::new("Tally", "shared"), 0)
        .await
        .unwrap();
    assert_eq!(events.len(), 6);
}

/// A store that lets another writer in just before the next append, as a second instance
/// would, and records from which version each load started.
#[derive(Default)]
struct RacingStore {
    inner: InMemoryStore,
    sneak_in: std::sync::Mutex<Option<NewEvent>>,
    loads_after: std::sync::Mutex<Vec<u64>>,
}

#[async_trait::async_trait]
impl EventStore for RacingStore {
    async fn append(
        &self,
        stream: &StreamId,
        expected_version: u64,
        events: Vec<NewEvent>,
    ) -> seedwork::Result<u64> {
        let sneak_in = self.sneak_in.lock().expect("not poisoned").take();
        if let Some(event) = sneak_in {
            self.inner
                .append(stream, expected_version, vec![event])
                .await?;
        }
        self.inner.append(stream, expected_version, events).await
    }

    async fn load(
        &self,
        stream: &StreamId,
        after_version: u64,
    ) -> seedwork::Result<Vec<seedwork::StoredEvent>> {
        self.loads_after
            .lock()
            .expect("not poisoned")
            .push(after_version);
        self.inner.load(stream, after_version).await
    }

    async fn save_snapshot(
        &self,
        stream: &StreamId,
        snapshot: StoredState,
    ) -> seedwork::Result<()> {
        self.inner.save_snapshot(stream, snapshot).await
    }

    async fn load_snapshot(&self, stream: &StreamId) -> seedwork::Result<Option<StoredState>> {
        self.inner.load_snapshot(stream).await
    }

    async fn read_all(
        &self,
        after_position: u64,
        limit: usize,
    ) -> seedwork::Result<Vec<seedwork::StoredEvent>> {
        self.inner.read_all(after_position, limit).await
    }
}

/// A command that lost the race to another writer keeps its (unchanged) state in the cache:
/// the retry catches up from where it was instead of replaying the stream, and decides on
/// the other writer's event too.
#[tokio::test]
async fn a_conflict_keeps_the_cached_state_for_the_retry() {
    let store = Arc::new(RacingStore::default());
    let repo = EventSourced::<Tally>::new(store.clone(), ());
    run(&repo, open("raced")).await.unwrap();
    run(&repo, add("raced", 1)).await.unwrap();
    *store.sneak_in.lock().unwrap() = Some(NewEvent {
        event_id: uuid::Uuid::new_v4(),
        event_type: "AmountAdded".into(),
        schema_version: 1,
        payload: serde_json::to_value(TallyEvent::Added { amount: 10 }).unwrap(),
        metadata: serde_json::json!({}),
    });
    store.loads_after.lock().unwrap().clear();
    let lost = run(&repo, add("raced", 100)).await.unwrap_err();
    assert_eq!(lost.kind(), ErrorKind::Conflict, "{lost}");
    assert_eq!(run(&repo, add("raced", 100)).await.unwrap(), 4);
    assert_eq!(
        *store.loads_after.lock().unwrap(),
        [2, 2],
        "both attempts caught the cached state up from version 2"
    );
    let loaded = repo.load(&"raced".to_string()).await.unwrap().unwrap();
    assert_eq!(loaded.state.total, 111, "the other writer's event counts");
    repo.forget_states();
    run(&repo, add("raced", 1)).await.unwrap();
    let loaded = repo.load(&"raced".to_string()).await.unwrap().unwrap();
    assert_eq!(loaded.state.total, 112);
}
