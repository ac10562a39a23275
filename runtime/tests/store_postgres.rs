//! The conformance suite against PostgreSQL, one fresh schema per test.
//!
//! Needs a server: set `SEEDWORK_TEST_POSTGRES_URL`, e.g.
//! `SEEDWORK_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres`. Without it these
//! tests fail rather than pass silently, so a CI job cannot go green without a database. Every
//! test name contains `postgres`, so `cargo test postgres` selects exactly them.
#![cfg(feature = "postgres")]

use std::sync::Arc;
use std::time::Duration;

use seedwork::{Error, ErrorKind, EventStore, NewEvent, PostgresStore, StreamId};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use uuid::Uuid;

const URL_VAR: &str = "SEEDWORK_TEST_POSTGRES_URL";

fn postgres_url() -> String {
    match std::env::var(URL_VAR) {
        Ok(url) if !url.trim().is_empty() => url,
        _ => panic!(
            "{URL_VAR} is not set: the PostgreSQL store tests need a server. Set it to a database \
             the tests may create schemas in, e.g. \
             `{URL_VAR}=postgres://postgres:postgres@127.0.0.1:5432/postgres cargo test -p seedwork \
             --features postgres,conformance`"
        ),
    }
}

/// A fresh, unique schema name, so tests running in parallel never see each other's tables.
fn fresh_schema() -> String {
    format!("seedwork_test_{}", Uuid::new_v4().simple())
}

/// A store working in a schema of its own.
async fn postgres_store() -> Arc<PostgresStore> {
    let url = postgres_url();
    let schema = fresh_schema();
    let store = PostgresStore::connect_with_schema(&url, &schema)
        .await
        .unwrap_or_else(|error| panic!("cannot connect to {URL_VAR} (schema {schema}): {error}"));
    Arc::new(store)
}

seedwork::event_store_conformance!(postgres_event_store, postgres_store());
seedwork::state_store_conformance!(postgres_state_store, postgres_store());
seedwork::idempotency_store_conformance!(postgres_idempotency_store, postgres_store());
seedwork::read_model_store_conformance!(postgres_read_models, postgres_store());
seedwork::outbox_conformance!(postgres_outbox, postgres_store());

fn new_event(n: u64) -> NewEvent {
    NewEvent {
        event_id: Uuid::new_v4(),
        event_type: "Numbered".into(),
        schema_version: 1,
        payload: serde_json::json!({ "n": n }),
        metadata: serde_json::json!({}),
    }
}

#[tokio::test]
async fn postgres_unreachable_database_is_an_infrastructure_error() {
    let options: PgConnectOptions = "postgres://seedwork@127.0.0.1:1/unreachable"
        .parse()
        .expect("a valid URL");
    let pool = PgPoolOptions::new().acquire_timeout(Duration::from_secs(2));
    let error = PostgresStore::connect_with(pool, options, None)
        .await
        .expect_err("nothing listens on port 1");
    assert_eq!(error.kind(), ErrorKind::Infrastructure, "{error}");
}

#[tokio::test]
async fn postgres_invalid_schema_name_is_a_configuration_error() {
    for schema in [
        "",
        "Upper",
        "1starts_with_digit",
        "has-dash",
        "quote\"d",
        &"x".repeat(64),
    ] {
        let error = PostgresStore::connect_with_schema(&postgres_url(), schema)
            .await
            .expect_err("invalid schema names are refused");
        assert!(
            matches!(error, Error::Configuration(_)),
            "{schema:?}: {error}"
        );
    }
}

#[tokio::test]
async fn postgres_schemas_isolate_stores_and_migrate_is_idempotent() {
    let url = postgres_url();
    let (schema, other_schema) = (fresh_schema(), fresh_schema());
    let (first, second, other) = tokio::join!(
        PostgresStore::connect_with_schema(&url, &schema),
        PostgresStore::connect_with_schema(&url, &schema),
        PostgresStore::connect_with_schema(&url, &other_schema),
    );
    let (first, second, other) = (
        first.expect("first connect"),
        second.expect("concurrent connect to the same schema"),
        other.expect("connect to another schema"),
    );
    let (a, b) = tokio::join!(first.migrate(), second.migrate());
    a.expect("concurrent migrate");
    b.expect("concurrent migrate");

    let stream = StreamId::new("Account", Uuid::new_v4());
    first
        .append(&stream, 0, (1..=3).map(new_event).collect())
        .await
        .expect("append");
    assert_eq!(
        second.load(&stream, 0).await.expect("load").len(),
        3,
        "same schema, same data"
    );
    assert!(
        other.load(&stream, 0).await.expect("load").is_empty(),
        "schemas are isolated"
    );
}

#[tokio::test]
async fn postgres_corrupted_row_is_a_decode_error() {
    let store = postgres_store().await;
    let stream = StreamId::new("Account", Uuid::new_v4());
    store
        .append(&stream, 0, (1..=3).map(new_event).collect())
        .await
        .expect("append");
    sqlx::query(
        "UPDATE events SET schema_version = -1 \
         WHERE aggregate_type = $1 AND aggregate_id = $2 AND version = 2",
    )
    .bind(&stream.aggregate_type)
    .bind(&stream.aggregate_id)
    .execute(store.pool())
    .await
    .expect("corrupting the row");
    match store.load(&stream, 0).await {
        Err(Error::Decode {
            what,
            stream: named,
            version,
            ..
        }) => {
            assert_eq!(
                (what, named.as_str(), version),
                ("event", stream.to_string().as_str(), 2)
            );
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
}

/// `store::connect` opens PostgreSQL for a `postgres://` URL and never prints its password.
#[tokio::test]
async fn postgres_connect_by_url() {
    let url = postgres_url();
    let (backend, opened) = seedwork::store::connect(&url).await.expect("connects");
    assert_eq!(opened.kind, "PostgreSQL");
    assert!(!opened.location.contains("s3cret"));
    let stream = StreamId::new("ConnectTest", Uuid::new_v4());
    backend
        .append(&stream, 0, vec![new_event(1)])
        .await
        .expect("appends");
}

/// A claim whose request died expires: after the store's claim time the key is taken over.
#[tokio::test]
async fn postgres_stale_claims_are_taken_over() {
    use seedwork::IdempotencyStore;
    let store = (*postgres_store().await)
        .clone()
        .with_claim_ttl(Duration::from_millis(50));
    assert_eq!(store.claim("k").await.unwrap(), seedwork::Claim::Acquired);
    assert_eq!(store.claim("k").await.unwrap(), seedwork::Claim::InProgress);
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(store.claim("k").await.unwrap(), seedwork::Claim::Acquired);
    store.complete("k", serde_json::json!(1)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(
        store.claim("k").await.unwrap(),
        seedwork::Claim::Completed(serde_json::json!(1))
    );
}
