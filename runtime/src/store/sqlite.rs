//! SQLite backend: every store trait over one `sqlx` pool, for single-node services, local
//! development and tests that want a real database without a server.
//!
//! Optimistic concurrency lives in the SQL itself. An append is a single
//! `INSERT … SELECT … WHERE <current version> = <expected>` statement: SQLite takes the write
//! lock before that statement reads anything, so the version check and the insert are one
//! atomic step and two writers can never both pass the check. A write statement in autocommit
//! mode also never needs to upgrade a read lock, which is what makes deferred transactions
//! deadlock (`SQLITE_BUSY` without waiting) under concurrent writers. Writes that touch more
//! than the events (a state record, read-model rows) run in a `BEGIN IMMEDIATE` transaction,
//! which takes the write lock up front for the same reason.
//!
//! Every event also gets a position in the journal of all streams, one more than the
//! highest: the writer holds the database's only write lock, so positions follow commit order.
//!
//! Payloads and metadata are stored as JSON text so that any SQLite tool can read them;
//! timestamps as integer microseconds since the Unix epoch.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
};

use super::projections::{installed, outbox_subject, touched, Fold, OutboxRoutes, Projections};
use super::sql::{
    decode_claim_row, decode_event_row, decode_journal_row, decode_read_model_row,
    decode_state_row, duplicate_event_id, stored_version, to_db, to_micros, version_after,
    CLAIM_ATTEMPTS,
};
use super::{
    Claim, EventStore, IdempotencyStore, InstallReport, ListQuery, NewEvent, Outbox, OutboxMessage,
    OutboxRoute, ReadModelStore, RowPage, StateStore, StoredEvent, StoredState, StreamId,
};
use crate::error::{Error, Result};
use crate::projection::Projection;

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
        position INTEGER,
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
    "CREATE TABLE IF NOT EXISTS outbox (
        event_id TEXT NOT NULL PRIMARY KEY,
        position INTEGER NOT NULL,
        subject TEXT NOT NULL,
        published_at INTEGER
    )",
    "CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (position) WHERE published_at IS NULL",
    "CREATE TABLE IF NOT EXISTS read_models (
        name TEXT NOT NULL PRIMARY KEY,
        version TEXT NOT NULL,
        built_at INTEGER NOT NULL
    )",
];

/// Claim times, for databases created before claims expired.
const ADD_CLAIMED_AT: &str = "ALTER TABLE idempotency ADD COLUMN claimed_at INTEGER";

/// Journal positions, for databases created before events had one: numbered in insertion
/// order (the rowid), which is commit order for SQLite's single writer.
const ADD_POSITION: &[&str] = &[
    "ALTER TABLE events ADD COLUMN position INTEGER",
    "UPDATE events SET position = rowid",
];

const POSITION_INDEX: &str =
    "CREATE UNIQUE INDEX IF NOT EXISTS events_position ON events (position)";

/// The append: inserts every element of the JSON array `?4` (one `[event_id, event_type,
/// schema_version, payload, metadata]` array per event, payload and metadata as JSON text)
/// numbered from `?3 + 1`, but only if the stream is at version `?3`. Zero rows inserted means
/// the expected version was stale or ahead.
const APPEND: &str =
    "INSERT INTO events (aggregate_type, aggregate_id, version, position, event_id, event_type,
                            schema_version, payload, metadata, recorded_at)
     SELECT ?1, ?2, ?3 + batch.key + 1,
            (SELECT COALESCE(MAX(position), 0) FROM events) + batch.key + 1,
            batch.value ->> 0, batch.value ->> 1,
            batch.value ->> 2, batch.value ->> 3, batch.value ->> 4, ?5
       FROM json_each(?4) AS batch
      WHERE (SELECT COALESCE(MAX(version), 0) FROM events
              WHERE aggregate_type = ?1 AND aggregate_id = ?2) = ?3";

const CURRENT_VERSION: &str = "SELECT COALESCE(MAX(version), 0) FROM events
      WHERE aggregate_type = ?1 AND aggregate_id = ?2";

const LOAD: &str =
    "SELECT version, position, event_id, event_type, schema_version, payload, metadata, recorded_at
       FROM events
      WHERE aggregate_type = ?1 AND aggregate_id = ?2 AND version > ?3
      ORDER BY version";

