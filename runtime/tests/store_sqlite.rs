//! The conformance suite against SQLite, on a temporary file (WAL, several connections) and
//! in memory (one connection), plus what only a real database can show: persistence across
//! reconnects and typed errors for corrupted rows.
#![cfg(feature = "sqlite")]

use std::sync::Arc;

use seedwork::{
    Error, ErrorKind, EventStore, IdempotencyStore, NewEvent, SqliteStore, StateStore, StreamId,
};
use tempfile::TempDir;
use uuid::Uuid;

/// A store on a fresh database file; the directory lives as long as the returned guard.
async fn sqlite_file() -> (Arc<SqliteStore>, TempDir) {
    let dir = tempfile::tempdir().expect("cannot create a temporary directory");
    let url = format!("sqlite://{}", dir.path().join("events.db").display());
    let store = SqliteStore::connect(&url)
        .await
        .unwrap_or_else(|error| panic!("cannot open {url}: {error}"));
    (Arc::new(store), dir)
}

/// A store on a fresh in-memory database.
async fn sqlite_memory() -> Arc<SqliteStore> {
    Arc::new(
        SqliteStore::connect("sqlite::memory:")
            .await
            .expect("cannot open an in-memory SQLite database"),
    )
}

seedwork::event_store_conformance!(sqlite_file_event_store, sqlite_file());
seedwork::state_store_conformance!(sqlite_file_state_store, sqlite_file());
seedwork::idempotency_store_conformance!(sqlite_file_idempotency_store, sqlite_file());

seedwork::event_store_conformance!(sqlite_memory_event_store, sqlite_memory());
seedwork::state_store_conformance!(sqlite_memory_state_store, sqlite_memory());
seedwork::idempotency_store_conformance!(sqlite_memory_idempotency_store, sqlite_memory());
seedwork::read_model_store_conformance!(sqlite_file_read_models, sqlite_file());
seedwork::read_model_store_conformance!(sqlite_memory_read_models, sqlite_memory());
seedwork::outbox_conformance!(sqlite_file_outbox, sqlite_file());
seedwork::outbox_conformance!(sqlite_memory_outbox, sqlite_memory());

fn new_event(n: u64) -> NewEvent {
    NewEvent {
        event_id: Uuid::new_v4(),
        event_type: "Numbered".into(),
        schema_version: 1,
        payload: serde_json::json!({ "n": n }),
        metadata: serde_json::json!({}),
    }
}

/// Appends three events to a fresh stream and returns it.
async fn stream_with_three_events(store: &SqliteStore) -> StreamId {
    let stream = StreamId::new("Account", Uuid::new_v4());
    store
        .append(&stream, 0, (1..=3).map(new_event).collect())
        .await
        .expect("append");
    stream
}

