//! Integration events through a real NATS JetStream server (`nats-server`, which the tests
//! start on 127.0.0.1 with a store of its own): the relay publishes the outbox once, even
//! when it publishes twice, waits while the broker is down, and consumers handle each
//! message once. Every test name contains `nats`; without `nats-server` on the PATH they
//! fail rather than pass silently.
#![cfg(feature = "nats")]
#![allow(missing_docs, clippy::unwrap_used)]

use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use seedwork::nats::{self, IntegrationMessage, Relay, Subscription};
use seedwork::store::{Outbox, OutboxMessage, OutboxRoute};
use seedwork::{async_trait, EventStore, InMemoryStore, NewEvent, Result, StreamId};

/// A `nats-server` with JetStream on a free port, stopped when dropped.
struct Broker {
    child: Option<Child>,
    port: u16,
    store: tempfile::TempDir,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Broker {
    fn new() -> Self {
        let mut broker = Self {
            child: None,
            port: free_port(),
            store: tempfile::tempdir().unwrap(),
        };
        broker.start();
        broker
    }

    /// A broker that is not running yet, on a port of its own.
    fn stopped() -> Self {
        Self {
            child: None,
            port: free_port(),
            store: tempfile::tempdir().unwrap(),
        }
    }

    fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    fn start(&mut self) {
        let child = Command::new("nats-server")
            .args([
                "-a",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-js",
                "-sd",
            ])
            .arg(self.store.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!(
                    "nats-server does not start ({error}): install the Debian package nats-server"
                )
            });
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "nats-server did not listen");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn event(n: u64) -> NewEvent {
    NewEvent {
        event_id: uuid::Uuid::new_v4(),
        event_type: "Shipped".into(),
        schema_version: 1,
        payload: serde_json::json!({ "n": n }),
        metadata: serde_json::json!({}),
    }
}

/// A store whose integration events (`Shipped` of `Order`) go to `test.Shipped`, with
/// `count` of them recorded.
async fn store_with(count: u64) -> Arc<InMemoryStore> {
    let store = Arc::new(InMemoryStore::default());
    store
        .install_outbox(vec![OutboxRoute::new("Order", "Shipped", "test.Shipped")])
        .await
        .unwrap();
    for n in 0..count {
        store
            .append(&StreamId::new("Order", n), 0, vec![event(n)])
            .await
            .unwrap();
    }
    store
}

async fn stream_messages(jetstream: &async_nats::jetstream::Context) -> u64 {
    let mut stream = jetstream.get_stream("TEST").await.unwrap();
    stream.info().await.unwrap().state.messages
}

/// An outbox that forgets to record what was published: every pass publishes it all again.
struct Forgetful(Arc<InMemoryStore>);

#[async_trait]
impl Outbox for Forgetful {
    async fn install_outbox(&self, routes: Vec<OutboxRoute>) -> Result<()> {
        self.0.install_outbox(routes).await
    }
    async fn pending(&self, limit: usize) -> Result<Vec<OutboxMessage>> {
        self.0.pending(limit).await
    }
    async fn mark_published(&self, _: &[uuid::Uuid]) -> Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn nats_relay_publishes_each_event_once_even_twice() {
    let broker = Broker::new();
    let jetstream = nats::connect(&broker.url()).await.unwrap();
    nats::ensure_stream(&jetstream, "TEST", vec!["test.>".into()])
        .await
        .unwrap();
    let store = store_with(3).await;
    let forgetful = Relay::new(Arc::new(Forgetful(store.clone())), jetstream.clone());
    assert_eq!(forgetful.publish_pending().await.unwrap(), 3);
    assert_eq!(
        forgetful.publish_pending().await.unwrap(),
        3,
        "published again"
    );
    assert_eq!(
        stream_messages(&jetstream).await,
        3,
        "the broker dropped the duplicates by message id"
    );
    let relay = Relay::new(store.clone(), jetstream.clone());
    assert_eq!(relay.publish_pending().await.unwrap(), 3);
    assert!(
        store.pending(10).await.unwrap().is_empty(),
        "marked published"
    );
    assert_eq!(relay.publish_pending().await.unwrap(), 0);
    assert_eq!(stream_messages(&jetstream).await, 3);
}

#[tokio::test]
async fn nats_events_wait_in_the_outbox_while_the_broker_is_down() {
    let mut broker = Broker::stopped();
    let store = store_with(2).await;
    let jetstream = nats::connect(&broker.url()).await.unwrap();
    let relay = Relay::new(store.clone(), jetstream.clone());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(relay.run(async {
        let _ = stopped.await;
    }));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        store.pending(10).await.unwrap().len(),
        2,
        "nothing is lost while it is down"
    );
    store
        .append(&StreamId::new("Order", "late"), 0, vec![event(9)])
        .await
        .unwrap();
    broker.start();
    nats::ensure_stream(&jetstream, "TEST", vec!["test.>".into()])
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !store.pending(10).await.unwrap().is_empty() {
        assert!(
            Instant::now() < deadline,
            "the relay did not publish once the broker was back"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(stream_messages(&jetstream).await, 3, "all arrive, once");
    stop.send(()).unwrap();
    running.await.unwrap();
}

#[tokio::test]
async fn nats_consumers_handle_each_message_once_and_retry_failures() {
    let broker = Broker::new();
    let jetstream = nats::connect(&broker.url()).await.unwrap();
    nats::ensure_stream(&jetstream, "TEST", vec!["test.>".into()])
        .await
        .unwrap();
    let store = store_with(3).await;
    Relay::new(store.clone(), jetstream.clone())
        .publish_pending()
        .await
        .unwrap();
    let seen: Arc<Mutex<Vec<u64>>> = Arc::default();
    let failed_once = Arc::new(Mutex::new(false));
    let subscription = Subscription {
        ack_wait: Duration::from_secs(2),
        ..Subscription::to("test", "Shipped", "counter")
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let consumer = {
        let jetstream = jetstream.clone();
        let seen = seen.clone();
        let failed_once = failed_once.clone();
        tokio::spawn(async move {
            nats::consume(
                &jetstream,
                &subscription,
                move |message: IntegrationMessage| {
                    let seen = seen.clone();
                    let failed_once = failed_once.clone();
                    async move {
                        let n = message.payload["n"].as_u64().unwrap();
                        // The second message fails once; the third was handled already.
                        if n == 1 && !std::mem::replace(&mut *failed_once.lock().unwrap(), true) {
                            return Err(seedwork::Error::infrastructure("the database blinked"));
                        }
                        if n == 2 {
                            seen.lock().unwrap().push(n);
                            return Err(seedwork::Error::AlreadyRecorded {
                                stream: "Order-2".into(),
                            });
                        }
                        seen.lock().unwrap().push(n);
                        Ok(())
                    }
                },
                async {
                    let _ = stopped.await;
                },
            )
            .await
        })
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let mut handled = seen.lock().unwrap().clone();
        handled.sort_unstable();
        if handled == [0, 1, 2] {
            break;
        }
        assert!(Instant::now() < deadline, "handled {handled:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Nothing comes back once acknowledged.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        seen.lock().unwrap().len(),
        3,
        "each message handled once: {:?}",
        seen.lock().unwrap()
    );
    stop.send(()).unwrap();
    consumer.await.unwrap().unwrap();
}

/// Counts the messages it handles; refuses the first one's `n`.
struct Counter {
    seen: Arc<Mutex<Vec<u64>>>,
    refuse: u64,
}

#[async_trait]
impl nats::Subscriber for Counter {
    fn subscription(&self) -> Subscription {
        Subscription {
            ack_wait: Duration::from_secs(2),
            ..Subscription::to("test", "Shipped", "counter")
        }
    }

    async fn handle(&self, message: IntegrationMessage, _: &seedwork::Mediator) -> Result<()> {
        let n = message.payload["n"].as_u64().unwrap();
        self.seen.lock().unwrap().push(n);
        if n == self.refuse {
            return Err(seedwork::Error::domain("never acceptable"));
        }
        Ok(())
    }
}

#[tokio::test]
async fn nats_subscribers_start_before_the_broker_and_refusals_are_not_retried() {
    let mut broker = Broker::stopped();
    let jetstream = nats::connect(&broker.url()).await.unwrap();
    let seen: Arc<Mutex<Vec<u64>>> = Arc::default();
    let subscriber = Arc::new(Counter {
        seen: seen.clone(),
        refuse: 0,
    });
    let mediator = seedwork::Mediator::builder().build().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(nats::run_subscriber(
        jetstream.clone(),
        subscriber,
        mediator,
        async {
            let _ = stopped.await;
        },
    ));
    tokio::time::sleep(Duration::from_millis(300)).await;
    broker.start();
    // The relay creates the stream itself (the consumer may have too, whichever is first).
    let store = store_with(2).await;
    let relay = Relay::new(store.clone(), jetstream.clone())
        .with_stream(nats::stream_name("test"), nats::context_subjects("test"));
    let deadline = Instant::now() + Duration::from_secs(30);
    while relay.publish_pending().await.is_err() {
        assert!(
            Instant::now() < deadline,
            "the relay never reached the broker"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    loop {
        let mut handled = seen.lock().unwrap().clone();
        handled.sort_unstable();
        if handled == [0, 1] {
            break;
        }
        assert!(Instant::now() < deadline, "handled {handled:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The refused message was acknowledged: past the ack wait, nothing came back.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(seen.lock().unwrap().len(), 2, "{:?}", seen.lock().unwrap());
    stop.send(()).unwrap();
    running.await.unwrap();
}
