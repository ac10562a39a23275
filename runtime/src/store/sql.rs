//! What the SQL backends share beyond the driver: turning rows back into records with typed
//! decode errors, the version arithmetic of an append, and the conflicts they report.
//!
//! Everything here is generic over `sqlx::Row`, so SQLite and PostgreSQL decode a corrupted
//! row into the same [`Error::Decode`] with the same message.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sqlx::{ColumnIndex, Decode, Row, Type};
use uuid::Uuid;

use super::{Claim, StoredEvent, StoredState, StreamId};
use crate::error::{Error, Result};

/// How often `claim` retries when the key vanished between its insert and its read (another
/// request released it in between); after that the key is reported as in progress.
pub(super) const CLAIM_ATTEMPTS: usize = 3;

/// The refusal of a batch that reuses an event id already stored (in any stream).
pub(super) fn duplicate_event_id(stream: &StreamId) -> Error {
    Error::AlreadyRecorded {
        stream: stream.to_string(),
    }
}

/// A typed decode error for a record that the database holds but the store cannot read back.
pub(super) fn decode_error(
    what: &'static str,
    stream: &StreamId,
    version: u64,
    message: impl std::fmt::Display,
) -> Error {
    Error::Decode {
        what,
        stream: stream.to_string(),
        version,
        message: message.to_string(),
    }
}

/// The version a stream reaches when `count` events are appended at `expected`, refused when
/// it would not fit the databases' signed 64-bit version column.
pub(super) fn version_after(stream: &StreamId, expected: u64, count: usize) -> Result<u64> {
    u64::try_from(count)
        .ok()
        .and_then(|count| expected.checked_add(count))
        .filter(|version| i64::try_from(*version).is_ok())
        .ok_or_else(|| {
            Error::infrastructure(format!(
                "{stream}: version overflow appending {count} events"
            ))
        })
}

/// A version column as stored (signed) turned into the runtime's unsigned version.
pub(super) fn stored_version(what: &'static str, stream: &StreamId, version: i64) -> Result<u64> {
    u64::try_from(version)
        .map_err(|_| decode_error(what, stream, 0, format!("negative version {version}")))
}

/// Microseconds since the Unix epoch, the resolution both SQL backends store.
#[cfg(feature = "sqlite")]
pub(super) fn to_micros(time: SystemTime) -> Result<i64> {
    let micros = match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_micros()),
        Err(before) => i64::try_from(before.duration().as_micros()).map(|micros| -micros),
    };
    micros.map_err(|_| Error::infrastructure("system clock is out of range"))
}

/// The inverse of [`to_micros`]; `None` for a value no `SystemTime` can hold.
pub(super) fn from_micros(micros: i64) -> Option<SystemTime> {
    let offset = Duration::from_micros(micros.unsigned_abs());
    if micros >= 0 {
        UNIX_EPOCH.checked_add(offset)
    } else {
        UNIX_EPOCH.checked_sub(offset)
    }
}

/// Reads one column, naming it in the explanation on failure.
fn column<'r, R, T>(row: &'r R, name: &'static str) -> std::result::Result<T, String>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    T: Decode<'r, R::Database> + Type<R::Database>,
{
    row.try_get(name)
        .map_err(|error| format!("{name}: {error}"))
}

