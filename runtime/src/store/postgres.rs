//! PostgreSQL backend: all three store traits over one `sqlx` pool, for production services.
//!
//! An append is ONE statement and one round trip: the whole batch travels as parallel
//! arrays, is unpacked with `UNNEST … WITH ORDINALITY`, numbered from the expected version,
//! and inserted only if the stream is at that version. Two writers racing on the same stream
//! both pass the check at most momentarily: the second one then collides on the
//! `(aggregate_type, aggregate_id, version)` key and gets a unique violation, which is
//! reported as a conflict. No explicit transaction, no lock, no second query on the happy
//! path.
//!
//! Payloads, metadata and states are `jsonb`. They are read back as text and parsed here, so a
//! value serde cannot read (deeper than its recursion limit, for instance) becomes a typed
//! [`Error::Decode`] naming the stream and version instead of a driver error.

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use super::sql::{
    decode_claim_row, decode_event_row, decode_state_row, duplicate_event_id, stored_version,
    version_after, CLAIM_ATTEMPTS,
};
use super::{
    Claim, EventStore, IdempotencyStore, NewEvent, StateStore, StoredEvent, StoredState, StreamId,
};
use crate::error::{Error, Result};

/// The key of the transaction-scoped advisory lock that serializes concurrent migrations
/// (`CREATE TABLE IF NOT EXISTS` is not safe against itself running in parallel): the bytes
/// of `seedwork` read as a big-endian integer.
const MIGRATION_LOCK: i64 = 0x7365_6564_776f_726b;

/// The schema, one idempotent statement each, run in one transaction under [`MIGRATION_LOCK`].
const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS events (
        aggregate_type text NOT NULL,
        aggregate_id text NOT NULL,
        version bigint NOT NULL CHECK (version > 0),
        event_id uuid NOT NULL,
        event_type text NOT NULL,
        schema_version bigint NOT NULL,
        payload jsonb NOT NULL,
        metadata jsonb NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT events_stream_version_key PRIMARY KEY (aggregate_type, aggregate_id, version),
        CONSTRAINT events_event_id_key UNIQUE (event_id)
    )",
    "CREATE TABLE IF NOT EXISTS snapshots (
        aggregate_type text NOT NULL,
        aggregate_id text NOT NULL,
        version bigint NOT NULL,
        state jsonb NOT NULL,
        PRIMARY KEY (aggregate_type, aggregate_id)
    )",
    "CREATE TABLE IF NOT EXISTS aggregate_state (
        aggregate_type text NOT NULL,
        aggregate_id text NOT NULL,
        version bigint NOT NULL CHECK (version > 0),
        state jsonb NOT NULL,
        PRIMARY KEY (aggregate_type, aggregate_id)
    )",
    "CREATE TABLE IF NOT EXISTS idempotency (
        key text NOT NULL PRIMARY KEY,
        status text NOT NULL CHECK (status IN ('running', 'completed')),
        reply jsonb
    )",
];

/// The name of the unique constraint on event ids, to tell a reused event id apart from a
/// version race.
const EVENT_ID_CONSTRAINT: &str = "events_event_id_key";

/// The one-statement append. `$4..$8` are parallel arrays, one element per event; the
/// ordinality numbers them 1, 2, 3… so event `i` gets version `$3 + i`. Zero rows inserted
/// means the expected version was stale or ahead; a unique violation means another writer
/// took the same version between our check and our insert.
const APPEND: &str = "INSERT INTO events (aggregate_type, aggregate_id, version, event_id, event_type,
                             schema_version, payload, metadata)
     SELECT $1, $2, $3 + batch.ordinality, batch.event_id, batch.event_type,
            batch.schema_version, batch.payload::jsonb, batch.metadata::jsonb
       FROM UNNEST($4::uuid[], $5::text[], $6::bigint[], $7::text[], $8::text[])
            WITH ORDINALITY AS batch(event_id, event_type, schema_version, payload, metadata, ordinality)
      WHERE (SELECT COALESCE(MAX(version), 0) FROM events
              WHERE aggregate_type = $1 AND aggregate_id = $2) = $3";

const CURRENT_VERSION: &str = "SELECT COALESCE(MAX(version), 0)::bigint FROM events
      WHERE aggregate_type = $1 AND aggregate_id = $2";

const LOAD: &str = "SELECT version, event_id::text AS event_id, event_type, schema_version,
            payload::text AS payload, metadata::text AS metadata,
            (EXTRACT(EPOCH FROM recorded_at) * 1000000)::bigint AS recorded_at
       FROM events
      WHERE aggregate_type = $1 AND aggregate_id = $2 AND version > $3
      ORDER BY version";

/// Keeps the newest snapshot: an older one arriving late (a slow writer) never replaces it.
const SAVE_SNAPSHOT: &str = "INSERT INTO snapshots (aggregate_type, aggregate_id, version, state)
     VALUES ($1, $2, $3, $4::jsonb)
     ON CONFLICT (aggregate_type, aggregate_id) DO UPDATE
        SET version = excluded.version, state = excluded.state
      WHERE excluded.version > snapshots.version";

const LOAD_SNAPSHOT: &str = "SELECT version, state::text AS state FROM snapshots
      WHERE aggregate_type = $1 AND aggregate_id = $2";

const INSERT_STATE: &str =
    "INSERT INTO aggregate_state (aggregate_type, aggregate_id, version, state)
     VALUES ($1, $2, 1, $3::jsonb)
     ON CONFLICT (aggregate_type, aggregate_id) DO NOTHING";