const READ_ALL: &str = "SELECT aggregate_type, aggregate_id, version, position, event_id,
            event_type, schema_version, payload, metadata, recorded_at
       FROM events
      WHERE position > ?1
      ORDER BY position
      LIMIT ?2";

const READ_MODEL_VERSIONS: &str = "SELECT name, version FROM read_models";

const INSERT_OUTBOX: &str = "INSERT INTO outbox (event_id, position, subject) VALUES (?1, ?2, ?3)";

const PENDING: &str = "SELECT e.aggregate_type, e.aggregate_id, e.version, e.position, e.event_id,
            e.event_type, e.schema_version, e.payload, e.metadata, e.recorded_at, o.subject
       FROM outbox o JOIN events e ON e.event_id = o.event_id
      WHERE o.published_at IS NULL
      ORDER BY o.position
      LIMIT ?1";

/// `?2` is a JSON array of event ids.
const MARK_PUBLISHED: &str = "UPDATE outbox SET published_at = ?1
      WHERE published_at IS NULL AND event_id IN (SELECT value FROM json_each(?2))";

const RECORD_READ_MODEL: &str =
    "INSERT INTO read_models (name, version, built_at) VALUES (?1, ?2, ?3)
     ON CONFLICT (name) DO UPDATE SET version = excluded.version, built_at = excluded.built_at";

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

/// Takes a free key, or a running claim older than `?3` (its request died); `?2` is now.
const CLAIM: &str =
    "INSERT INTO idempotency (key, status, reply, claimed_at) VALUES (?1, 'running', NULL, ?2)
     ON CONFLICT (key) DO UPDATE SET claimed_at = excluded.claimed_at
      WHERE idempotency.status = 'running' AND COALESCE(idempotency.claimed_at, 0) < ?3";

const LOAD_CLAIM: &str = "SELECT status, reply FROM idempotency WHERE key = ?1";

const COMPLETE: &str = "INSERT INTO idempotency (key, status, reply) VALUES (?1, 'completed', ?2)
     ON CONFLICT (key) DO UPDATE SET status = 'completed', reply = excluded.reply";

const RELEASE: &str = "DELETE FROM idempotency WHERE key = ?1 AND status = 'running'";

