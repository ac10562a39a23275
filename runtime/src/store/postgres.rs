//! PostgreSQL backend: every store trait over one `sqlx` pool, for production services and
//! for many instances of a service sharing one database.
//!
//! An append is ONE statement and one round trip: the whole batch travels as parallel
//! arrays, is unpacked with `UNNEST … WITH ORDINALITY`, numbered from the expected version,
//! and inserted only if the stream is at that version. Two writers racing on the same stream
//! both pass the check at most momentarily: the second one then collides on the
//! `(aggregate_type, aggregate_id, version)` key and gets a unique violation, which is
//! reported as a conflict. No explicit transaction, no lock, no second query on the happy
//! path.
//!
//! When read models follow the events, the append, the state save and the read-model rows
//! they change share one transaction. Before it inserts anything, that transaction takes a
//! transaction-scoped advisory lock per read-model row it will change, in a fixed order (so
//! writers never deadlock on them). Two writes that change the same row therefore get their
//! journal positions in the order they change the row, and a rebuild, which replays the
//! journal in position order, arrives at the rows the live writes left.
//!
//! Payloads, metadata and states are `jsonb`. They are read back as text and parsed here, so a
//! value serde cannot read (deeper than its recursion limit, for instance) becomes a typed
//! [`Error::Decode`] naming the stream and version instead of a driver error.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::SystemTime;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};

use super::projections::{
    installed, outbox_subject, row_hash, touched, Fold, OutboxRoutes, Projections,
};
use super::sql::{
    decode_claim_row, decode_event_row, decode_journal_row, decode_read_model_row,
    decode_state_row, duplicate_event_id, stored_version, to_db, version_after, CLAIM_ATTEMPTS,
};
use super::{
    Claim, EventStore, IdempotencyStore, InstallReport, ListQuery, NewEvent, Outbox, OutboxMessage,
    OutboxRoute, ReadModelStore, RowPage, StateStore, StoredEvent, StoredState, StreamId,
};
use crate::error::{Error, Result};
use crate::projection::Projection;

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
        position bigint GENERATED ALWAYS AS IDENTITY,
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
    // Databases created before claims expired.
    "ALTER TABLE idempotency ADD COLUMN IF NOT EXISTS claimed_at timestamptz",
    // Databases created before events had a journal position: the identity numbers the
    // existing rows.
    "ALTER TABLE events ADD COLUMN IF NOT EXISTS position bigint GENERATED ALWAYS AS IDENTITY",
    "CREATE UNIQUE INDEX IF NOT EXISTS events_position ON events (position)",
    "CREATE TABLE IF NOT EXISTS outbox (
        event_id uuid NOT NULL PRIMARY KEY,
        position bigint NOT NULL,
        subject text NOT NULL,
        published_at timestamptz
    )",
    "CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (position) WHERE published_at IS NULL",
    "CREATE TABLE IF NOT EXISTS read_models (
        name text NOT NULL PRIMARY KEY,
        version text NOT NULL,
        built_at timestamptz NOT NULL DEFAULT now()
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

const LOAD: &str =
    "SELECT version, position, event_id::text AS event_id, event_type, schema_version,
            payload::text AS payload, metadata::text AS metadata,
            (EXTRACT(EPOCH FROM recorded_at) * 1000000)::bigint AS recorded_at
       FROM events
      WHERE aggregate_type = $1 AND aggregate_id = $2 AND version > $3
      ORDER BY version";

const READ_ALL: &str = "SELECT aggregate_type, aggregate_id, version, position,
            event_id::text AS event_id, event_type, schema_version,
            payload::text AS payload, metadata::text AS metadata,
            (EXTRACT(EPOCH FROM recorded_at) * 1000000)::bigint AS recorded_at
       FROM events
      WHERE position > $1
      ORDER BY position
      LIMIT $2";

