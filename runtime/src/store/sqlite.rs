//! SQLite backend: all three store traits over one `sqlx` pool, for single-node services,
//! local development and tests that want a real database without a server.
//!
//! Optimistic concurrency lives in the SQL itself. An append is a single
//! `INSERT … SELECT … WHERE <current version> = <expected>` statement: SQLite takes the write
//! lock before that statement reads anything, so the version check and the insert are one
//! atomic step and two writers can never both pass the check. A write statement in autocommit
//! mode also never needs to upgrade a read lock, which is what makes deferred transactions
//! deadlock (`SQLITE_BUSY` without waiting) under concurrent writers.
//!
//! Payloads and metadata are stored as JSON text so that any SQLite tool can read them;
//! timestamps as integer microseconds since the Unix epoch.

use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

use super::sql::{
    decode_claim_row, decode_event_row, decode_state_row, duplicate_event_id, stored_version,
    to_micros, version_after, CLAIM_ATTEMPTS,
};
use super::{
    Claim, EventStore, IdempotencyStore, NewEvent, StateStore, StoredEvent, StoredState, StreamId,
};
use crate::error::{Error, Result};

/// How long a connection waits for another connection's write lock before giving up with
/// `SQLITE_BUSY`. Writes are short single statements, so a long wait means real contention
/// rather than a stuck writer.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The schema, one idempotent statement each. Statements run one by one in autocommit mode:
/// each is atomic on its own, and none needs a lock upgrade.
const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS events (
        aggregate_type TEXT NOT NULL,
        aggregate_id TEXT NOT NULL,
        version INTEGER NOT NULL CHECK (version > 0),
        event_id TEXT NOT NULL UNIQUE,
        event_type TEXT NOT NULL,
        schema_version INTEGER NOT NULL,
        payload TEXT NOT NULL,
        metadata TEXT NOT NULL,
        recorded_at INTEGER NOT NULL,
        PRIMARY KEY (aggregate_type, aggregate_id, version)
    )",
    "CREATE TABLE IF NOT EXISTS snapshots (
        aggregate_type TEXT NOT NULL,
        aggregate_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        state TEXT NOT NULL,
        PRIMARY KEY (aggregate_type, aggregate_id)
    )",
    "CREATE TABLE IF NOT EXISTS aggregate_state (
        aggregate_type TEXT NOT NULL,
        aggregate_id TEXT NOT NULL,
        version INTEGER NOT NULL CHECK (version > 0),
        state TEXT NOT NULL,
        PRIMARY KEY (aggregate_type, aggregate_id)
    )",
    "CREATE TABLE IF NOT EXISTS idempotency (
        key TEXT NOT NULL PRIMARY KEY,
        status TEXT NOT NULL CHECK (status IN ('running', 'completed')),
        reply TEXT
    )",
];

/// The append: inserts every element of the JSON array `?4` (one `[event_id, event_type,
/// schema_version, payload, metadata]` array per event, payload and metadata as JSON text)
/// numbered from `?3 + 1`, but only if the stream is at version `?3`. Zero rows inserted means
/// the expected version was stale or ahead.
const APPEND: &str =
    "INSERT INTO events (aggregate_type, aggregate_id, version, event_id, event_type,
                            schema_version, payload, metadata, recorded_at)
     SELECT ?1, ?2, ?3 + batch.key + 1, batch.value ->> 0, batch.value ->> 1,
            batch.value ->> 2, batch.value ->> 3, batch.value ->> 4, ?5
       FROM json_each(?4) AS batch
      WHERE (SELECT COALESCE(MAX(version), 0) FROM events
              WHERE aggregate_type = ?1 AND aggregate_id = ?2) = ?3";

const CURRENT_VERSION: &str = "SELECT COALESCE(MAX(version), 0) FROM events
      WHERE aggregate_type = ?1 AND aggregate_id = ?2";

