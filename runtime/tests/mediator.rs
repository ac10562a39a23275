//! The mediator and its pipeline behaviours.
#![allow(missing_docs, clippy::unwrap_used)]

mod support;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use seedwork::behaviors::{Authorization, Idempotency, RetryOnConflict, Tracing, Validation};
use seedwork::{
    async_trait, Command, CommandHandler, Error, ErrorKind, EventEnvelope, EventHandler,
    EventSourced, EventStore, InMemoryIdempotencyStore, InMemoryStore, Mediator, MediatorBuilder,
    Metadata, NewEvent, Principal, Query, QueryHandler, Repository, Result, StoredEvent,
    StoredState, StreamId,
};
use support::{add, open, Add, Open, Tally, TallyEvent};

fn clerk() -> Metadata {
    Metadata::new().with_principal(Principal::new("cleo").with_role("clerk"))
}

fn tally_mediator(store: Arc<dyn EventStore>) -> MediatorBuilder {
    let repo: Arc<dyn Repository<Tally>> = Arc::new(EventSourced::<Tally>::new(store, ()));
    Mediator::builder()
        .aggregate_command::<Open>(repo.clone())
        .aggregate_command::<Add>(repo)
}

#[tokio::test]
async fn a_command_with_two_handlers_fails_at_build_time() {
    let store: Arc<dyn EventStore> = Arc::new(InMemoryStore::default());
    let repo: Arc<dyn Repository<Tally>> = Arc::new(EventSourced::<Tally>::new(store.clone(), ()));
    let error = tally_mediator(store)
        .aggregate_command::<Open>(repo)
        .build()
        .unwrap_err();
    assert!(
        error.to_string().contains("`OpenTally` has two handlers"),
        "{error}"
    );
}

#[tokio::test]
async fn a_command_without_handler_is_a_configuration_error() {
    let mediator = Mediator::builder().build().unwrap();
    let error = mediator
        .send(open("n"), &Metadata::new())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Configuration(_)), "{error:?}");
}

#[derive(Default)]
struct Recorder {
    seen: Mutex<Vec<(String, u64)>>,
}

struct Listener {
    name: &'static str,
    recorder: Arc<Recorder>,
    store: Arc<dyn EventStore>,
}

#[async_trait]
impl EventHandler<TallyEvent> for Listener {
    async fn handle(&self, event: &EventEnvelope<TallyEvent>) -> Result<()> {
        // The event must already be committed when a handler sees it.
        let stream = StreamId::new(event.aggregate_type.clone(), &event.aggregate_id);
        let stored = self.store.load(&stream, event.version - 1).await?;
        assert_eq!(
            stored.first().map(|e| e.event_id),
            Some(event.event_id),
            "handler ran before commit"
        );
        self.recorder
            .seen
            .lock()
            .unwrap()
            .push((self.name.to_owned(), event.version));
        Ok(())
    }
}

#[tokio::test]
async fn events_reach_every_handler_after_commit() {
    let store: Arc<dyn EventStore> = Arc::new(InMemoryStore::default());
    let recorder = Arc::new(Recorder::default());
    let mediator = tally_mediator(store.clone())
        .event::<TallyEvent>(Listener {
            name: "projection",
            recorder: recorder.clone(),
            store: store.clone(),
        })
        .event::<TallyEvent>(Listener {
            name: "mailer",
            recorder: recorder.clone(),
            store: store.clone(),
        })
        .build()
        .unwrap();
    mediator.send(open("e"), &clerk()).await.unwrap();
    mediator.send(add("e", 1), &clerk()).await.unwrap();
    let seen = recorder.seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        [
            ("projection".into(), 1),
            ("mailer".into(), 1),
            ("projection".into(), 2),
            ("mailer".into(), 2)
        ]
    );
}

/// An event store whose appends fail: nothing commits, so no handler may run.
struct Broken;

