//! One backend for a whole service, chosen by the database URL it is configured with.

use super::{EventStore, IdempotencyStore, Outbox, ReadModelStore, StateStore};
#[cfg(any(feature = "sqlite", feature = "postgres"))]
use crate::error::Result;

/// Every store a service needs (journal, state records, read models, outbox, idempotency) in
/// one backend, so that a write and everything it changes share one transaction.
pub trait Backend: EventStore + StateStore + ReadModelStore + Outbox + IdempotencyStore {}

impl<T: EventStore + StateStore + ReadModelStore + Outbox + IdempotencyStore> Backend for T {}

/// What [`connect`] opened, for messages: the kind of database and where, without a password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    /// The backend as shared by every part of the service.
    pub kind: &'static str,
    /// The URL with any password replaced by `***`.
    pub location: String,
}

/// Whether `url` names a PostgreSQL database.
///
/// ```
/// assert!(seedwork::store::is_postgres_url("postgres://app@db/app"));
/// assert!(seedwork::store::is_postgres_url("postgresql://db/app"));
/// assert!(!seedwork::store::is_postgres_url("sqlite://app.db"));
/// assert!(!seedwork::store::is_postgres_url("data/app.db"));
/// ```
pub fn is_postgres_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

/// `url` with the password of its user info, if any, replaced by `***`.
///
/// ```
/// use seedwork::store::redacted;
/// assert_eq!(redacted("postgres://app:s3cret@db:5432/app"), "postgres://app:***@db:5432/app");
/// assert_eq!(redacted("postgres://db/app"), "postgres://db/app");
/// assert_eq!(redacted("orders.db"), "orders.db");
/// ```
pub fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((user_info, host)) => match user_info.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{path}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// Opens the database `url` names and creates its tables: PostgreSQL for a `postgres://` or
/// `postgresql://` URL (feature `postgres`), SQLite for anything else — a `sqlite:` URL or a
/// plain file path, created if missing (feature `sqlite`).
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub async fn connect(url: &str) -> Result<(std::sync::Arc<dyn Backend>, Opened)> {
    let opened = |kind| Opened {
        kind,
        location: redacted(url),
    };
    if is_postgres_url(url) {
        #[cfg(feature = "postgres")]
        {
            let store = super::postgres::PostgresStore::connect(url).await?;
            return Ok((std::sync::Arc::new(store), opened("PostgreSQL")));
        }
        #[cfg(not(feature = "postgres"))]
        return Err(crate::Error::Configuration(format!(
            "{} is a PostgreSQL URL, but seedwork was built without the `postgres` feature",
            redacted(url)
        )));
    }
    #[cfg(feature = "sqlite")]
    {
        let sqlite_url = if url.starts_with("sqlite:") {
            url.to_owned()
        } else {
            format!("sqlite://{url}")
        };
        let store = super::sqlite::SqliteStore::connect(&sqlite_url).await?;
        Ok((std::sync::Arc::new(store), opened("SQLite")))
    }
    #[cfg(not(feature = "sqlite"))]
    Err(crate::Error::Configuration(format!(
        "{url} is not a PostgreSQL URL, and seedwork was built without the `sqlite` feature"
    )))
}
