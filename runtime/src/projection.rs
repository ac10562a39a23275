//! Projections: how read models follow the events.
//!
//! A read model is a table of rows, one per key, derived from events: an order as the
//! customer app shows it, the kitchen's queue. A [`Projection`] says, for each stored event,
//! which row it changes and how. Stores that implement
//! [`ReadModelStore`](crate::store::ReadModelStore) apply the projections installed on them in
//! the same transaction as the write that records the event, and can rebuild every read model
//! by replaying the journal, because a projection is a pure function of the events.
//!
//! Most code implements the typed [`ReadModel`] trait on the row type and installs
//! [`projection::<Row>()`](projection); [`ReadModels`] answers queries with typed rows.

use std::marker::PhantomData;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::store::{ListQuery, ReadModelStore, StoredEvent};

/// What one event does to one row of a read model.
#[derive(Debug, Clone, PartialEq)]
pub enum RowChange {
    /// The row becomes this (it is created if it did not exist).
    Put(serde_json::Value),
    /// The row is deleted (nothing happens if it did not exist).
    Remove,
    /// The row stays as it is.
    Keep,
}

/// A read model as a store sees it: a name, a shape version, and a function from events to
/// row changes.
///
/// Projections must be deterministic functions of the events (no clock, no I/O): a rebuild
/// replays the journal through them and must arrive at the rows the live writes produced.
pub trait Projection: Send + Sync + 'static {
    /// The read model's stable name, a lower-case identifier (`kitchen_orders`); SQL stores
    /// keep its rows in the table `rm_<name>`.
    fn name(&self) -> &'static str;

    /// The shape of the rows and the rules that fill them, as an opaque text (a hash of the
    /// spec, say). When it changes, [`install`](crate::store::ReadModelStore::install)
    /// rebuilds the read model from the journal.
    fn version(&self) -> &'static str;

    /// Top-level fields of the rows that lists filter on; SQL stores index each.
    fn filters(&self) -> &'static [&'static str] {
        &[]
    }

    /// The key of the row `event` changes, or `None` when the event does not concern this
    /// read model. Stores call it before the event is committed, so it must depend on the
    /// event's stream and payload only: its `position` is still 0.
    fn key(&self, event: &StoredEvent) -> Result<Option<String>>;

    /// The row after `event`, given the row before it (`None`: there was none).
    fn apply(&self, row: Option<serde_json::Value>, event: &StoredEvent) -> Result<RowChange>;
}

/// The text a key is stored under: a JSON string as it is, any other JSON value (a number,
/// say) as its compact JSON text. Projections and queries both key rows through it, so a row
/// written under an `OrderId` is found by the same `OrderId`.
///
/// ```
/// use seedwork::projection::key_text;
/// assert_eq!(key_text(&"Margherita").unwrap(), "Margherita");
/// assert_eq!(key_text(&42).unwrap(), "42");
/// let id = uuid::Uuid::nil();
/// assert_eq!(key_text(&id).unwrap(), id.to_string());
/// ```
pub fn key_text(key: &impl Serialize) -> Result<String> {
    Ok(match serde_json::to_value(key)? {
        serde_json::Value::String(text) => text,
        other => other.to_string(),
    })
}

/// The typed id of the aggregate that recorded `event`, parsed from its stream.
///
/// ```
/// use seedwork::{projection::aggregate_id, StoredEvent, StreamId};
/// # let event = StoredEvent {
/// #     stream: StreamId::new("Account", "42"), version: 1, position: 1,
/// #     event_id: uuid::Uuid::new_v4(), event_type: "Opened".into(), schema_version: 1,
/// #     payload: serde_json::json!({}), metadata: serde_json::json!({}),
/// #     recorded_at: std::time::SystemTime::now(),
/// # };
/// let id: u64 = aggregate_id(&event).unwrap();
/// assert_eq!(id, 42);
/// ```
pub fn aggregate_id<I: std::str::FromStr>(event: &StoredEvent) -> Result<I>
where
    I::Err: std::fmt::Display,
{
    event
        .stream
        .aggregate_id
        .parse()
        .map_err(|error: I::Err| Error::Decode {
            what: "aggregate id",
            stream: event.stream.to_string(),
            version: event.version,
            message: error.to_string(),
        })
}

/// What one event does to a typed read model `R`.
pub enum Change<R> {
    /// The row with `key` becomes what `update` makes of the current row (`None`: there is
    /// none yet, so `update` builds a new one).
    Upsert {
        /// The row's key, as [`key_text`] writes it.
        key: String,
        /// The new row, from the current one.
        update: Box<dyn FnOnce(Option<R>) -> R + Send>,
    },
    /// The row with `key` is deleted.
    Remove {
        /// The row's key, as [`key_text`] writes it.
        key: String,
    },
}

impl<R> Change<R> {
    /// An upsert of the row keyed by `key`: `update` gets the key back with the current row
    /// (`None`: there is none), so it can build a new row around it.
    pub fn upsert<K: Serialize + Send + 'static>(
        key: K,
        update: impl FnOnce(K, Option<R>) -> R + Send + 'static,
    ) -> Result<Self> {
        Ok(Self::Upsert {
            key: key_text(&key)?,
            update: Box::new(move |row| update(key, row)),
        })
    }

    /// The removal of the row keyed by `key`.
    pub fn remove(key: &impl Serialize) -> Result<Self> {
        Ok(Self::Remove {
            key: key_text(key)?,
        })
    }

    /// The key of the row the change is about.
    pub fn key(&self) -> &str {
        match self {
            Self::Upsert { key, .. } | Self::Remove { key } => key,
        }
    }
}