/// Reads a JSON column selected as text, explaining what is wrong with it on failure.
fn json_column<R>(row: &R, name: &'static str) -> std::result::Result<serde_json::Value, String>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
{
    let text: String = column(row, name)?;
    serde_json::from_str(&text).map_err(|error| format!("{name} is not valid JSON: {error}"))
}

/// An event row of a journal query, which also selects `aggregate_type` and `aggregate_id`.
pub(super) fn decode_journal_row<R>(row: &R) -> Result<StoredEvent>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
{
    let unknown = StreamId::new("?", "?");
    let aggregate_type: String =
        column(row, "aggregate_type").map_err(|error| decode_error("event", &unknown, 0, error))?;
    let aggregate_id: String =
        column(row, "aggregate_id").map_err(|error| decode_error("event", &unknown, 0, error))?;
    decode_event_row(&StreamId::new(aggregate_type, aggregate_id), row)
}

/// An event row (`version, position, event_id, event_type, schema_version, payload, metadata,
/// recorded_at`, with the id, payload and metadata as text and the time in microseconds).
pub(super) fn decode_event_row<R>(stream: &StreamId, row: &R) -> Result<StoredEvent>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
{
    let version: i64 =
        column(row, "version").map_err(|error| decode_error("event", stream, 0, error))?;
    let version = stored_version("event", stream, version)?;
    let fail = |message: String| decode_error("event", stream, version, message);
    let position: i64 = column(row, "position").map_err(fail)?;
    let position = u64::try_from(position)
        .map_err(|_| fail(format!("position {position} is out of range")))?;
    let event_id: String = column(row, "event_id").map_err(fail)?;
    let event_id = Uuid::parse_str(&event_id)
        .map_err(|error| fail(format!("event_id {event_id:?}: {error}")))?;
    let event_type: String = column(row, "event_type").map_err(fail)?;
    let schema_version: i64 = column(row, "schema_version").map_err(fail)?;
    let schema_version = u32::try_from(schema_version)
        .map_err(|_| fail(format!("schema_version {schema_version} is out of range")))?;
    let payload = json_column(row, "payload").map_err(fail)?;
    let metadata = json_column(row, "metadata").map_err(fail)?;
    let recorded_at: i64 = column(row, "recorded_at").map_err(fail)?;
    let recorded_at = from_micros(recorded_at)
        .ok_or_else(|| fail(format!("recorded_at {recorded_at} is out of range")))?;
    Ok(StoredEvent {
        stream: stream.clone(),
        version,
        position,
        event_id,
        event_type,
        schema_version,
        payload,
        metadata,
        recorded_at,
    })
}

/// A snapshot or state row (`version, state`, the state as text).
pub(super) fn decode_state_row<R>(
    what: &'static str,
    stream: &StreamId,
    row: &R,
) -> Result<StoredState>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
{
    let version: i64 =
        column(row, "version").map_err(|error| decode_error(what, stream, 0, error))?;
    let version = stored_version(what, stream, version)?;
    let state = json_column(row, "state")
        .map_err(|message| decode_error(what, stream, version, message))?;
    Ok(StoredState { version, state })
}

/// A read-model row (`row, position`, the row as text).
pub(super) fn decode_read_model_row<R>(
    read_model: &str,
    row: &R,
) -> Result<(serde_json::Value, u64)>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
{
    let fail = |message: String| Error::Decode {
        what: "read-model row",
        stream: read_model.to_owned(),
        version: 0,
        message,
    };
    let content = json_column(row, "row").map_err(fail)?;
    let position: i64 = column(row, "position").map_err(fail)?;
    let position = u64::try_from(position)
        .map_err(|_| fail(format!("position {position} is out of range")))?;
    Ok((content, position))
}

/// A position or count as the databases store it (signed 64 bits).
pub(super) fn to_db(value: u64, what: &str) -> Result<i64> {
    i64::try_from(value)
        .map_err(|_| Error::infrastructure(format!("{what} {value} does not fit the database")))
}

/// An idempotency row (`status, reply`, the reply as text).
pub(super) fn decode_claim_row<R>(key: &str, row: &R) -> Result<Claim>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
{
    let fail = |message: String| Error::Decode {
        what: "idempotency record",
        stream: key.to_owned(),
        version: 0,
        message,
    };
    let status: String = column(row, "status").map_err(fail)?;
    match status.as_str() {
        "running" => Ok(Claim::InProgress),
        "completed" => {
            let reply: Option<String> = column(row, "reply").map_err(fail)?;
            let reply = reply.ok_or_else(|| fail("completed without a reply".to_owned()))?;
            let reply = serde_json::from_str(&reply)
                .map_err(|error| fail(format!("reply is not valid JSON: {error}")))?;
            Ok(Claim::Completed(reply))
        }
        other => Err(fail(format!("unknown status {other:?}"))),
    }
}