/// Takes the row locks of a write, in the order given (sorted by the caller).
const LOCK_ROWS: &str = "SELECT pg_advisory_xact_lock(lock) FROM UNNEST($1::bigint[]) AS lock";

const READ_MODEL_VERSIONS: &str = "SELECT name, version FROM read_models";

const INSERT_OUTBOX: &str = "INSERT INTO outbox (event_id, position, subject) VALUES ($1, $2, $3)";

const PENDING: &str = "SELECT e.aggregate_type, e.aggregate_id, e.version, e.position,
            e.event_id::text AS event_id, e.event_type, e.schema_version,
            e.payload::text AS payload, e.metadata::text AS metadata,
            (EXTRACT(EPOCH FROM e.recorded_at) * 1000000)::bigint AS recorded_at, o.subject
       FROM outbox o JOIN events e ON e.event_id = o.event_id
      WHERE o.published_at IS NULL
      ORDER BY o.position
      LIMIT $1";

const MARK_PUBLISHED: &str = "UPDATE outbox SET published_at = now()
      WHERE published_at IS NULL AND event_id = ANY($1::uuid[])";

const RECORD_READ_MODEL: &str = "INSERT INTO read_models (name, version) VALUES ($1, $2)
     ON CONFLICT (name) DO UPDATE SET version = excluded.version, built_at = now()";

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

/// Takes a free key, or a running claim older than `$2` seconds (its request died).
const CLAIM: &str =
    "INSERT INTO idempotency (key, status, reply, claimed_at) VALUES ($1, 'running', NULL, now())
     ON CONFLICT (key) DO UPDATE SET claimed_at = now()
      WHERE idempotency.status = 'running'
        AND COALESCE(idempotency.claimed_at, '-infinity') < now() - make_interval(secs => $2)";

const LOAD_CLAIM: &str = "SELECT status, reply::text AS reply FROM idempotency WHERE key = $1";

const COMPLETE: &str =
    "INSERT INTO idempotency (key, status, reply) VALUES ($1, 'completed', $2::jsonb)
     ON CONFLICT (key) DO UPDATE SET status = 'completed', reply = excluded.reply";

const RELEASE: &str = "DELETE FROM idempotency WHERE key = $1 AND status = 'running'";