const LOAD: &str =
    "SELECT version, event_id, event_type, schema_version, payload, metadata, recorded_at
       FROM events
      WHERE aggregate_type = ?1 AND aggregate_id = ?2 AND version > ?3
      ORDER BY version";

/// Keeps the newest snapshot: an older one arriving late (a slow writer) never replaces it.
const SAVE_SNAPSHOT: &str =
    "INSERT INTO snapshots (aggregate_type, aggregate_id, version, state) VALUES (?1, ?2, ?3, ?4)
     ON CONFLICT (aggregate_type, aggregate_id) DO UPDATE
        SET version = excluded.version, state = excluded.state
      WHERE excluded.version > snapshots.version";

const LOAD_SNAPSHOT: &str =
    "SELECT version, state FROM snapshots WHERE aggregate_type = ?1 AND aggregate_id = ?2";

const INSERT_STATE: &str =
    "INSERT INTO aggregate_state (aggregate_type, aggregate_id, version, state) VALUES (?1, ?2, 1, ?3)
     ON CONFLICT (aggregate_type, aggregate_id) DO NOTHING";

const UPDATE_STATE: &str = "UPDATE aggregate_state SET version = ?4, state = ?5
      WHERE aggregate_type = ?1 AND aggregate_id = ?2 AND version = ?3";

const LOAD_STATE: &str =
    "SELECT version, state FROM aggregate_state WHERE aggregate_type = ?1 AND aggregate_id = ?2";

const CLAIM: &str = "INSERT INTO idempotency (key, status, reply) VALUES (?1, 'running', NULL)
     ON CONFLICT (key) DO NOTHING";

const LOAD_CLAIM: &str = "SELECT status, reply FROM idempotency WHERE key = ?1";

const COMPLETE: &str = "INSERT INTO idempotency (key, status, reply) VALUES (?1, 'completed', ?2)
     ON CONFLICT (key) DO UPDATE SET status = 'completed', reply = excluded.reply";

const RELEASE: &str = "DELETE FROM idempotency WHERE key = ?1 AND status = 'running'";

/// An [`EventStore`], [`StateStore`] and [`IdempotencyStore`] in one SQLite database.
///
/// Cloning is cheap and shares the pool, so one store can be handed to every repository.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use seedwork::{EventStore, SqliteStore, StreamId};
/// let store = SqliteStore::connect("sqlite::memory:").await?;
/// assert!(store.load(&StreamId::new("Account", "1"), 0).await?.is_empty());
/// # Ok::<(), seedwork::Error>(()) }).unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` and creates the tables.
    ///
    /// `url` is a file (`sqlite://data/app.db`, `sqlite:app.db` or a bare path) or an
    /// in-memory database (`sqlite::memory:`). Files get WAL journaling, so readers never
    /// block the writer, plus a busy timeout and foreign keys. An in-memory database lives
    /// only as long as its connections, so it gets a pool of exactly one connection that is
    /// never closed for idleness or age: otherwise the data would silently vanish.
    pub async fn connect(url: &str) -> Result<Self> {
        let options: SqliteConnectOptions = url.parse()?;
        let options = options
            .create_if_missing(true)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        let pool = if is_in_memory(url) {
            SqlitePoolOptions::new()
                .min_connections(1)
                .max_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(options)
                .await?
        } else {
            SqlitePoolOptions::new()
                .connect_with(options.journal_mode(SqliteJournalMode::Wal))
                .await?
        };
        let store = Self::from_pool(pool);
        store.migrate().await?;
        Ok(store)
    }

    /// Wraps a pool configured elsewhere (custom pragmas, pool sizes). Does not create the
    /// tables: call [`migrate`](Self::migrate) once before use.
    pub fn from_pool(pool: SqlitePool) -> Self {
        Self { pool }
    }

    /// The underlying pool, for read models or health checks that share the database.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Creates the tables if they do not exist. Safe to run on every start and from several
    /// processes at once: every statement is `CREATE TABLE IF NOT EXISTS`.
    pub async fn migrate(&self) -> Result<()> {
        for statement in SCHEMA {
            sqlx::query(statement).execute(&self.pool).await?;
        }
        Ok(())
    }

    /// The version of `stream`: its highest event version, 0 when it has no events.
    async fn current_version(&self, stream: &StreamId) -> Result<u64> {
        let version: i64 = sqlx::query_scalar(CURRENT_VERSION)
            .bind(&stream.aggregate_type)
            .bind(&stream.aggregate_id)
            .fetch_one(&self.pool)
            .await?;
        stored_version("event", stream, version)
    }

    /// The conflict to report for a rejected append, with the actual version when it can be
    /// read (the conflict is the real answer; a failure to read the version only loses detail).
    async fn append_conflict(&self, stream: &StreamId, expected: u64) -> Error {
        let actual = self.current_version(stream).await.ok();
        Error::version_conflict(stream, expected, actual)
    }

    /// The current version of a state record, 0 if missing, for conflict messages.
    async fn state_version(&self, key: &StreamId) -> Option<u64> {
        self.load_state(key)
            .await
            .ok()
            .map(|record| record.map_or(0, |record| record.version))
    }
}

