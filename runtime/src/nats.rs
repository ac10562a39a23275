//! Integration events through NATS JetStream (feature `nats`): a [`Relay`] publishes what the
//! transactional outbox holds, and [`consume`] hands each message to a handler once.
//!
//! Nothing is lost and nothing is done twice, end to end:
//!
//! - An integration event enters the outbox in the transaction that records it, so a crash
//!   between the commit and the publication loses nothing: the relay publishes it on restart.
//! - The relay publishes with the event id as the message id (`Nats-Msg-Id`), and marks the
//!   message published only once the broker acknowledged it. A relay that dies in between
//!   publishes again, and JetStream drops the duplicate (within the stream's duplicate window).
//!   While the broker is down, messages wait in the outbox and the relay keeps trying.
//! - A consumer acknowledges a message only after its handler succeeded, so a consumer that
//!   dies mid-handler gets the message again. A handler that sends a command with
//!   [`metadata_for`] records the same event ids each
//!   time it runs (see [`Error::AlreadyRecorded`]), so the redelivery is recognised as done
//!   and acknowledged instead of handled twice.
//!
//! - A handler's refusal (a business rule, an unknown aggregate, invalid data) answers the
//!   same every time, so the message is logged and acknowledged rather than retried forever;
//!   a retryable failure ([`Error::is_retryable`]: the database down, a conflict) comes back.
//!
//! Every context publishes to one stream named after it ([`stream_name`]: `ESHOP_ORDERING`),
//! one subject per event ([`subject`]: `eshop_ordering.OrderStartedIntegrationEvent`); the
//! producer's relay and every consumer create the stream when it is missing, so they may
//! start in any order.
//!
//! For tests of those crashes, `SEEDWORK_FAULT` names one to provoke:
//! `relay-abort-before-publish` aborts the process when the relay is about to publish (the
//! events are committed, the process dies before the broker hears of them);
//! `relay-abort-after-publish` aborts right after the broker acknowledged a message and
//! before the outbox records it; `consumer-abort-before-ack` aborts a consumer after its
//! handler succeeded and before it acknowledges.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_nats::jetstream::{self, consumer, stream};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::store::{Outbox, OutboxMessage};
use crate::Mediator;

/// A connection to JetStream, as [`connect`] makes it.
pub use async_nats::jetstream::Context as JetStream;

/// The header JetStream deduplicates by.
pub const MESSAGE_ID: &str = "Nats-Msg-Id";

/// The JetStream stream the bounded context `context` publishes its integration events to.
///
/// ```
/// assert_eq!(seedwork::nats::stream_name("eshop_ordering"), "ESHOP_ORDERING");
/// ```
pub fn stream_name(context: &str) -> String {
    context
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// The subject of integration event `event` of the bounded context `context`.
///
/// ```
/// assert_eq!(
///     seedwork::nats::subject("eshop_ordering", "OrderStartedIntegrationEvent"),
///     "eshop_ordering.OrderStartedIntegrationEvent"
/// );
/// ```
pub fn subject(context: &str, event: &str) -> String {
    format!("{context}.{event}")
}

/// Every subject of the bounded context `context`: what its stream holds.
///
/// ```
/// assert_eq!(seedwork::nats::context_subjects("bank"), vec!["bank.>".to_owned()]);
/// ```
pub fn context_subjects(context: &str) -> Vec<String> {
    vec![format!("{context}.>")]
}

/// An integration event on the wire: the event and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntegrationMessage {
    /// The event's id, also the message id.
    pub event_id: Uuid,
    /// The event's stable type name.
    pub event_type: String,
    /// The payload's schema version.
    pub schema_version: u32,
    /// The aggregate type that recorded it.
    pub aggregate_type: String,
    /// The aggregate's id, as text.
    pub aggregate_id: String,
    /// Its version in the aggregate's stream.
    pub version: u64,
    /// When it was recorded, in microseconds since the Unix epoch.
    pub recorded_at: i64,
    /// The event's fields, as a JSON object: the wire contract other contexts read, so it
    /// does not carry the producer's enum tag (`event_type` names the event).
    pub payload: serde_json::Value,
    /// The request metadata it was recorded with (correlation, causation, principal).
    pub metadata: serde_json::Value,
}