#[async_trait]
impl EventStore for Broken {
    async fn append(&self, _: &StreamId, _: u64, _: Vec<NewEvent>) -> Result<u64> {
        Err(Error::infrastructure("disk full"))
    }
    async fn load(&self, _: &StreamId, _: u64) -> Result<Vec<StoredEvent>> {
        Ok(Vec::new())
    }
    async fn save_snapshot(&self, _: &StreamId, _: StoredState) -> Result<()> {
        Ok(())
    }
    async fn load_snapshot(&self, _: &StreamId) -> Result<Option<StoredState>> {
        Ok(None)
    }
    async fn read_all(&self, _: u64, _: usize) -> Result<Vec<StoredEvent>> {
        Ok(Vec::new())
    }
}

#[tokio::test]
async fn no_event_is_published_when_the_commit_fails() {
    let recorder = Arc::new(Recorder::default());
    let mediator = tally_mediator(Arc::new(Broken))
        .event::<TallyEvent>(Listener {
            name: "l",
            recorder: recorder.clone(),
            store: Arc::new(Broken),
        })
        .build()
        .unwrap();
    let error = mediator.send(open("b"), &clerk()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Infrastructure);
    assert!(recorder.seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn publishing_an_event_nobody_listens_to_is_fine() {
    let mediator = Mediator::builder().build().unwrap();
    let envelope = EventEnvelope {
        event_id: uuid::Uuid::new_v4(),
        aggregate_type: "Tally".into(),
        aggregate_id: "q".into(),
        version: 1,
        payload: TallyEvent::Added { amount: 1 },
        metadata: Metadata::new(),
        recorded_at: std::time::SystemTime::now(),
    };
    mediator.publish(&envelope).await.unwrap();
}

#[tokio::test]
async fn validation_reports_every_field_error() {
    let mediator = tally_mediator(Arc::new(InMemoryStore::default()))
        .layer(Validation)
        .build()
        .unwrap();
    let bad = Open {
        id: String::new(),
        owner: "x".into(),
    };
    let error = mediator.send(bad, &Metadata::new()).await.unwrap_err();
    let paths: Vec<&str> = error
        .field_errors()
        .iter()
        .map(|e| e.path.as_str())
        .collect();
    assert_eq!(paths, ["id", "owner"]);
    assert_eq!(error.status(), 422);
    assert_eq!(error.to_problem().errors.len(), 2);
}

#[tokio::test]
async fn authorization_requires_a_principal_with_a_role() {
    let mediator = tally_mediator(Arc::new(InMemoryStore::default()))
        .layer(Authorization)
        .build()
        .unwrap();
    mediator.send(open("z"), &Metadata::new()).await.unwrap();
    let anonymous = mediator
        .send(add("z", 1), &Metadata::new())
        .await
        .unwrap_err();
    assert_eq!(
        (anonymous.kind(), anonymous.status()),
        (ErrorKind::Unauthorized, 401)
    );
    let guest = Metadata::new().with_principal(Principal::new("gus").with_role("guest"));
    let forbidden = mediator.send(add("z", 1), &guest).await.unwrap_err();
    assert_eq!(
        (forbidden.kind(), forbidden.status()),
        (ErrorKind::Forbidden, 403)
    );
    assert!(
        forbidden.to_string().contains("clerk, manager"),
        "{forbidden}"
    );
    let manager = Metadata::new().with_principal(Principal::new("meg").with_role("manager"));
    mediator.send(add("z", 1), &manager).await.unwrap();
}

/// Loses the first `failures` appends to a phantom concurrent writer.
struct Contended {
    inner: InMemoryStore,
    failures: AtomicU32,
    appends: AtomicU32,
}

#[async_trait]
impl EventStore for Contended {
    async fn append(&self, stream: &StreamId, expected: u64, events: Vec<NewEvent>) -> Result<u64> {
        self.appends.fetch_add(1, Ordering::SeqCst);
        if self.failures.load(Ordering::SeqCst) > 0 {
            self.failures.fetch_sub(1, Ordering::SeqCst);
            return Err(Error::version_conflict(
                stream,
                expected,
                Some(expected + 1),
            ));
        }
        self.inner.append(stream, expected, events).await
    }
    async fn load(&self, stream: &StreamId, after: u64) -> Result<Vec<StoredEvent>> {
        self.inner.load(stream, after).await
    }
    async fn save_snapshot(&self, stream: &StreamId, snapshot: StoredState) -> Result<()> {
        self.inner.save_snapshot(stream, snapshot).await
    }
    async fn load_snapshot(&self, stream: &StreamId) -> Result<Option<StoredState>> {
        self.inner.load_snapshot(stream).await
    }
    async fn read_all(&self, after: u64, limit: usize) -> Result<Vec<StoredEvent>> {
        self.inner.read_all(after, limit).await
    }
}

fn contended(failures: u32) -> Arc<Contended> {
    Arc::new(Contended {
        inner: InMemoryStore::default(),
        failures: AtomicU32::new(0),
        appends: AtomicU32::new(failures),
    })
}

#[tokio::test]
async fn retry_on_conflict_retries_up_to_the_configured_attempts() {
    let store = contended(0);
    let retry =
        RetryOnConflict::new(3).with_backoff(Duration::from_millis(1), Duration::from_millis(4));
    let mediator = tally_mediator(store.clone()).layer(retry).build().unwrap();
    mediator.send(open("r"), &clerk()).await.unwrap();

    store.appends.store(0, Ordering::SeqCst);
    store.failures.store(2, Ordering::SeqCst);
    let outcome = mediator.send(add("r", 5), &clerk()).await.unwrap();
    assert_eq!(outcome.version, 2);
    assert_eq!(
        store.appends.load(Ordering::SeqCst),
        3,
        "two lost races, one success"
    );

    store.appends.store(0, Ordering::SeqCst);
    store.failures.store(3, Ordering::SeqCst);
    let error = mediator.send(add("r", 5), &clerk()).await.unwrap_err();
    assert!(error.is_conflict());
    assert_eq!(
        store.appends.load(Ordering::SeqCst),
        3,
        "gives up after three attempts"
    );

    // A caller that named the version it expects must see the new state before it tries
    // again: no retry.
    store.appends.store(0, Ordering::SeqCst);
    store.failures.store(1, Ordering::SeqCst);
    let expecting = clerk().with_expected_version(2);
    let error = mediator.send(add("r", 5), &expecting).await.unwrap_err();
    assert!(error.is_conflict());
    assert_eq!(
        store.appends.load(Ordering::SeqCst),
        1,
        "a command with an expected version is not retried"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_writers_all_succeed_with_retry() {
    let store: Arc<dyn EventStore> = Arc::new(InMemoryStore::default());
    let retry =
        RetryOnConflict::new(50).with_backoff(Duration::from_millis(1), Duration::from_millis(10));
    let mediator = tally_mediator(store.clone()).layer(retry).build().unwrap();
    mediator.send(open("race"), &clerk()).await.unwrap();
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let mediator = mediator.clone();
            tokio::spawn(async move {
                for _ in 0..10 {
                    mediator.send(add("race", 1), &clerk()).await?;
                }
                Ok::<_, Error>(())
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let events = store
        .load(&StreamId::new("Tally", "race"), 0)
        .await
        .unwrap();
    assert_eq!(events.len(), 81);
}

struct Counting {
    runs: Arc<AtomicU32>,
    fail_first: bool,
}

#[derive(Clone)]
struct Charge {
    amount: i64,
}

impl Command for Charge {
    const NAME: &'static str = "Charge";
    type Output = String;
}

#[async_trait]
impl CommandHandler<Charge> for Counting {
    async fn handle(&self, command: Charge, _: &Metadata) -> Result<String> {
        let run = self.runs.fetch_add(1, Ordering::SeqCst) + 1;
        if self.fail_first && run == 1 {
            return Err(Error::infrastructure("gateway timed out"));
        }
        Ok(format!("charged {} on run {run}", command.amount))
    }
}

#[tokio::test]
async fn an_idempotent_command_never_runs_twice() {
    let runs = Arc::new(AtomicU32::new(0));
    let mediator = Mediator::builder()
        .command::<Charge>(Counting {
            runs: runs.clone(),
            fail_first: false,
        })
        .layer(Idempotency::new(Arc::new(
            InMemoryIdempotencyStore::default(),
        )))
        .build()
        .unwrap();
    let keyed = Metadata::new().with_idempotency_key("k-1");
    let first = mediator.send(Charge { amount: 10 }, &keyed).await.unwrap();
    let again = mediator.send(Charge { amount: 10 }, &keyed).await.unwrap();
    assert_eq!(first, again);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    mediator
        .send(
            Charge { amount: 10 },
            &Metadata::new().with_idempotency_key("k-2"),
        )
        .await
        .unwrap();
    mediator
        .send(Charge { amount: 10 }, &Metadata::new())
        .await
        .unwrap();
    assert_eq!(
        runs.load(Ordering::SeqCst),
        3,
        "other keys and unkeyed commands run"
    );
}

#[tokio::test]
async fn a_failed_idempotent_command_may_be_tried_again() {
    let runs = Arc::new(AtomicU32::new(0));
    let mediator = Mediator::builder()
        .command::<Charge>(Counting {
            runs: runs.clone(),
            fail_first: true,
        })
        .layer(Idempotency::new(Arc::new(
            InMemoryIdempotencyStore::default(),
        )))
        .build()
        .unwrap();
    let keyed = Metadata::new().with_idempotency_key("k");
    assert!(mediator.send(Charge { amount: 1 }, &keyed).await.is_err());
    assert_eq!(
        mediator.send(Charge { amount: 1 }, &keyed).await.unwrap(),
        "charged 1 on run 2"
    );
    assert_eq!(
        mediator.send(Charge { amount: 1 }, &keyed).await.unwrap(),
        "charged 1 on run 2"
    );
}

#[tokio::test]
async fn an_idempotent_aggregate_command_replays_its_outcome() {
    let store: Arc<dyn EventStore> = Arc::new(InMemoryStore::default());
    let mediator = tally_mediator(store.clone())
        .layer(Idempotency::new(Arc::new(
            InMemoryIdempotencyStore::default(),
        )))
        .build()
        .unwrap();
    mediator.send(open("i"), &clerk()).await.unwrap();
    let keyed = clerk().with_idempotency_key("deposit-1");
    let first = mediator.send(add("i", 3), &keyed).await.unwrap();
    let replay = mediator.send(add("i", 3), &keyed).await.unwrap();
    assert_eq!(first, replay);
    assert_eq!(
        store
            .load(&StreamId::new("Tally", "i"), 0)
            .await
            .unwrap()
            .len(),
        2
    );
}

struct Total;
impl Query for Total {
    const NAME: &'static str = "Total";
    type Output = i64;
}
struct TotalHandler(Arc<dyn Repository<Tally>>);
#[async_trait]
impl QueryHandler<Total> for TotalHandler {
    async fn handle(&self, _: &Total, _: &Metadata) -> Result<i64> {
        let loaded = self
            .0
            .load(&"t".to_string())
            .await?
            .ok_or_else(|| Error::not_found("Tally", "t"))?;
        Ok(loaded.state.total)
    }
}

#[tokio::test]
async fn queries_reach_their_handler() {
    let store: Arc<dyn EventStore> = Arc::new(InMemoryStore::default());
    let repo: Arc<dyn Repository<Tally>> = Arc::new(EventSourced::<Tally>::new(store.clone(), ()));
    let mediator = tally_mediator(store)
        .query::<Total>(TotalHandler(repo))
        .layer(Tracing)
        .build()
        .unwrap();
    assert_eq!(
        mediator
            .query(Total, &Metadata::new())
            .await
            .unwrap_err()
            .status(),
        404
    );
    mediator.send(open("t"), &clerk()).await.unwrap();
    mediator.send(add("t", 42), &clerk()).await.unwrap();
    assert_eq!(mediator.query(Total, &Metadata::new()).await.unwrap(), 42);
}

mod spans {
    use std::collections::HashMap;
    use std::fmt::Debug;

    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id};
    use tracing::Subscriber;
    use tracing_subscriber::layer::{Context, Layer};

    use super::*;

    #[derive(Default, Clone)]
    pub struct Spans(pub Arc<Mutex<Vec<HashMap<String, String>>>>);

    struct Fields<'a>(&'a mut HashMap<String, String>);
    impl Visit for Fields<'_> {
        fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
            self.0.insert(field.name().to_owned(), format!("{value:?}"));
        }
        fn record_str(&mut self, field: &Field, value: &str) {
            self.0.insert(field.name().to_owned(), value.to_owned());
        }
    }

    impl<S: Subscriber> Layer<S> for Spans {
        fn on_new_span(&self, attrs: &Attributes<'_>, _: &Id, _: Context<'_, S>) {
            let mut fields =
                HashMap::from([("span".to_owned(), attrs.metadata().name().to_owned())]);
            attrs.record(&mut Fields(&mut fields));
            self.0.lock().unwrap().push(fields);
        }
    }

    #[test]
    fn tracing_opens_a_span_naming_the_command_and_aggregate() {
        use tracing_subscriber::layer::SubscriberExt;
        let spans = Spans::default();
        let subscriber = tracing_subscriber::registry().with(spans.clone());
        let _guard = tracing::subscriber::set_default(subscriber);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(async {
            let mediator = tally_mediator(Arc::new(InMemoryStore::default()))
                .layer(Tracing)
                .build()
                .unwrap();
            mediator.send(open("acct-7"), &clerk()).await.unwrap();
        });
        let spans = spans.0.lock().unwrap();
        let request = spans
            .iter()
            .find(|s| s["span"] == "request")
            .expect("a request span");
        assert_eq!(request["name"], "OpenTally");
        assert_eq!(request["kind"], "command");
        assert_eq!(request["aggregate_id"], "acct-7");
    }
}

/// When a tally is opened, a policy opens its "shadow" tally and adds 1 to it: after the
/// commit, as the service (the commands require the clerk role the policy does not hold), in
/// the event's conversation, and once per event even if the event is published again.
struct Shadow {
    sent: Arc<Mutex<Vec<Metadata>>>,
}

#[async_trait]
impl seedwork::Policy<TallyEvent> for Shadow {
    fn name(&self) -> &'static str {
        "Shadow"
    }

    async fn react(&self, event: &EventEnvelope<TallyEvent>, mediator: &Mediator) -> Result<()> {
        let TallyEvent::Opened { owner } = &event.payload else {
            return Ok(());
        };
        if event.aggregate_id.starts_with("shadow-") {
            return Ok(());
        }
        let shadow = format!("shadow-{}", event.aggregate_id);
        let metadata = Metadata::for_policy(self.name(), event);
        self.sent.lock().unwrap().push(metadata.clone());
        mediator
            .send(
                Open {
                    id: shadow.clone(),
                    owner: owner.clone(),
                },
                &metadata,
            )
            .await?;
        // `AddAmount` requires the clerk role, which the service does not need.
        mediator.send(add(&shadow, 1), &metadata).await?;
        if owner == "fails" {
            return Err(Error::domain("the shadow refuses"));
        }
        Ok(())
    }
}

#[tokio::test]
async fn policies_send_commands_after_the_commit_as_the_service() {
    let store: Arc<dyn EventStore> = Arc::new(InMemoryStore::default());
    let sent = Arc::new(Mutex::new(Vec::new()));
    let mediator = tally_mediator(store.clone())
        .policy::<TallyEvent>(Shadow { sent: sent.clone() })
        .layer(Authorization)
        .layer(Idempotency::new(Arc::new(
            InMemoryIdempotencyStore::default(),
        )))
        .build()
        .unwrap();
    let caller = clerk();
    let outcome = mediator.send(open("p"), &caller).await.unwrap();
    let shadow = store
        .load(&StreamId::new("Tally", "shadow-p"), 0)
        .await
        .unwrap();
    assert_eq!(
        shadow.len(),
        2,
        "the policy opened the shadow tally and added to it"
    );
    let sent_with = sent.lock().unwrap()[0].clone();
    assert_eq!(sent_with.correlation_id, caller.correlation_id);
    assert_eq!(sent_with.causation_id, Some(outcome.events[0].event_id));
    assert!(sent_with.principal.as_ref().is_some_and(|p| p.service));

    // Published again (a redelivery): the policy's command is answered from its idempotency
    // key instead of opening the shadow a second time, which would be a conflict.
    mediator.publish(&outcome.events[0]).await.unwrap();
    let shadow = store
        .load(&StreamId::new("Tally", "shadow-p"), 0)
        .await
        .unwrap();
    assert_eq!(
        shadow.len(),
        2,
        "a redelivered event does not run the policy twice"
    );

    // A failing policy does not undo the command that triggered it.
    let mut failing = open("q");
    failing.owner = "fails".into();
    mediator.send(failing, &caller).await.unwrap();
    assert_eq!(
        store
            .load(&StreamId::new("Tally", "q"), 0)
            .await
            .unwrap()
            .len(),
        1
    );
}

/// A request that committed its events but died before its idempotency key was completed (a
/// crash) leaves the key claimed: once the claim expires, the request sent again with the key
/// runs again, records the same event ids, and is refused as already recorded instead of
/// adding to the tally a second time.
#[tokio::test]
async fn a_request_repeated_after_a_crash_is_not_recorded_twice() {
    let store = Arc::new(InMemoryStore::default());
    let idempotency = Arc::new(InMemoryIdempotencyStore::with_claim_ttl(
        Duration::from_millis(20),
    ));
    let mediator = tally_mediator(store.clone())
        .layer(Idempotency::new(idempotency.clone()))
        .build()
        .unwrap();
    mediator.send(open("c"), &clerk()).await.unwrap();
    let keyed = clerk().with_idempotency_key("deposit-1");
    // The first attempt: the key is claimed and the events committed, then the process dies
    // before the key is completed.
    use seedwork::IdempotencyStore;
    assert_eq!(
        idempotency.claim("AddAmount:deposit-1").await.unwrap(),
        seedwork::Claim::Acquired
    );
    let repository = EventSourced::<Tally>::new(store.clone(), ());
    use seedwork::AggregateCommand;
    repository
        .execute("c".into(), add("c", 5).into_command(), &keyed)
        .await
        .unwrap();
    // While the claim is fresh, the retry is told the request is still running.
    let running = mediator.send(add("c", 5), &keyed).await.unwrap_err();
    assert!(running.is_conflict(), "{running}");
    tokio::time::sleep(Duration::from_millis(40)).await;
    let repeated = mediator.send(add("c", 5), &keyed).await.unwrap_err();
    assert!(
        matches!(repeated, Error::AlreadyRecorded { .. }),
        "the repeated request is refused as already recorded: {repeated}"
    );
    assert_eq!(repeated.status(), 409);
    let events = store.load(&StreamId::new("Tally", "c"), 0).await.unwrap();
    assert_eq!(events.len(), 2, "opened once, added once");
}

/// Every amount added to a tally adds 1 more: a cycle of one policy, which would never end.
struct Echo;

#[async_trait]
impl seedwork::Policy<TallyEvent> for Echo {
    fn name(&self) -> &'static str {
        "Echo"
    }

    async fn react(&self, event: &EventEnvelope<TallyEvent>, mediator: &Mediator) -> Result<()> {
        if let TallyEvent::Added { .. } = event.payload {
            mediator
                .send(
                    add(&event.aggregate_id, 1),
                    &Metadata::for_policy(self.name(), event),
                )
                .await?;
        }
        Ok(())
    }
}

#[tokio::test]
async fn a_cycle_of_policies_is_stopped_after_a_bounded_chain() {
    let store: Arc<dyn EventStore> = Arc::new(InMemoryStore::default());
    let mediator = tally_mediator(store.clone())
        .policy::<TallyEvent>(Echo)
        .build()
        .unwrap();
    mediator.send(open("loop"), &clerk()).await.unwrap();
    mediator.send(add("loop", 10), &clerk()).await.unwrap();
    let events = store
        .load(&StreamId::new("Tally", "loop"), 0)
        .await
        .unwrap();
    // Opened, the caller's 10, then one 1 per policy in the chain.
    assert_eq!(events.len(), 2 + seedwork::MAX_POLICY_DEPTH, "{events:?}");
    // The chain's depth is per request: the next one runs its policies again.
    mediator.send(add("loop", 5), &clerk()).await.unwrap();
    let events = store
        .load(&StreamId::new("Tally", "loop"), 0)
        .await
        .unwrap();
    assert_eq!(events.len(), 3 + 2 * seedwork::MAX_POLICY_DEPTH);
}
