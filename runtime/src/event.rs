//! Domain events: facts that happened, named stably and versioned.

use std::time::SystemTime;

use serde::{de::DeserializeOwned, Deserialize, Serialize};
use uuid::Uuid;

use crate::metadata::Metadata;

/// A fact the domain recorded, in the past tense: `MoneyDeposited`, `OrderPlaced`.
///
/// The type name is stored with every event and must never change once events are stored;
/// renaming the Rust type is fine, renaming the stable name is a migration. The schema version
/// says which shape of the payload was written, so old events can be upcast when they are read.
///
/// Usually one enum per aggregate implements this, one variant per event:
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use seedwork::DomainEvent;
///
/// #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
/// enum AccountEvent {
///     Opened { initial_balance: i64 },
///     Deposited { amount: i64 },
/// }
///
/// impl DomainEvent for AccountEvent {
///     fn event_type(&self) -> &'static str {
///         match self {
///             Self::Opened { .. } => "AccountOpened",
///             Self::Deposited { .. } => "MoneyDeposited",
///         }
///     }
/// }
///
/// assert_eq!(AccountEvent::Deposited { amount: 5 }.event_type(), "MoneyDeposited");
/// assert_eq!(AccountEvent::Deposited { amount: 5 }.schema_version(), 1);
/// ```
pub trait DomainEvent:
    Serialize + DeserializeOwned + Clone + std::fmt::Debug + Send + Sync + 'static
{
    /// The stable name of this event, stored with it.
    fn event_type(&self) -> &'static str;

    /// The version of this event's payload schema; starts at 1.
    fn schema_version(&self) -> u32 {
        1
    }
}

/// An event together with where and when it was recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventEnvelope<E> {
    /// Globally unique id of this event; brokers use it to drop duplicates.
    pub event_id: Uuid,
    /// The kind of aggregate that recorded it.
    pub aggregate_type: String,
    /// The id of the aggregate that recorded it, as text.
    pub aggregate_id: String,
    /// The aggregate's version after this event (the first event is version 1).
    pub version: u64,
    /// The event itself.
    pub payload: E,
    /// The request that caused it.
    pub metadata: Metadata,
    /// When the store accepted it.
    pub recorded_at: SystemTime,
}

impl<E> EventEnvelope<E> {
    /// The typed id of the aggregate that recorded the event, parsed from
    /// [`aggregate_id`](Self::aggregate_id).
    ///
    /// ```
    /// use seedwork::{EventEnvelope, Metadata};
    /// let event = EventEnvelope {
    ///     event_id: uuid::Uuid::new_v4(), aggregate_type: "Account".into(), aggregate_id: "42".into(),
    ///     version: 1, payload: (), metadata: Metadata::new(), recorded_at: std::time::SystemTime::now(),
    /// };
    /// let id: u64 = event.typed_id().unwrap();
    /// assert_eq!(id, 42);
    /// assert!(event.typed_id::<uuid::Uuid>().is_err());
    /// ```
    pub fn typed_id<I: std::str::FromStr>(&self) -> crate::Result<I>
    where
        I::Err: std::fmt::Display,
    {
        self.aggregate_id
            .parse()
            .map_err(|error: I::Err| crate::Error::Decode {
                what: "aggregate id",
                stream: format!("{}-{}", self.aggregate_type, self.aggregate_id),
                version: self.version,
                message: error.to_string(),
            })
    }
}