impl IntegrationMessage {
    /// The message of an outbox entry.
    pub fn of(message: &OutboxMessage) -> Self {
        let event = &message.event;
        let recorded_at = event
            .recorded_at
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| {
                i64::try_from(since.as_micros()).unwrap_or(i64::MAX)
            });
        Self {
            event_id: event.event_id,
            event_type: event.event_type.clone(),
            schema_version: event.schema_version,
            aggregate_type: event.stream.aggregate_type.clone(),
            aggregate_id: event.stream.aggregate_id.clone(),
            version: event.version,
            recorded_at,
            payload: fields_of(&event.event_type, &event.payload),
            metadata: event.metadata.clone(),
        }
    }

    /// The payload decoded as `T`.
    pub fn decode<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        T::deserialize(&self.payload).map_err(|error| Error::Decode {
            what: "integration event",
            stream: format!("{}-{}", self.aggregate_type, self.aggregate_id),
            version: self.version,
            message: format!("{}: {error}", self.event_type),
        })
    }

    /// When it was recorded.
    pub fn recorded_at(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_micros(u64::try_from(self.recorded_at).unwrap_or(0))
    }
}

/// The fields of a stored event payload: an event enum's variant is stored under its name
/// (`{"OrderStarted": {…}}`, or `"OrderStarted"` without fields); anything else is kept as is.
fn fields_of(event_type: &str, payload: &serde_json::Value) -> serde_json::Value {
    match payload {
        serde_json::Value::Object(tagged) if tagged.len() == 1 => match tagged.get(event_type) {
            Some(fields) => fields.clone(),
            None => payload.clone(),
        },
        serde_json::Value::String(tag) if tag == event_type => {
            serde_json::Value::Object(serde_json::Map::new())
        }
        _ => payload.clone(),
    }
}

/// The request a consumer named `consumer` makes in reaction to `message`: in the event's
/// conversation, caused by it, sent by the service itself, and idempotent per message and
/// consumer, so a redelivered message's command is refused as already recorded.
///
/// ```
/// use seedwork::nats::{metadata_for, IntegrationMessage};
/// # let message = IntegrationMessage {
/// #     event_id: uuid::Uuid::new_v4(), event_type: "OrderStarted".into(), schema_version: 1,
/// #     aggregate_type: "Order".into(), aggregate_id: "1".into(), version: 1, recorded_at: 0,
/// #     payload: serde_json::json!({}), metadata: serde_json::json!({}),
/// # };
/// let request = metadata_for("basket", &message);
/// assert_eq!(request.causation_id, Some(message.event_id));
/// assert_eq!(request.idempotency_key, Some(format!("basket:{}", message.event_id)));
/// ```
pub fn metadata_for(consumer: &str, message: &IntegrationMessage) -> crate::Metadata {
    let mut metadata = crate::Metadata::new();
    if let Some(correlation) = message.metadata["correlation_id"]
        .as_str()
        .and_then(|id| id.parse().ok())
    {
        metadata.correlation_id = correlation;
    }
    metadata.causation_id = Some(message.event_id);
    metadata.principal = Some(crate::Principal::service(consumer));
    metadata.idempotency_key = Some(format!("{consumer}:{}", message.event_id));
    metadata
}

fn broker(error: impl std::fmt::Display) -> Error {
    Error::Infrastructure(format!("NATS: {error}"))
}

/// The crash a test asked for with `SEEDWORK_FAULT`, if any.
fn fault(name: &str) -> bool {
    std::env::var("SEEDWORK_FAULT").is_ok_and(|fault| fault == name)
}