const UPDATE_STATE: &str = "UPDATE aggregate_state SET version = $4, state = $5::jsonb
      WHERE aggregate_type = $1 AND aggregate_id = $2 AND version = $3";

const LOAD_STATE: &str = "SELECT version, state::text AS state FROM aggregate_state
      WHERE aggregate_type = $1 AND aggregate_id = $2";

const CLAIM: &str = "INSERT INTO idempotency (key, status, reply) VALUES ($1, 'running', NULL)
     ON CONFLICT (key) DO NOTHING";

const LOAD_CLAIM: &str = "SELECT status, reply::text AS reply FROM idempotency WHERE key = $1";

const COMPLETE: &str =
    "INSERT INTO idempotency (key, status, reply) VALUES ($1, 'completed', $2::jsonb)
     ON CONFLICT (key) DO UPDATE SET status = 'completed', reply = excluded.reply";

const RELEASE: &str = "DELETE FROM idempotency WHERE key = $1 AND status = 'running'";

/// An [`EventStore`], [`StateStore`] and [`IdempotencyStore`] in one PostgreSQL database.
///
/// Cloning is cheap and shares the pool, so one store can be handed to every repository.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
    /// The schema `migrate` creates before its tables, when the store was opened with one.
    schema: Option<String>,
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user:password@host:port/database`) with default pool
    /// settings and creates the tables in the connection's default schema.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with(PgPoolOptions::new(), url.parse()?, None).await
    }

    /// Like [`connect`](Self::connect), but every connection of the pool works in `schema`
    /// (its `search_path`), which is created if missing. One schema per tenant, per service
    /// sharing a database, or per test keeps their tables apart.
    ///
    /// `schema` must be a plain lower-case identifier (`[a-z_][a-z0-9_]*`, at most 63 bytes):
    /// it is spliced into DDL and into the connection's startup options, where quoting rules
    /// differ, so anything else is refused as a configuration error.
    pub async fn connect_with_schema(url: &str, schema: &str) -> Result<Self> {
        Self::connect_with(PgPoolOptions::new(), url.parse()?, Some(schema)).await
    }

    /// The general constructor: your pool settings (size, acquire timeout), your connection
    /// options (TLS, application name), and optionally a schema as in
    /// [`connect_with_schema`](Self::connect_with_schema). Connects, then creates the tables.
    pub async fn connect_with(
        pool_options: PgPoolOptions,
        connect_options: PgConnectOptions,
        schema: Option<&str>,
    ) -> Result<Self> {
        let connect_options = match schema {
            Some(schema) => {
                validate_schema(schema)?;
                connect_options.options([("search_path", schema)])
            }
            None => connect_options,
        };
        let pool = pool_options.connect_with(connect_options).await?;
        let store = Self {
            pool,
            schema: schema.map(str::to_owned),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Wraps a pool configured elsewhere. Does not create the tables: call
    /// [`migrate`](Self::migrate) once before use. The tables live in the pool's `search_path`.
    pub fn from_pool(pool: PgPool) -> Self {
        Self { pool, schema: None }
    }

    /// The underlying pool, for read models or health checks that share the database.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Creates the schema (when the store has one) and the tables if they do not exist.
    ///
    /// Safe to run on every start and from many processes at once: it holds a
    /// transaction-scoped advisory lock, so concurrent migrations run one after the other
    /// instead of racing on the catalog.
    pub async fn migrate(&self) -> Result<()> {
        let mut transaction = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *transaction)
            .await?;
        if let Some(schema) = &self.schema {
            let create = format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\"");
            sqlx::query(&create).execute(&mut *transaction).await?;
        }
        for statement in SCHEMA {
            sqlx::query(statement).execute(&mut *transaction).await?;
        }
        transaction.commit().await?;
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
impl EventStore for PostgresStore {
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
        let mut event_ids = Vec::with_capacity(events.len());
        let mut event_types = Vec::with_capacity(events.len());
        let mut schema_versions = Vec::with_capacity(events.len());
        let mut payloads = Vec::with_capacity(events.len());
        let mut metadata = Vec::with_capacity(events.len());
        for event in events {
            event_ids.push(event.event_id);
            event_types.push(event.event_type);
            schema_versions.push(i64::from(event.schema_version));
            payloads.push(serde_json::to_string(&event.payload)?);
            metadata.push(serde_json::to_string(&event.metadata)?);
        }
        let result = sqlx::query(APPEND)
            .bind(&stream.aggregate_type)
            .bind(&stream.aggregate_id)
            .bind(expected)
            .bind(event_ids)
            .bind(event_types)
            .bind(schema_versions)
            .bind(payloads)
            .bind(metadata)
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
                if error.constraint() == Some(EVENT_ID_CONSTRAINT) {
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
impl StateStore for PostgresStore {
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
impl IdempotencyStore for PostgresStore {
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

/// Refuses schema names that would need quoting: see [`PostgresStore::connect_with_schema`].
fn validate_schema(schema: &str) -> Result<()> {
    let mut chars = schema.chars();
    let valid_start = chars
        .next()
        .is_some_and(|first| first.is_ascii_lowercase() || first == '_');
    let valid_rest = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if valid_start && valid_rest && schema.len() <= 63 {
        Ok(())
    } else {
        Err(Error::Configuration(format!(
            "invalid PostgreSQL schema name {schema:?}: use [a-z_][a-z0-9_]*, at most 63 bytes"
        )))
    }
}