#[async_trait]
impl EventStore for SqliteStore {
    async fn append(
        &self,
        stream: &StreamId,
        expected_version: u64,
        events: Vec<NewEvent>,
    ) -> Result<u64> {
        let Ok(expected) = i64::try_from(expected_version) else {
            // No stream can be that long, so the expectation is necessarily stale.
            return Err(self.append_conflict(stream, expected_version).await);
        };
        if events.is_empty() {
            let current = self.current_version(stream).await?;
            if current != expected_version {
                return Err(Error::version_conflict(
                    stream,
                    expected_version,
                    Some(current),
                ));
            }
            return Ok(current);
        }
        let new_version = version_after(stream, expected_version, events.len())?;
        let count = new_version - expected_version;
        let batch = encode_batch(&events)?;
        let recorded_at = to_micros(SystemTime::now())?;
        let result = sqlx::query(APPEND)
            .bind(&stream.aggregate_type)
            .bind(&stream.aggregate_id)
            .bind(expected)
            .bind(batch)
            .bind(recorded_at)
            .execute(&self.pool)
            .await;
        match result {
            Ok(done) if done.rows_affected() == count => Ok(new_version),
            Ok(done) if done.rows_affected() == 0 => {
                Err(self.append_conflict(stream, expected_version).await)
            }
            Ok(done) => Err(Error::infrastructure(format!(
                "{stream}: append wrote {} of {count} events",
                done.rows_affected()
            ))),
            Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
                if error.message().contains("event_id") {
                    Err(duplicate_event_id(stream))
                } else {
                    Err(self.append_conflict(stream, expected_version).await)
                }
            }
            Err(error) => Err(error.into()),
        }
    }

    async fn load(&self, stream: &StreamId, after_version: u64) -> Result<Vec<StoredEvent>> {
        // Versions never exceed i64::MAX, so clamping keeps "nothing after this" exact.
        let after = i64::try_from(after_version).unwrap_or(i64::MAX);
        let rows = sqlx::query(LOAD)
            .bind(&stream.aggregate_type)
            .bind(&stream.aggregate_id)
            .bind(after)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| decode_event_row(stream, row))
            .collect()
    }

    async fn save_snapshot(&self, stream: &StreamId, snapshot: StoredState) -> Result<()> {
        let version = i64::try_from(snapshot.version).map_err(|_| {
            Error::infrastructure(format!(
                "{stream}: snapshot version {} does not fit the database",
                snapshot.version
            ))
        })?;
        sqlx::query(SAVE_SNAPSHOT)
            .bind(&stream.aggregate_type)
            .bind(&stream.aggregate_id)
            .bind(version)
            .bind(serde_json::to_string(&snapshot.state)?)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn load_snapshot(&self, stream: &StreamId) -> Result<Option<StoredState>> {
        let row = sqlx::query(LOAD_SNAPSHOT)
            .bind(&stream.aggregate_type)
            .bind(&stream.aggregate_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| decode_state_row("snapshot", stream, &row))
            .transpose()
    }
}