/// An [`EventStore`], [`StateStore`], [`ReadModelStore`] and [`IdempotencyStore`] in one
/// SQLite database.
///
/// Cloning is cheap and shares the pool and the installed projections, so one store can be
/// handed to every repository.
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
    projections: Projections,
    routes: OutboxRoutes,
    claim_ttl: Duration,
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
        Self {
            pool,
            projections: Projections::default(),
            routes: OutboxRoutes::default(),
            claim_ttl: super::CLAIM_TTL,
        }
    }

    /// The store, with idempotency claims expiring after `ttl` instead of [`CLAIM_TTL`]
    /// (`super::CLAIM_TTL`).
    #[must_use]
    pub fn with_claim_ttl(mut self, ttl: Duration) -> Self {
        self.claim_ttl = ttl;
        self
    }

    /// The underlying pool, for read models or health checks that share the database.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Creates the tables if they do not exist, and gives the events of a database created
    /// by an earlier version their journal positions. Safe to run on every start and from
    /// several processes at once: every statement is idempotent, and the position upgrade
    /// runs in one write transaction.
    pub async fn migrate(&self) -> Result<()> {
        for statement in SCHEMA {
            sqlx::query(statement).execute(&self.pool).await?;
        }
        let mut transaction = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let has_position: bool = sqlx::query_scalar(
            "SELECT COUNT(*) > 0 FROM pragma_table_info('events') WHERE name = 'position'",
        )
        .fetch_one(&mut *transaction)
        .await?;
        if !has_position {
            for statement in ADD_POSITION {
                sqlx::query(statement).execute(&mut *transaction).await?;
            }
        }
        let has_claimed_at: bool = sqlx::query_scalar(
            "SELECT COUNT(*) > 0 FROM pragma_table_info('idempotency') WHERE name = 'claimed_at'",
        )
        .fetch_one(&mut *transaction)
        .await?;
        if !has_claimed_at {
            sqlx::query(ADD_CLAIMED_AT)
                .execute(&mut *transaction)
                .await?;
        }
        sqlx::query(POSITION_INDEX)
            .execute(&mut *transaction)
            .await?;
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

    /// Appends in one autocommit statement: the fast path when no read model follows.
    async fn append_alone(
        &self,
        stream: &StreamId,
        expected_version: u64,
        events: Vec<NewEvent>,
    ) -> Result<u64> {
        let mut connection = self.pool.acquire().await?;
        match insert_events(&mut connection, stream, expected_version, &events).await? {
            Inserted::Done(version) => Ok(version),
            Inserted::Stale => {
                drop(connection);
                Err(self.append_conflict(stream, expected_version).await)
            }
        }
    }

    /// Appends, updates the read models and fills the outbox in one write transaction.
    async fn append_projected(
        &self,
        stream: &StreamId,
        expected_version: u64,
        events: Vec<NewEvent>,
        projections: &[Arc<dyn Projection>],
        routes: &[OutboxRoute],
    ) -> Result<u64> {
        let mut transaction = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let version =
            match insert_events(&mut transaction, stream, expected_version, &events).await? {
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
/// caller's write transaction.
async fn fill_outbox(
    connection: &mut SqliteConnection,
    routes: &[OutboxRoute],
    events: &[StoredEvent],
) -> Result<()> {
    for event in events {
        if let Some(subject) = outbox_subject(routes, event) {
            sqlx::query(INSERT_OUTBOX)
                .bind(event.event_id.to_string())
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
async fn stream_version(connection: &mut SqliteConnection, stream: &StreamId) -> Result<u64> {
    let version: i64 = sqlx::query_scalar(CURRENT_VERSION)
        .bind(&stream.aggregate_type)
        .bind(&stream.aggregate_id)
        .fetch_one(&mut *connection)
        .await?;
    stored_version("event", stream, version)
}

/// Inserts `events` numbered after `expected_version`, if the stream is at that version.
async fn insert_events(
    connection: &mut SqliteConnection,
    stream: &StreamId,
    expected_version: u64,
    events: &[NewEvent],
) -> Result<Inserted> {
    let Ok(expected) = i64::try_from(expected_version) else {
        // No stream can be that long, so the expectation is necessarily stale.
        return Ok(Inserted::Stale);
    };
    let new_version = version_after(stream, expected_version, events.len())?;
    let count = new_version - expected_version;
    let result = sqlx::query(APPEND)
        .bind(&stream.aggregate_type)
        .bind(&stream.aggregate_id)
        .bind(expected)
        .bind(encode_batch(events)?)
        .bind(to_micros(SystemTime::now())?)
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
            if error.message().contains("event_id") {
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
    connection: &mut SqliteConnection,
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

/// The table of a read model: its name is a checked plain identifier (see `Projections`).
fn table(projection: &dyn Projection) -> String {
    format!("rm_{}", projection.name())
}

/// Applies just-stored `events` to the rows of the read models they concern, inside the
/// caller's write transaction.
async fn project(
    connection: &mut SqliteConnection,
    projections: &[Arc<dyn Projection>],
    events: &[StoredEvent],
) -> Result<()> {
    let mut fold = Fold::over_loaded();
    for (index, key) in touched(projections, events)? {
        let table = table(&*projections[index]);
        let row = sqlx::query(&format!("SELECT row, position FROM {table} WHERE key = ?1"))
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
    connection: &mut SqliteConnection,
    projections: &[Arc<dyn Projection>],
    fold: Fold,
) -> Result<()> {
    for ((index, key), slot) in fold.changed() {
        let table = table(&*projections[index]);
        match slot.row {
            Some(row) => {
                sqlx::query(&format!(
                    "INSERT INTO {table} (key, row, position) VALUES (?1, ?2, ?3)
                     ON CONFLICT (key) DO UPDATE SET row = excluded.row, position = excluded.position"
                ))
                .bind(&key)
                .bind(serde_json::to_string(&row)?)
                .bind(to_db(slot.position, "position")?)
                .execute(&mut *connection)
                .await?;
            }
            None => {
                sqlx::query(&format!("DELETE FROM {table} WHERE key = ?1"))
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
    connection: &mut SqliteConnection,
    projection: &dyn Projection,
) -> Result<()> {
    let table = table(projection);
    sqlx::query(&format!(
        "CREATE TABLE IF NOT EXISTS {table} (
            key TEXT NOT NULL PRIMARY KEY,
            row TEXT NOT NULL,
            position INTEGER NOT NULL
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
        "SELECT name FROM sqlite_master
          WHERE type = 'index' AND tbl_name = ?1 AND name LIKE ?2 ESCAPE '\\'",
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
            "CREATE INDEX IF NOT EXISTS {table}__{filter} ON {table} (json_extract(row, '$.{filter}'))"
        ))
        .execute(&mut *connection)
        .await?;
    }
    Ok(())
}

/// Empties the read models `chosen` and replays the whole journal into them, inside the
/// caller's write transaction; returns how many events were replayed.
async fn replay(connection: &mut SqliteConnection, chosen: &[Arc<dyn Projection>]) -> Result<u64> {
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
    let now = to_micros(SystemTime::now())?;
    for projection in chosen {
        sqlx::query(RECORD_READ_MODEL)
            .bind(projection.name())
            .bind(projection.version())
            .bind(now)
            .execute(&mut *connection)
            .await?;
    }
    Ok(replayed)
}

/// How many events a replay reads per query.
const REPLAY_BATCH: i64 = 1_000;

#[async_trait]
impl EventStore for SqliteStore {
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
        if projections.is_empty() && routes.is_empty() {
            self.append_alone(stream, expected_version, events).await
        } else {
            self.append_projected(stream, expected_version, events, &projections, &routes)
                .await
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
        let mut transaction = self.pool.begin_with("BEGIN IMMEDIATE").await?;
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
            // The record's lock is this transaction's, so its stream cannot move meanwhile.
            let current = stream_version(&mut transaction, key).await?;
            match insert_events(&mut transaction, key, current, &events).await? {
                Inserted::Done(_) => {}
                Inserted::Stale => {
                    return Err(Error::infrastructure(format!(
                        "{key}: the events of a state-stored aggregate moved during its save"
                    )))
                }
            }
            let projections = self.projections.current();
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
impl ReadModelStore for SqliteStore {
    async fn install(&self, projections: Vec<Arc<dyn Projection>>) -> Result<InstallReport> {
        self.projections.replace(projections)?;
        let projections = self.projections.current();
        let mut transaction = self.pool.begin_with("BEGIN IMMEDIATE").await?;
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
        let mut transaction = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let replayed = replay(&mut transaction, &projections).await?;
        transaction.commit().await?;
        Ok(replayed)
    }

    async fn get_row(&self, read_model: &str, key: &str) -> Result<Option<serde_json::Value>> {
        let projections = self.projections.current();
        let index = installed(&projections, read_model)?;
        let row = sqlx::query(&format!(
            "SELECT row, position FROM {} WHERE key = ?1",
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
        let mut condition = String::from("1 = 1");
        for (number, (field, _)) in query.filters.iter().enumerate() {
            if !super::projections::is_plain_name(field) {
                return Err(Error::Configuration(format!(
                    "filter {field:?} of read model `{read_model}` is not a lower-case identifier"
                )));
            }
            condition.push_str(&format!(
                " AND json_extract(row, '$.{field}') IS json_extract(?{}, '$')",
                number + 1
            ));
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
            "SELECT row, position FROM {table} WHERE {condition} ORDER BY key LIMIT ?{} OFFSET ?{}",
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
impl Outbox for SqliteStore {
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
        let ids: Vec<String> = event_ids.iter().map(ToString::to_string).collect();
        sqlx::query(MARK_PUBLISHED)
            .bind(to_micros(SystemTime::now())?)
            .bind(serde_json::to_string(&ids)?)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

#[async_trait]
impl IdempotencyStore for SqliteStore {
    async fn claim(&self, key: &str) -> Result<Claim> {
        for _ in 0..CLAIM_ATTEMPTS {
            let now = SystemTime::now();
            let expired = now
                .checked_sub(self.claim_ttl)
                .unwrap_or(SystemTime::UNIX_EPOCH);
            let inserted = sqlx::query(CLAIM)
                .bind(key)
                .bind(to_micros(now)?)
                .bind(to_micros(expired)?)
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