/// An [`EventStore`], [`StateStore`], [`ReadModelStore`] and [`IdempotencyStore`] in one
/// PostgreSQL database.
///
/// Cloning is cheap and shares the pool and the installed projections, so one store can be
/// handed to every repository.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
    /// The schema `migrate` creates before its tables, when the store was opened with one.
    schema: Option<String>,
    projections: Projections,
    routes: OutboxRoutes,
    claim_ttl: std::time::Duration,
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user:password@host:port/database`) with the default
    /// pool settings ([`pool_options`](Self::pool_options)) and creates the tables in the
    /// connection's default schema.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with(Self::pool_options(), url.parse()?, None).await
    }

    /// The pool settings of [`connect`](Self::connect): sqlx's, but without the ping before
    /// every acquire, which costs a round trip per statement; a broken connection is still
    /// noticed when it is used, and reported as an infrastructure error.
    pub fn pool_options() -> PgPoolOptions {
        PgPoolOptions::new().test_before_acquire(false)
    }

    /// Like [`connect`](Self::connect), but every connection of the pool works in `schema`
    /// (its `search_path`), which is created if missing. One schema per tenant, per service
    /// sharing a database, or per test keeps their tables apart.
    ///
    /// `schema` must be a plain lower-case identifier (`[a-z_][a-z0-9_]*`, at most 63 bytes):
    /// it is spliced into DDL and into the connection's startup options, where quoting rules
    /// differ, so anything else is refused as a configuration error.
    pub async fn connect_with_schema(url: &str, schema: &str) -> Result<Self> {
        Self::connect_with(Self::pool_options(), url.parse()?, Some(schema)).await
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
            projections: Projections::default(),
            routes: OutboxRoutes::default(),
            claim_ttl: super::CLAIM_TTL,
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Wraps a pool configured elsewhere. Does not create the tables: call
    /// [`migrate`](Self::migrate) once before use. The tables live in the pool's `search_path`.
    pub fn from_pool(pool: PgPool) -> Self {
        Self {
            pool,
            schema: None,
            projections: Projections::default(),
            routes: OutboxRoutes::default(),
            claim_ttl: super::CLAIM_TTL,
        }
    }

    /// The store, with idempotency claims expiring after `ttl` instead of the default
    /// (`store::CLAIM_TTL`).
    #[must_use]
    pub fn with_claim_ttl(mut self, ttl: std::time::Duration) -> Self {
        self.claim_ttl = ttl;
        self
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
        let mut connection = self.pool.acquire().await?;
        stream_version(&mut connection, stream).await
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

    /// Appends, updates the read models and fills the outbox in one transaction.
    async fn append_projected(
        &self,
        stream: &StreamId,
        expected_version: u64,
        events: Vec<NewEvent>,
        projections: &[Arc<dyn Projection>],
        routes: &[OutboxRoute],
    ) -> Result<u64> {
        let mut transaction = self.pool.begin().await?;
        lock_rows(
            &mut transaction,
            projections,
            stream,
            expected_version,
            &events,
        )
        .await?;
        let version =
            match insert_events(&mut transaction, stream, expected_version, events).await? {
                Inserted::Done(version) => version,
                Inserted::Stale => {
                    transaction.rollback().await?;
                    return Err(self.append_conflict(stream, expected_version).await);
                }
            };
        let stored = load_events(&mut transaction, stream, expected_version).await?;
        project(&mut transaction, projections, &stored).await?;
        fill_outbox(&mut transaction, routes, &stored).await?;
        transaction.commit().await?;
        Ok(version)
    }
}

/// Writes the outbox messages of just-stored `events` that leave the context, inside the
/// caller's transaction.
async fn fill_outbox(
    connection: &mut PgConnection,
    routes: &[OutboxRoute],
    events: &[StoredEvent],
) -> Result<()> {
    for event in events {
        if let Some(subject) = outbox_subject(routes, event) {
            sqlx::query(INSERT_OUTBOX)
                .bind(event.event_id)
                .bind(to_db(event.position, "position")?)
                .bind(subject)
                .execute(&mut *connection)
                .await?;
        }
    }
    Ok(())
}

/// How an insert of events went.
enum Inserted {
    /// Stored; the stream's new version.
    Done(u64),
    /// The stream is not at the expected version: nothing was stored.
    Stale,
}

/// The version of `stream` as `connection` sees it.
async fn stream_version(connection: &mut PgConnection, stream: &StreamId) -> Result<u64> {
    let version: i64 = sqlx::query_scalar(CURRENT_VERSION)
        .bind(&stream.aggregate_type)
        .bind(&stream.aggregate_id)
        .fetch_one(&mut *connection)
        .await?;
    stored_version("event", stream, version)
}

/// Inserts `events` numbered after `expected_version`, if the stream is at that version.
async fn insert_events(
    connection: &mut PgConnection,
    stream: &StreamId,
    expected_version: u64,
    events: Vec<NewEvent>,
) -> Result<Inserted> {
    let Ok(expected) = i64::try_from(expected_version) else {
        // No stream can be that long, so the expectation is necessarily stale.
        return Ok(Inserted::Stale);
    };
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
        .execute(&mut *connection)
        .await;
    match result {
        Ok(done) if done.rows_affected() == count => Ok(Inserted::Done(new_version)),
        Ok(done) if done.rows_affected() == 0 => Ok(Inserted::Stale),
        Ok(done) => Err(Error::infrastructure(format!(
            "{stream}: append wrote {} of {count} events",
            done.rows_affected()
        ))),
        Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
            if error.constraint() == Some(EVENT_ID_CONSTRAINT) {
                Err(duplicate_event_id(stream))
            } else {
                Ok(Inserted::Stale)
            }
        }
        Err(error) => Err(error.into()),
    }
}

/// The events of `stream` after `after_version`, as `connection` sees them.
async fn load_events(
    connection: &mut PgConnection,
    stream: &StreamId,
    after_version: u64,
) -> Result<Vec<StoredEvent>> {
    // Versions never exceed i64::MAX, so clamping keeps "nothing after this" exact.
    let after = i64::try_from(after_version).unwrap_or(i64::MAX);
    let rows = sqlx::query(LOAD)
        .bind(&stream.aggregate_type)
        .bind(&stream.aggregate_id)
        .bind(after)
        .fetch_all(&mut *connection)
        .await?;
    rows.iter()
        .map(|row| decode_event_row(stream, row))
        .collect()
}

/// Locks, for the rest of the transaction, every read-model row that `events` (about to be
/// appended to `stream` after `expected_version`) will change. Keys depend on the stream and
/// the payload only, so they are known before the events have positions.
async fn lock_rows(
    connection: &mut PgConnection,
    projections: &[Arc<dyn Projection>],
    stream: &StreamId,
    expected_version: u64,
    events: &[NewEvent],
) -> Result<()> {
    let recorded_at = SystemTime::now();
    let pending: Vec<StoredEvent> = events
        .iter()
        .enumerate()
        .map(|(offset, event)| StoredEvent {
            stream: stream.clone(),
            version: expected_version + offset as u64 + 1,
            position: 0,
            event_id: event.event_id,
            event_type: event.event_type.clone(),
            schema_version: event.schema_version,
            payload: event.payload.clone(),
            metadata: event.metadata.clone(),
            recorded_at,
        })
        .collect();
    let mut locks: Vec<i64> = touched(projections, &pending)?
        .iter()
        .map(|(index, key)| row_hash(projections[*index].name(), key))
        .collect();
    if locks.is_empty() {
        return Ok(());
    }
    locks.sort_unstable();
    locks.dedup();
    sqlx::query(LOCK_ROWS)
        .bind(locks)
        .execute(&mut *connection)
        .await?;
    Ok(())
}

/// The table of a read model: its name is a checked plain identifier (see `Projections`).
fn table(projection: &dyn Projection) -> String {
    format!("rm_{}", projection.name())
}

/// Applies just-stored `events` to the rows of the read models they concern, inside the
/// caller's transaction, which holds their locks.
async fn project(
    connection: &mut PgConnection,
    projections: &[Arc<dyn Projection>],
    events: &[StoredEvent],
) -> Result<()> {
    let mut fold = Fold::over_loaded();
    for (index, key) in touched(projections, events)? {
        let table = table(&*projections[index]);
        let row = sqlx::query(&format!(
            "SELECT row::text AS row, position FROM {table} WHERE key = $1"
        ))
        .bind(&key)
        .fetch_optional(&mut *connection)
        .await?;
        let stored = row
            .map(|row| decode_read_model_row(projections[index].name(), &row))
            .transpose()?;
        fold.load((index, key), stored);
    }
    for event in events {
        fold.apply(projections, event)?;
    }
    write_rows(connection, projections, fold).await
}

/// Writes the rows a fold changed.
async fn write_rows(
    connection: &mut PgConnection,
    projections: &[Arc<dyn Projection>],
    fold: Fold,
) -> Result<()> {
    for ((index, key), slot) in fold.changed() {
        let table = table(&*projections[index]);
        match slot.row {
            Some(row) => {
                sqlx::query(&format!(
                    "INSERT INTO {table} (key, row, position) VALUES ($1, $2::jsonb, $3)
                     ON CONFLICT (key) DO UPDATE SET row = excluded.row, position = excluded.position"
                ))
                .bind(&key)
                .bind(serde_json::to_string(&row)?)
                .bind(to_db(slot.position, "position")?)
                .execute(&mut *connection)
                .await?;
            }
            None => {
                sqlx::query(&format!("DELETE FROM {table} WHERE key = $1"))
                    .bind(&key)
                    .execute(&mut *connection)
                    .await?;
            }
        }
    }
    Ok(())
}

/// Creates the table and filter indexes of a read model, dropping indexes of filters it no
/// longer has.
async fn create_read_model(
    connection: &mut PgConnection,
    projection: &dyn Projection,
) -> Result<()> {
    let table = table(projection);
    sqlx::query(&format!(
        "CREATE TABLE IF NOT EXISTS {table} (
            key text NOT NULL PRIMARY KEY,
            row jsonb NOT NULL,
            position bigint NOT NULL
        )"
    ))
    .execute(&mut *connection)
    .await?;
    let wanted: HashSet<String> = projection
        .filters()
        .iter()
        .map(|filter| format!("{table}__{filter}"))
        .collect();
    let existing: Vec<String> = sqlx::query_scalar(
        "SELECT indexname::text FROM pg_indexes
          WHERE schemaname = current_schema() AND tablename = $1 AND indexname LIKE $2",
    )
    .bind(&table)
    .bind(format!("{table}\\_\\_%"))
    .fetch_all(&mut *connection)
    .await?;
    for index in existing.iter().filter(|index| !wanted.contains(*index)) {
        sqlx::query(&format!("DROP INDEX IF EXISTS {index}"))
            .execute(&mut *connection)
            .await?;
    }
    for filter in projection.filters() {
        sqlx::query(&format!(
            "CREATE INDEX IF NOT EXISTS {table}__{filter} ON {table} ((row -> '{filter}'))"
        ))
        .execute(&mut *connection)
        .await?;
    }
    Ok(())
}

/// Empties the read models `chosen` and replays the whole journal into them, inside the
/// caller's transaction; returns how many events were replayed. Writers wait meanwhile: the
/// journal is locked against inserts until the transaction ends.
async fn replay(connection: &mut PgConnection, chosen: &[Arc<dyn Projection>]) -> Result<u64> {
    sqlx::query("LOCK TABLE events IN SHARE MODE")
        .execute(&mut *connection)
        .await?;
    for projection in chosen {
        sqlx::query(&format!("DELETE FROM {}", table(&**projection)))
            .execute(&mut *connection)
            .await?;
    }
    let mut fold = Fold::from_empty();
    let mut after = 0;
    let mut replayed = 0;
    loop {
        let rows = sqlx::query(READ_ALL)
            .bind(to_db(after, "position")?)
            .bind(REPLAY_BATCH)
            .fetch_all(&mut *connection)
            .await?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            let event = decode_journal_row(row)?;
            fold.apply(chosen, &event)?;
            after = event.position;
            replayed += 1;
        }
    }
    write_rows(connection, chosen, fold).await?;
    for projection in chosen {
        sqlx::query(RECORD_READ_MODEL)
            .bind(projection.name())
            .bind(projection.version())
            .execute(&mut *connection)
            .await?;
    }
    Ok(replayed)
}

/// How many events a replay reads per query.
const REPLAY_BATCH: i64 = 1_000;

#[async_trait]
impl EventStore for PostgresStore {
    async fn append(
        &self,
        stream: &StreamId,
        expected_version: u64,
        events: Vec<NewEvent>,
    ) -> Result<u64> {
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
        let projections = self.projections.current();
        let routes = self.routes.current();
        if !projections.is_empty() || !routes.is_empty() {
            return self
                .append_projected(stream, expected_version, events, &projections, &routes)
                .await;
        }
        let mut connection = self.pool.acquire().await?;
        match insert_events(&mut connection, stream, expected_version, events).await? {
            Inserted::Done(version) => Ok(version),
            Inserted::Stale => {
                drop(connection);
                Err(self.append_conflict(stream, expected_version).await)
            }
        }
    }

    async fn load(&self, stream: &StreamId, after_version: u64) -> Result<Vec<StoredEvent>> {
        let mut connection = self.pool.acquire().await?;
        load_events(&mut connection, stream, after_version).await
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

    async fn read_all(&self, after_position: u64, limit: usize) -> Result<Vec<StoredEvent>> {
        let after = i64::try_from(after_position).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = sqlx::query(READ_ALL)
            .bind(after)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(decode_journal_row).collect()
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
        events: Vec<NewEvent>,
    ) -> Result<u64> {
        let text = serde_json::to_string(&state)?;
        let (Ok(expected), Some(Ok(new_version))) = (
            i64::try_from(expected_version),
            expected_version.checked_add(1).map(i64::try_from),
        ) else {
            // No record can be at that version, so the expectation is necessarily stale.
            let actual = self.state_version(key).await;
            return Err(Error::version_conflict(key, expected_version, actual));
        };
        let projections = self.projections.current();
        let mut transaction = self.pool.begin().await?;
        if !projections.is_empty() && !events.is_empty() {
            // The stream's version is only known under the record's lock, but keys do not
            // depend on it: lock with the expected version as a stand-in.
            lock_rows(
                &mut transaction,
                &projections,
                key,
                expected_version,
                &events,
            )
            .await?;
        }
        let done = if expected_version == 0 {
            sqlx::query(INSERT_STATE)
                .bind(&key.aggregate_type)
                .bind(&key.aggregate_id)
                .bind(text)
                .execute(&mut *transaction)
                .await?
        } else {
            sqlx::query(UPDATE_STATE)
                .bind(&key.aggregate_type)
                .bind(&key.aggregate_id)
                .bind(expected)
                .bind(new_version)
                .bind(text)
                .execute(&mut *transaction)
                .await?
        };
        if done.rows_affected() == 0 {
            transaction.rollback().await?;
            let actual = self.state_version(key).await;
            return Err(Error::version_conflict(key, expected_version, actual));
        }
        if !events.is_empty() {
            // The record is locked by this transaction, so its stream cannot move meanwhile.
            let current = stream_version(&mut transaction, key).await?;
            match insert_events(&mut transaction, key, current, events).await? {
                Inserted::Done(_) => {}
                Inserted::Stale => {
                    return Err(Error::infrastructure(format!(
                        "{key}: the events of a state-stored aggregate moved during its save"
                    )))
                }
            }
            let routes = self.routes.current();
            if !projections.is_empty() || !routes.is_empty() {
                let stored = load_events(&mut transaction, key, current).await?;
                project(&mut transaction, &projections, &stored).await?;
                fill_outbox(&mut transaction, &routes, &stored).await?;
            }
        }
        transaction.commit().await?;
        Ok(expected_version + 1)
    }
}

#[async_trait]
impl ReadModelStore for PostgresStore {
    async fn install(&self, projections: Vec<Arc<dyn Projection>>) -> Result<InstallReport> {
        self.projections.replace(projections)?;
        let projections = self.projections.current();
        let mut transaction = self.pool.begin().await?;
        // One instance at a time creates tables and rebuilds; the others then find them built.
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *transaction)
            .await?;
        for projection in projections.iter() {
            create_read_model(&mut transaction, &**projection).await?;
        }
        let built: Vec<(String, String)> = sqlx::query_as(READ_MODEL_VERSIONS)
            .fetch_all(&mut *transaction)
            .await?;
        let stale: Vec<Arc<dyn Projection>> = projections
            .iter()
            .filter(|projection| {
                !built.iter().any(|(name, version)| {
                    name == projection.name() && version == projection.version()
                })
            })
            .cloned()
            .collect();
        let mut report = InstallReport::default();
        if !stale.is_empty() {
            report.replayed = replay(&mut transaction, &stale).await?;
            report.rebuilt = stale.iter().map(|p| p.name().to_owned()).collect();
            report.rebuilt.sort();
        }
        transaction.commit().await?;
        Ok(report)
    }

    async fn rebuild(&self) -> Result<u64> {
        let projections = self.projections.current();
        let mut transaction = self.pool.begin().await?;
        let replayed = replay(&mut transaction, &projections).await?;
        transaction.commit().await?;
        Ok(replayed)
    }

    async fn get_row(&self, read_model: &str, key: &str) -> Result<Option<serde_json::Value>> {
        let projections = self.projections.current();
        let index = installed(&projections, read_model)?;
        let row = sqlx::query(&format!(
            "SELECT row::text AS row, position FROM {} WHERE key = $1",
            table(&*projections[index])
        ))
        .bind(key)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row
            .map(|row| decode_read_model_row(read_model, &row))
            .transpose()?
            .map(|(row, _)| row))
    }

    async fn list_rows(&self, read_model: &str, query: &ListQuery) -> Result<RowPage> {
        let projections = self.projections.current();
        let index = installed(&projections, read_model)?;
        let table = table(&*projections[index]);
        let mut condition = String::from("TRUE");
        for (number, (field, _)) in query.filters.iter().enumerate() {
            if !super::projections::is_plain_name(field) {
                return Err(Error::Configuration(format!(
                    "filter {field:?} of read model `{read_model}` is not a lower-case identifier"
                )));
            }
            condition.push_str(&format!(" AND row -> '{field}' = ${}::jsonb", number + 1));
        }
        let filters: Vec<String> = query
            .filters
            .iter()
            .map(|(_, value)| value.to_string())
            .collect();
        let count_sql = format!("SELECT COUNT(*) FROM {table} WHERE {condition}");
        let mut count = sqlx::query_scalar::<_, i64>(&count_sql);
        for filter in &filters {
            count = count.bind(filter);
        }
        let total = count.fetch_one(&self.pool).await?;
        let parameters = filters.len();
        let select_sql = format!(
            "SELECT row::text AS row, position FROM {table} WHERE {condition}
              ORDER BY key LIMIT ${} OFFSET ${}",
            parameters + 1,
            parameters + 2
        );
        let mut select = sqlx::query(&select_sql);
        for filter in &filters {
            select = select.bind(filter);
        }
        let rows = select
            .bind(i64::try_from(query.limit).unwrap_or(i64::MAX))
            .bind(i64::try_from(query.offset).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await?;
        Ok(RowPage {
            rows: rows
                .iter()
                .map(|row| decode_read_model_row(read_model, row).map(|(row, _)| row))
                .collect::<Result<_>>()?,
            total: u64::try_from(total).unwrap_or(0),
        })
    }
}

#[async_trait]
impl Outbox for PostgresStore {
    async fn install_outbox(&self, routes: Vec<OutboxRoute>) -> Result<()> {
        self.routes.replace(routes);
        Ok(())
    }

    async fn pending(&self, limit: usize) -> Result<Vec<OutboxMessage>> {
        let rows = sqlx::query(PENDING)
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let event = decode_journal_row(row)?;
                let subject: String = sqlx::Row::try_get(row, "subject")?;
                Ok(OutboxMessage { event, subject })
            })
            .collect()
    }

    async fn mark_published(&self, event_ids: &[uuid::Uuid]) -> Result<()> {
        if event_ids.is_empty() {
            return Ok(());
        }
        sqlx::query(MARK_PUBLISHED)
            .bind(event_ids)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

#[async_trait]
impl IdempotencyStore for PostgresStore {
    async fn claim(&self, key: &str) -> Result<Claim> {
        for _ in 0..CLAIM_ATTEMPTS {
            let inserted = sqlx::query(CLAIM)
                .bind(key)
                .bind(self.claim_ttl.as_secs_f64())
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