/// Connects to the NATS server at `url`, retrying in the background while it is down (the
/// client reconnects by itself after a disconnection too).
pub async fn connect(url: &str) -> Result<jetstream::Context> {
    let client = async_nats::ConnectOptions::new()
        .retry_on_initial_connect()
        .connect(url)
        .await
        .map_err(broker)?;
    Ok(jetstream::new(client))
}

/// The JetStream stream `name` with `subjects` (created when missing), where a context
/// publishes its integration events. JetStream keeps the message ids it saw in the last two
/// minutes and drops a message whose id it has seen.
pub async fn ensure_stream(
    jetstream: &jetstream::Context,
    name: &str,
    subjects: Vec<String>,
) -> Result<()> {
    jetstream
        .get_or_create_stream(stream::Config {
            name: name.to_owned(),
            subjects,
            duplicate_window: Duration::from_secs(120),
            ..Default::default()
        })
        .await
        .map_err(broker)?;
    Ok(())
}

/// Publishes what the outbox holds, in commit order, at least once; with the event id as
/// the message id, JetStream makes it exactly once.
pub struct Relay {
    outbox: Arc<dyn Outbox>,
    jetstream: jetstream::Context,
    batch: usize,
    idle: Duration,
    /// The stream to create before the first publication, and whether it exists now.
    stream: Option<(String, Vec<String>)>,
    stream_ready: AtomicBool,
    abort_before_publish: bool,
    abort_after_publish: bool,
}

impl std::fmt::Debug for Relay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Relay")
            .field("batch", &self.batch)
            .field("idle", &self.idle)
            .field("stream", &self.stream)
            .finish_non_exhaustive()
    }
}

impl Relay {
    /// A relay from `outbox` to `jetstream`, which checks for new messages every 200 ms when
    /// there is nothing to publish.
    pub fn new(outbox: Arc<dyn Outbox>, jetstream: jetstream::Context) -> Self {
        Self {
            outbox,
            jetstream,
            batch: 100,
            idle: Duration::from_millis(200),
            stream: None,
            stream_ready: AtomicBool::new(false),
            abort_before_publish: fault("relay-abort-before-publish"),
            abort_after_publish: fault("relay-abort-after-publish"),
        }
    }

    /// Creates the stream `name` with `subjects` (when missing) before publishing, so the
    /// messages have somewhere to go even when no consumer ever started.
    pub fn with_stream(mut self, name: impl Into<String>, subjects: Vec<String>) -> Self {
        self.stream = Some((name.into(), subjects));
        self
    }

    /// Publishes the pending messages, up to one batch; returns how many it published.
    pub async fn publish_pending(&self) -> Result<usize> {
        let pending = self.outbox.pending(self.batch).await?;
        if pending.is_empty() {
            return Ok(0);
        }
        if let Some((name, subjects)) = &self.stream {
            if !self.stream_ready.load(Ordering::Relaxed) {
                ensure_stream(&self.jetstream, name, subjects.clone()).await?;
                self.stream_ready.store(true, Ordering::Relaxed);
            }
        }
        if self.abort_before_publish {
            eprintln!(
                "SEEDWORK_FAULT: the relay aborts before publishing {} committed events",
                pending.len()
            );
            std::process::abort();
        }
        let mut published = Vec::with_capacity(pending.len());
        for message in &pending {
            let body = serde_json::to_vec(&IntegrationMessage::of(message))?;
            let mut headers = async_nats::HeaderMap::new();
            headers.insert(MESSAGE_ID, message.event.event_id.to_string().as_str());
            let acknowledged = self
                .jetstream
                .publish_with_headers(message.subject.clone(), headers, body.into())
                .await
                .map_err(broker)?
                .await;
            match acknowledged {
                Ok(_) => published.push(message.event.event_id),
                Err(error) => {
                    // What was acknowledged so far is recorded; the rest is tried again.
                    self.outbox.mark_published(&published).await?;
                    return Err(broker(error));
                }
            }
            if self.abort_after_publish {
                eprintln!(
                    "SEEDWORK_FAULT: the relay aborts after publishing {}",
                    message.event.event_id
                );
                std::process::abort();
            }
        }
        self.outbox.mark_published(&published).await?;
        Ok(published.len())
    }