/// Asserts a `Decode` error about `what` at `stream` and `version`.
#[track_caller]
fn assert_decode<T: std::fmt::Debug>(
    result: seedwork::Result<T>,
    expected_what: &str,
    expected_stream: &StreamId,
    expected_version: u64,
) {
    match result {
        Err(Error::Decode {
            what,
            stream,
            version,
            message,
        }) => {
            assert_eq!(
                what, expected_what,
                "decode error about the wrong thing: {message}"
            );
            assert_eq!(
                stream,
                expected_stream.to_string(),
                "decode error names the stream"
            );
            assert_eq!(version, expected_version, "decode error names the version");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[tokio::test]
async fn sqlite_corrupted_payload_is_a_decode_error() {
    let (store, _dir) = sqlite_file().await;
    let stream = stream_with_three_events(&store).await;
    sqlx::query(
        "UPDATE events SET payload = 'this is {not json' \
         WHERE aggregate_type = ?1 AND aggregate_id = ?2 AND version = 2",
    )
    .bind(&stream.aggregate_type)
    .bind(&stream.aggregate_id)
    .execute(store.pool())
    .await
    .expect("corrupting the row");

    let error = store.load(&stream, 0).await;
    assert_decode(error, "event", &stream, 2);
    let after_corruption = store
        .load(&stream, 2)
        .await
        .expect("the tail is still readable");
    assert_eq!(
        after_corruption.len(),
        1,
        "only the corrupted event is unreadable"
    );
    let message = store
        .load(&stream, 1)
        .await
        .expect_err("corrupted")
        .to_string();
    assert!(
        message.contains(&stream.to_string()) && message.contains("version 2"),
        "{message}"
    );
    assert_eq!(
        store.load(&stream, 0).await.expect_err("corrupted").kind(),
        ErrorKind::Infrastructure
    );
}

#[tokio::test]
async fn sqlite_corrupted_columns_are_decode_errors() {
    let (store, _dir) = sqlite_file().await;
    for (column, value) in [
        ("metadata", "'['"),
        ("event_id", "'not-a-uuid'"),
        ("schema_version", "-1"),
        ("schema_version", "5000000000"),
        ("recorded_at", "'yesterday'"),
        ("payload", "x'00ff'"),
    ] {
        let stream = stream_with_three_events(&store).await;
        sqlx::query(&format!(
            "UPDATE events SET {column} = {value} \
             WHERE aggregate_type = ?1 AND aggregate_id = ?2 AND version = 3"
        ))
        .bind(&stream.aggregate_type)
        .bind(&stream.aggregate_id)
        .execute(store.pool())
        .await
        .expect("corrupting the row");
        assert_decode(store.load(&stream, 0).await, "event", &stream, 3);
    }
}

#[tokio::test]
async fn sqlite_corrupted_snapshot_and_state_are_decode_errors() {
    let (store, _dir) = sqlite_file().await;
    let stream = stream_with_three_events(&store).await;
    store
        .save_snapshot(
            &stream,
            seedwork::StoredState {
                version: 3,
                state: serde_json::json!({}),
            },
        )
        .await
        .expect("save_snapshot");
    store
        .save_state(&stream, 0, serde_json::json!({}), vec![])
        .await
        .expect("save_state");
    sqlx::query("UPDATE snapshots SET state = 'nope'")
        .execute(store.pool())
        .await
        .expect("corrupting the snapshot");
    sqlx::query("UPDATE aggregate_state SET state = '{'")
        .execute(store.pool())
        .await
        .expect("corrupting the state");
    assert_decode(store.load_snapshot(&stream).await, "snapshot", &stream, 3);
    assert_decode(store.load_state(&stream).await, "state", &stream, 1);

    let key = format!("cmd-{}", Uuid::new_v4());
    store.claim(&key).await.expect("claim");
    store
        .complete(&key, serde_json::json!({"ok": true}))
        .await
        .expect("complete");
    sqlx::query("UPDATE idempotency SET reply = 'garbage' WHERE key = ?1")
        .bind(&key)
        .execute(store.pool())
        .await
        .expect("corrupting the reply");
    let error = store.claim(&key).await.expect_err("corrupted reply");
    assert_eq!(error.kind(), ErrorKind::Infrastructure, "{error}");
}

#[tokio::test]
async fn sqlite_file_survives_reconnect_and_migrate_is_idempotent() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite://{}", dir.path().join("nested.db").display());
    let stream = StreamId::new("Account", Uuid::new_v4());
    {
        let store = SqliteStore::connect(&url).await.expect("first open");
        store
            .append(&stream, 0, (1..=5).map(new_event).collect())
            .await
            .expect("append");
        store
            .migrate()
            .await
            .expect("second migrate on the same pool");
        store.pool().close().await;
    }
    let store = SqliteStore::connect(&url).await.expect("reopen");
    let events = store.load(&stream, 0).await.expect("load after reopen");
    assert_eq!(events.len(), 5, "events must persist across reconnects");
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(store.pool())
        .await
        .expect("journal mode");
    assert_eq!(mode.to_lowercase(), "wal", "file databases use WAL");
}

#[tokio::test]
async fn sqlite_unopenable_path_is_an_infrastructure_error() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!(
        "sqlite://{}",
        dir.path().join("missing/dir/events.db").display()
    );
    let error = SqliteStore::connect(&url)
        .await
        .expect_err("the directory does not exist");
    assert_eq!(error.kind(), ErrorKind::Infrastructure, "{error}");
}

#[tokio::test]
async fn sqlite_memory_database_outlives_idle_time() {
    let store = sqlite_memory().await;
    let stream = StreamId::new("Account", Uuid::new_v4());
    store
        .append(&stream, 0, vec![new_event(1)])
        .await
        .expect("append");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let clone = SqliteStore::clone(&store);
    assert_eq!(clone.load(&stream, 0).await.expect("load").len(), 1);
}

/// A database written before events had journal positions gets them on the next start, in
/// the order the events were inserted, and new events continue after them.
#[tokio::test]
async fn sqlite_events_of_an_older_database_get_positions() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("old.db").display());
    {
        let pool = sqlx::SqlitePool::connect(&url)
            .await
            .expect("opens the file");
        sqlx::query(
            "CREATE TABLE events (
                aggregate_type TEXT NOT NULL, aggregate_id TEXT NOT NULL,
                version INTEGER NOT NULL CHECK (version > 0), event_id TEXT NOT NULL UNIQUE,
                event_type TEXT NOT NULL, schema_version INTEGER NOT NULL, payload TEXT NOT NULL,
                metadata TEXT NOT NULL, recorded_at INTEGER NOT NULL,
                PRIMARY KEY (aggregate_type, aggregate_id, version))",
        )
        .execute(&pool)
        .await
        .expect("the old schema");
        for (stream, version) in [("a", 1), ("b", 1), ("a", 2)] {
            sqlx::query(
                "INSERT INTO events VALUES ('Account', ?1, ?2, ?3, 'Numbered', 1, '{}', '{}', 0)",
            )
            .bind(stream)
            .bind(version)
            .bind(Uuid::new_v4().to_string())
            .execute(&pool)
            .await
            .expect("an old event");
        }
        pool.close().await;
    }
    let store = SqliteStore::connect(&url)
        .await
        .expect("opens and upgrades");
    let a = StreamId::new("Account", "a");
    store
        .append(&a, 2, vec![new_event(3)])
        .await
        .expect("appends after the upgrade");
    let journal = store.read_all(0, 10).await.expect("reads the journal");
    let order: Vec<(String, u64, u64)> = journal
        .iter()
        .map(|event| {
            (
                event.stream.aggregate_id.clone(),
                event.version,
                event.position,
            )
        })
        .collect();
    assert_eq!(
        order,
        [
            ("a".to_owned(), 1, 1),
            ("b".to_owned(), 1, 2),
            ("a".to_owned(), 2, 3),
            ("a".to_owned(), 3, 4)
        ]
    );
    // Opening it again changes nothing.
    drop(store);
    let again = SqliteStore::connect(&url).await.expect("opens again");
    assert_eq!(again.read_all(0, 10).await.expect("reads").len(), 4);
}