impl<R> std::fmt::Debug for Change<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Upsert { key, .. } => f.debug_struct("Upsert").field("key", key).finish(),
            Self::Remove { key } => f.debug_struct("Remove").field("key", key).finish(),
        }
    }
}

/// A read model whose rows are values of `Self`.
///
/// ```
/// use seedwork::projection::{Change, ReadModel};
/// use seedwork::{decode_event, Result, StoredEvent};
/// use serde::{Deserialize, Serialize};
///
/// /// How many deposits each account received.
/// #[derive(Debug, Serialize, Deserialize)]
/// struct DepositCount { account: String, deposits: u32 }
///
/// impl ReadModel for DepositCount {
///     const NAME: &'static str = "deposit_counts";
///     const VERSION: &'static str = "1";
///     fn change(event: &StoredEvent) -> Result<Option<Change<Self>>> {
///         if event.event_type != "MoneyDeposited" {
///             return Ok(None);
///         }
///         let account = event.stream.aggregate_id.clone();
///         Change::upsert(account, |account, row: Option<Self>| match row {
///             Some(row) => Self { deposits: row.deposits + 1, ..row },
///             None => Self { account, deposits: 1 },
///         })
///         .map(Some)
///     }
/// }
/// ```
pub trait ReadModel: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// [`Projection::name`].
    const NAME: &'static str;
    /// [`Projection::version`].
    const VERSION: &'static str;
    /// [`Projection::filters`].
    const FILTERS: &'static [&'static str] = &[];

    /// What `event` does to this read model, if anything. Called twice per event (for the
    /// key before the commit, for the row during it), so it must be a pure function.
    fn change(event: &StoredEvent) -> Result<Option<Change<Self>>>;
}

/// The [`Projection`] of the typed read model `R`.
pub struct TypedProjection<R>(PhantomData<fn() -> R>);

impl<R> std::fmt::Debug for TypedProjection<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TypedProjection")
    }
}

/// The projection to [`install`](crate::store::ReadModelStore::install) for the read model `R`.
pub fn projection<R: ReadModel>() -> Arc<dyn Projection> {
    Arc::new(TypedProjection::<R>(PhantomData))
}

fn decode_row<R: DeserializeOwned>(name: &str, row: serde_json::Value) -> Result<R> {
    serde_json::from_value(row).map_err(|error| Error::Decode {
        what: "read-model row",
        stream: name.to_owned(),
        version: 0,
        message: error.to_string(),
    })
}

impl<R: ReadModel> Projection for TypedProjection<R> {
    fn name(&self) -> &'static str {
        R::NAME
    }

    fn version(&self) -> &'static str {
        R::VERSION
    }

    fn filters(&self) -> &'static [&'static str] {
        R::FILTERS
    }

    fn key(&self, event: &StoredEvent) -> Result<Option<String>> {
        Ok(R::change(event)?.map(|change| change.key().to_owned()))
    }

    fn apply(&self, row: Option<serde_json::Value>, event: &StoredEvent) -> Result<RowChange> {
        Ok(match R::change(event)? {
            None => RowChange::Keep,
            Some(Change::Remove { .. }) => RowChange::Remove,
            Some(Change::Upsert { update, .. }) => {
                let current = row.map(|row| decode_row::<R>(R::NAME, row)).transpose()?;
                RowChange::Put(serde_json::to_value(update(current))?)
            }
        })
    }
}

/// A page of typed rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rows<R> {
    /// The rows, in key order.
    pub rows: Vec<R>,
    /// How many rows match, on every page.
    pub total: u64,
}

/// Typed queries over the read models of a [`ReadModelStore`].
#[derive(Clone)]
pub struct ReadModels {
    store: Arc<dyn ReadModelStore>,
}

impl std::fmt::Debug for ReadModels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReadModels")
    }
}

impl ReadModels {
    /// Queries over `store`.
    pub fn new(store: Arc<dyn ReadModelStore>) -> Self {
        Self { store }
    }

    /// The store underneath.
    pub fn store(&self) -> &Arc<dyn ReadModelStore> {
        &self.store
    }

    /// The row of `R` keyed by `key`.
    pub async fn get<R: ReadModel>(&self, key: &impl Serialize) -> Result<Option<R>> {
        let key = key_text(key)?;
        self.store
            .get_row(R::NAME, &key)
            .await?
            .map(|row| decode_row(R::NAME, row))
            .transpose()
    }

    /// The rows of `R` that `query` selects.
    pub async fn list<R: ReadModel>(&self, query: &ListQuery) -> Result<Rows<R>> {
        let page = self.store.list_rows(R::NAME, query).await?;
        Ok(Rows {
            rows: page
                .rows
                .into_iter()
                .map(|row| decode_row(R::NAME, row))
                .collect::<Result<_>>()?,
            total: page.total,
        })
    }
}