    /// Publishes until `shutdown` completes: whenever messages are pending, and again after
    /// a failure (the broker down, say), backing off up to 5 s between tries.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut backoff = self.idle;
        loop {
            let wait = match self.publish_pending().await {
                Ok(0) => self.idle,
                Ok(published) => {
                    tracing::debug!(published, "integration events published");
                    backoff = self.idle;
                    Duration::ZERO
                }
                Err(error) => {
                    tracing::warn!(%error, "integration events wait in the outbox");
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                    backoff
                }
            };
            tokio::select! {
                () = &mut shutdown => return,
                () = tokio::time::sleep(wait) => {}
            }
        }
    }
}

/// Where a consumer reads from and how long the broker waits for its acknowledgement.
#[derive(Debug, Clone)]
pub struct Subscription {
    /// The JetStream stream (the producing context's).
    pub stream: String,
    /// The stream's subjects, to create it when the producer has not yet.
    pub stream_subjects: Vec<String>,
    /// The durable consumer's name: one per consuming service, shared by its instances.
    pub durable: String,
    /// The subject it receives (wildcards allowed: `eshop_ordering.>`).
    pub subject: String,
    /// How long a delivered message may go unacknowledged before the broker sends it again.
    pub ack_wait: Duration,
}

impl Subscription {
    /// The subscription of the consumer `durable` to integration event `event` of the
    /// bounded context `context`, with the stream and subject named by convention and 30 s
    /// for a handler to finish.
    ///
    /// ```
    /// let subscription = seedwork::nats::Subscription::to(
    ///     "eshop_ordering",
    ///     "OrderStartedIntegrationEvent",
    ///     "eshop_basket_empty_basket",
    /// );
    /// assert_eq!(subscription.stream, "ESHOP_ORDERING");
    /// assert_eq!(subscription.subject, "eshop_ordering.OrderStartedIntegrationEvent");
    /// ```
    pub fn to(context: &str, event: &str, durable: &str) -> Self {
        Self {
            stream: stream_name(context),
            stream_subjects: context_subjects(context),
            durable: durable.to_owned(),
            subject: subject(context, event),
            ack_wait: Duration::from_secs(30),
        }
    }
}