#[async_trait]
impl StateStore for SqliteStore {
    async fn load_state(&self, key: &StreamId) -> Result<Option<StoredState>> {
        let row = sqlx::query(LOAD_STATE)
            .bind(&key.aggregate_type)
            .bind(&key.aggregate_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| decode_state_row("state", key, &row))
            .transpose()
    }

    async fn save_state(
        &self,
        key: &StreamId,
        expected_version: u64,
        state: serde_json::Value,
    ) -> Result<u64> {
        let text = serde_json::to_string(&state)?;
        let done = if expected_version == 0 {
            sqlx::query(INSERT_STATE)
                .bind(&key.aggregate_type)
                .bind(&key.aggregate_id)
                .bind(text)
                .execute(&self.pool)
                .await?
        } else {
            let (Ok(expected), Some(Ok(new_version))) = (
                i64::try_from(expected_version),
                expected_version.checked_add(1).map(i64::try_from),
            ) else {
                // No record can be at that version, so the expectation is necessarily stale.
                let actual = self.state_version(key).await;
                return Err(Error::version_conflict(key, expected_version, actual));
            };
            sqlx::query(UPDATE_STATE)
                .bind(&key.aggregate_type)
                .bind(&key.aggregate_id)
                .bind(expected)
                .bind(new_version)
                .bind(text)
                .execute(&self.pool)
                .await?
        };
        if done.rows_affected() == 0 {
            let actual = self.state_version(key).await;
            return Err(Error::version_conflict(key, expected_version, actual));
        }
        Ok(expected_version + 1)
    }
}

#[async_trait]
impl IdempotencyStore for SqliteStore {
    async fn claim(&self, key: &str) -> Result<Claim> {
        for _ in 0..CLAIM_ATTEMPTS {
            let inserted = sqlx::query(CLAIM)
                .bind(key)
                .execute(&self.pool)
                .await?
                .rows_affected();
            if inserted == 1 {
                return Ok(Claim::Acquired);
            }
            let row = sqlx::query(LOAD_CLAIM)
                .bind(key)
                .fetch_optional(&self.pool)
                .await?;
            if let Some(row) = row {
                return decode_claim_row(key, &row);
            }
        }
        Ok(Claim::InProgress)
    }

    async fn complete(&self, key: &str, reply: serde_json::Value) -> Result<()> {
        sqlx::query(COMPLETE)
            .bind(key)
            .bind(serde_json::to_string(&reply)?)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn release(&self, key: &str) -> Result<()> {
        sqlx::query(RELEASE).bind(key).execute(&self.pool).await?;
        Ok(())
    }
}

/// True for the URL forms that sqlx opens as an in-memory database.
fn is_in_memory(url: &str) -> bool {
    let rest = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let (database, params) = rest.split_once('?').unwrap_or((rest, ""));
    database == ":memory:" || params.split('&').any(|param| param == "mode=memory")
}

/// The batch as the JSON array that `APPEND` unpacks with `json_each`. Payload and metadata
/// travel as JSON *text* inside it, so SQLite stores exactly the bytes serde produced instead
/// of re-serializing them with its own JSON printer.
fn encode_batch(events: &[NewEvent]) -> Result<String> {
    let rows = events
        .iter()
        .map(|event| {
            Ok(serde_json::json!([
                event.event_id.to_string(),
                event.event_type,
                event.schema_version,
                serde_json::to_string(&event.payload)?,
                serde_json::to_string(&event.metadata)?,
            ]))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(serde_json::to_string(&rows)?)
}