/// `store::connect` opens SQLite for a plain path (creating the file) and for a `sqlite:` URL.
#[tokio::test]
async fn sqlite_connect_by_url_or_path() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("service.db");
    let (backend, opened) = seedwork::store::connect(&path.display().to_string())
        .await
        .expect("opens a path");
    assert_eq!(opened.kind, "SQLite");
    backend
        .append(&StreamId::new("A", "1"), 0, vec![new_event(1)])
        .await
        .expect("appends");
    assert!(path.exists(), "the file was created");
    let (_, opened) = seedwork::store::connect("sqlite::memory:")
        .await
        .expect("opens a URL");
    assert_eq!(opened.location, "sqlite::memory:");
}

/// A claim whose request died expires: after the store's claim time the key is taken over.
#[tokio::test]
async fn sqlite_stale_claims_are_taken_over() {
    let (store, _dir) = sqlite_file().await;
    let store = (*store)
        .clone()
        .with_claim_ttl(std::time::Duration::from_millis(50));
    assert_eq!(store.claim("k").await.unwrap(), seedwork::Claim::Acquired);
    assert_eq!(store.claim("k").await.unwrap(), seedwork::Claim::InProgress);
    tokio::time::sleep(std::time::Duration::from_millis(120)).await;
    assert_eq!(store.claim("k").await.unwrap(), seedwork::Claim::Acquired);
    store.complete("k", serde_json::json!(1)).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(120)).await;
    assert_eq!(
        store.claim("k").await.unwrap(),
        seedwork::Claim::Completed(serde_json::json!(1)),
        "a completed key never expires"
    );
}