/// Receives the messages of `subscription` until `shutdown`, handing each to `handler`
/// and acknowledging it once the handler succeeded or found it already done
/// ([`Error::AlreadyRecorded`]); a retryable failure's message comes back after a delay. A
/// refusal, or a message that is not an integration message, is logged and acknowledged:
/// it would fail every time. Returns an error when the broker cannot be reached.
pub async fn consume<F, Fut>(
    jetstream: &jetstream::Context,
    subscription: &Subscription,
    handler: F,
    shutdown: impl Future<Output = ()>,
) -> Result<()>
where
    F: Fn(IntegrationMessage) -> Fut,
    Fut: Future<Output = Result<()>>,
{
    let abort_before_ack = fault("consumer-abort-before-ack");
    ensure_stream(
        jetstream,
        &subscription.stream,
        subscription.stream_subjects.clone(),
    )
    .await?;
    let stream = jetstream
        .get_stream(&subscription.stream)
        .await
        .map_err(broker)?;
    let consumer: consumer::PullConsumer = stream
        .get_or_create_consumer(
            &subscription.durable,
            consumer::pull::Config {
                durable_name: Some(subscription.durable.clone()),
                filter_subject: subscription.subject.clone(),
                ack_policy: consumer::AckPolicy::Explicit,
                ack_wait: subscription.ack_wait,
                ..Default::default()
            },
        )
        .await
        .map_err(broker)?;
    let mut messages = consumer.messages().await.map_err(broker)?;
    tokio::pin!(shutdown);
    loop {
        let next = tokio::select! {
            () = &mut shutdown => return Ok(()),
            next = messages.next() => next,
        };
        let Some(message) = next else {
            return Err(broker("the consumer's message stream ended"));
        };
        let message = match message {
            Ok(message) => message,
            Err(error) => {
                tracing::warn!(%error, "receiving an integration event failed");
                continue;
            }
        };
        let decoded: std::result::Result<IntegrationMessage, _> =
            serde_json::from_slice(&message.payload);
        let outcome = match decoded {
            Ok(integration) => {
                let event_id = integration.event_id;
                let event_type = integration.event_type.clone();
                match handler(integration).await {
                    Ok(()) | Err(Error::AlreadyRecorded { .. }) => Ok(()),
                    Err(error) if error.is_retryable() => {
                        tracing::warn!(%event_id, %event_type, %error, "an integration event's handler failed; it comes back");
                        Err(error)
                    }
                    Err(error) => {
                        tracing::error!(%event_id, %event_type, %error, "an integration event was refused; it is not retried");
                        Ok(())
                    }
                }
            }
            Err(error) => {
                tracing::error!(subject = %message.subject, %error, "not an integration message; dropped");
                Ok(())
            }
        };
        match outcome {
            Ok(()) => {
                if abort_before_ack {
                    eprintln!("SEEDWORK_FAULT: the consumer aborts before acknowledging");
                    std::process::abort();
                }
                message.ack().await.map_err(broker)?;
            }
            Err(_) => {
                let delay = Some(Duration::from_secs(1));
                message
                    .ack_with(jetstream::AckKind::Nak(delay))
                    .await
                    .map_err(broker)?;
            }
        }
    }
}

/// A consumer of one integration event: where it reads and what it does with a message
/// (typically: decode it, send a command with [`metadata_for`]).
#[crate::async_trait]
pub trait Subscriber: Send + Sync + 'static {
    /// Where it reads.
    fn subscription(&self) -> Subscription;

    /// Handles one message. [`Error::AlreadyRecorded`] means it was handled before.
    async fn handle(&self, message: IntegrationMessage, mediator: &Mediator) -> Result<()>;
}

/// Runs `subscriber` over `mediator` until `shutdown`: consumes, and when the broker is
/// unreachable or the consumer fails, waits (up to 5 s, doubling) and starts again.
pub async fn run_subscriber(
    jetstream: jetstream::Context,
    subscriber: Arc<dyn Subscriber>,
    mediator: Mediator,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    let subscription = subscriber.subscription();
    let mut backoff = Duration::from_millis(200);
    loop {
        let consumed = consume(
            &jetstream,
            &subscription,
            |message| {
                let subscriber = subscriber.clone();
                let mediator = mediator.clone();
                async move { subscriber.handle(message, &mediator).await }
            },
            &mut shutdown,
        );
        match consumed.await {
            Ok(()) => return,
            Err(error) => {
                tracing::warn!(subject = %subscription.subject, %error, "the consumer waits for the broker");
            }
        }
        tokio::select! {
            () = &mut shutdown => return,
            () = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

#[cfg(test)]
mod tests {
    use super::fields_of;
    use serde_json::json;

    #[test]
    fn the_wire_payload_is_the_events_fields_without_the_enum_tag() {
        assert_eq!(
            fields_of(
                "OrderStarted",
                &json!({ "OrderStarted": { "buyer_id": "b" } })
            ),
            json!({ "buyer_id": "b" })
        );
        assert_eq!(fields_of("Emptied", &json!("Emptied")), json!({}));
        // A payload that is not an enum's (a struct event, another tag) is kept as is.
        assert_eq!(fields_of("Shipped", &json!({ "n": 1 })), json!({ "n": 1 }));
        assert_eq!(
            fields_of("Shipped", &json!({ "Other": {} })),
            json!({ "Other": {} })
        );
    }
}
