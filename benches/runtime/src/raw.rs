//! The floor for SQLite: the same bank written directly against sqlx, with no framework.
//!
//! Per command: one `BEGIN IMMEDIATE` transaction that loads the stream, decides with the
//! model's rules, inserts the event and commits. The rows are the ones Seedwork's
//! `SqliteStore` writes (same table, same columns, same JSON text, a metadata object of the
//! same shape), the connection settings the ones `SqliteStore::connect` uses. What remains
//! between the two is what the framework adds.

use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::Row;
use uuid::Uuid;

use crate::driver::{Attempt, Bank, Target};
use crate::workload::{Cmd, Event, Outcome, State};

/// The aggregate type stored with every event, as Seedwork stores it.
const TYPE: &str = "Account";

/// The events table of Seedwork's `runtime/src/store/sqlite.rs`, copied so both write the
/// same rows into the same shape of table and index.
const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS events (
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
    )";

const LOAD: &str = "SELECT version, payload FROM events
      WHERE aggregate_type = ?1 AND aggregate_id = ?2 ORDER BY version";

const INSERT: &str = "INSERT INTO events (aggregate_type, aggregate_id, version, event_id,
        event_type, schema_version, payload, metadata, recorded_at)
     VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6, ?7, ?8)";

/// The metadata a request would carry, in the shape Seedwork serializes its `Metadata`.
#[derive(serde::Serialize)]
struct RequestMetadata {
    request_id: Uuid,
    correlation_id: Uuid,
}

/// Hand-written sqlx over one SQLite file.
pub struct RawSqlite {
    pool: SqlitePool,
}

impl RawSqlite {
    /// Opens `path` with the options `SqliteStore::connect` uses for a file (WAL, a 10 s
    /// busy timeout, foreign keys, sqlx's default pool) and creates the table.
    pub async fn open(path: &std::path::Path) -> Result<Self, String> {
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
            .map_err(|error| format!("raw: {error}"))?
            .create_if_missing(true)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            .journal_mode(SqliteJournalMode::Wal);
        let pool = SqlitePoolOptions::new()
            .connect_with(options)
            .await
            .map_err(|error| format!("raw: opening {}: {error}", path.display()))?;
        sqlx::query(SCHEMA)
            .execute(&pool)
            .await
            .map_err(|error| format!("raw: creating the table: {error}"))?;
        Ok(Self { pool })
    }

    async fn load(
        executor: impl sqlx::SqliteExecutor<'_>,
        key: &str,
    ) -> Result<Vec<(u64, Event)>, sqlx::Error> {
        let rows = sqlx::query(LOAD)
            .bind(TYPE)
            .bind(key)
            .fetch_all(executor)
            .await?;
        rows.iter()
            .map(|row| {
                let version: i64 = row.try_get("version")?;
                let payload: &str = row.try_get("payload")?;
                let event = serde_json::from_str(payload)
                    .map_err(|error| sqlx::Error::Decode(Box::new(error)))?;
                Ok((version as u64, event))
            })
            .collect()
    }

    async fn run(&self, key: &str, cmd: Cmd) -> Result<Outcome, sqlx::Error> {
        let mut transaction = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let stream = Self::load(&mut *transaction, key).await?;
        let state = State::replay(stream.iter().map(|(_, event)| *event));
        let Ok(event) = state.decide(cmd) else {
            transaction.rollback().await?;
            return Ok(Outcome::Refused);
        };
        let request = Uuid::new_v4();
        let metadata = serde_json::to_string(&RequestMetadata {
            request_id: request,
            correlation_id: request,
        })
        .map_err(|error| sqlx::Error::Encode(Box::new(error)))?;
        let payload =
            serde_json::to_string(&event).map_err(|error| sqlx::Error::Encode(Box::new(error)))?;
        let recorded_at = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_micros() as i64);
        sqlx::query(INSERT)
            .bind(TYPE)
            .bind(key)
            .bind(stream.len() as i64 + 1)
            .bind(Uuid::new_v4().to_string())
            .bind(event.event_type())
            .bind(payload)
            .bind(metadata)
            .bind(recorded_at)
            .execute(&mut *transaction)
            .await?;
        transaction.commit().await?;
        Ok(Outcome::Accepted)
    }
}

impl Bank for RawSqlite {
    async fn execute(&self, target: Target<'_>, cmd: Cmd) -> Result<Attempt, String> {
        // The write lock is taken before the read, so there is never a conflict to retry.
        self.run(target.key, cmd)
            .await
            .map(Attempt::Done)
            .map_err(|error| format!("raw: {error}"))
    }

    async fn stream(&self, target: Target<'_>) -> Result<Vec<(u64, Event)>, String> {
        Self::load(&self.pool, target.key)
            .await
            .map_err(|error| format!("raw: {error}"))
    }

    async fn state(&self, target: Target<'_>) -> Result<Option<(State, u64)>, String> {
        let stream = self.stream(target).await?;
        let version = stream.last().map_or(0, |(version, _)| *version);
        let state = State::replay(stream.into_iter().map(|(_, event)| event));
        Ok(state.opened.then_some((state, version)))
    }
}
