//! The end-to-end tests, one binary so each example is generated and built once for all of
//! them (the suite builds it with `cargo fmt --check`, clippy and its own tests first).
//!
//! - [`services`]: each example serves over real HTTP on SQLite and on PostgreSQL.
//! - [`integration_events`]: ordering's integration events reach the basket through NATS
//!   JetStream once, through crashes of either service and an outage of the broker.
#![allow(missing_docs, clippy::unwrap_used)]

mod integration_events;
mod services;

use std::sync::OnceLock;

use seedwork_e2e::Project;

const URL_VAR: &str = "SEEDWORK_TEST_POSTGRES_URL";

/// The example `name`, generated and built once for all the tests that serve it.
pub(crate) fn project(name: &'static str) -> &'static Project {
    static PROJECTS: OnceLock<std::sync::Mutex<Vec<(&'static str, &'static Project)>>> =
        OnceLock::new();
    let projects = PROJECTS.get_or_init(Default::default);
    let mut projects = projects
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((_, project)) = projects.iter().find(|(n, _)| *n == name) {
        return project;
    }
    let project: &'static Project = Box::leak(Box::new(Project::generate(name)));
    projects.push((name, project));
    project
}

/// A fresh SQLite file for one run.
pub(crate) fn sqlite(dir: &tempfile::TempDir) -> String {
    sqlite_in(dir, "service.db")
}

/// The SQLite file `name` in `dir`.
pub(crate) fn sqlite_in(dir: &tempfile::TempDir, name: &str) -> String {
    dir.path().join(name).display().to_string()
}

/// A fresh PostgreSQL database for one run, on the server the tests are given.
pub(crate) async fn postgres() -> String {
    let admin = std::env::var(URL_VAR).unwrap_or_else(|_| {
        panic!("{URL_VAR} is not set: the PostgreSQL end-to-end tests need a server (scripts/test starts one)")
    });
    let name = format!("e2e_{}", uuid::Uuid::new_v4().simple());
    let pool = sqlx::PgPool::connect(&admin)
        .await
        .unwrap_or_else(|error| panic!("cannot connect to {URL_VAR}: {error}"));
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&pool)
        .await
        .expect("creates a database for the run");
    pool.close().await;
    let (server, _) = admin.rsplit_once('/').expect("a database URL");
    format!("{server}/{name}")
}
