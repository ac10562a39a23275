//! Many instances on one PostgreSQL (issue 7): two instances of a generated service serve one
//! fresh database and receive concurrent commands for the same aggregates, half of them
//! through each instance.
//!
//! Every command must be accepted (2xx) or refused as a conflict (409, after the service's
//! own retries when the caller named no version); a transition from a state that another
//! command has just left may also be refused by the lifecycle (422), but only when the caller
//! named no version. Afterwards the database is read directly: each stream is numbered 1..=n
//! without a gap or a duplicate, event ids and journal positions are unique, and the journal
//! holds exactly the commands that were accepted, each at the version its answer named. The
//! read models agree with what the accepted commands imply, and are the same rows again after
//! both instances stop and `rebuild-read-models` replays the whole journal.
//!
//! - the bank (event-sourced accounts): deposits and withdrawals on three accounts from
//!   8 threads, some with an `If-Match` that may be stale, some sent twice at once with one
//!   `Idempotency-Key`, one to each instance; and one account opened by 8 callers at once;
//! - the pizzeria (state-stored orders): `start-cooking` against `cancel`, then `ready`
//!   against `cancel` (whose winner's policy schedules a delivery), 8 callers per order.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Barrier;
use std::time::Duration;

use seedwork_e2e::{command_route, poll_until, query_route, with_id, Answer, Project, Service};
use serde_json::{json, Value};

use crate::{postgres, project};

const PROBLEM_TYPES: &str = "https://seedwork.dev/problems/";

/// The names of the two instances, for messages.
const INSTANCE: [&str; 2] = ["A", "B"];

/// Starts two instances of `project` over `database` at the same time (so their migrations
/// and read-model installs race too).
fn two_instances(project: &Project, database: &str, tokens: &str) -> [Service; 2] {
    std::thread::scope(|scope| {
        let first = scope.spawn(|| project.serve(database, tokens));
        let second = scope.spawn(|| project.serve(database, tokens));
        [
            first.join().expect("instance A starts"),
            second.join().expect("instance B starts"),
        ]
    })
}

/// Runs `work(0..n)` on `n` threads released at once; returns what each returned, in order.
fn concurrently<T: Send>(n: usize, work: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let barrier = Barrier::new(n);
    std::thread::scope(|scope| {
        let threads: Vec<_> = (0..n)
            .map(|index| {
                let (barrier, work) = (&barrier, &work);
                scope.spawn(move || {
                    barrier.wait();
                    work(index)
                })
            })
            .collect();
        threads
            .into_iter()
            .enumerate()
            .map(|(index, thread)| {
                thread
                    .join()
                    .unwrap_or_else(|_| panic!("thread {index} panicked"))
            })
            .collect()
    })
}

/// One HTTP request to one of the two instances.
#[derive(Debug, Clone)]
struct Request {
    instance: usize,
    method: String,
    path: String,
    token: Option<&'static str>,
    if_match: Option<u64>,
    key: Option<String>,
    body: Option<Value>,
}

impl Request {
    fn new(project: &Project, command: &str, id: &str, instance: usize) -> Self {
        let (method, path) = command_route(&project.model, command);
        Self {
            instance,
            method,
            path: with_id(&path, id),
            token: None,
            if_match: None,
            key: None,
            body: None,
        }
    }

    fn token(mut self, token: &'static str) -> Self {
        self.token = Some(token);
        self
    }

    fn if_match(mut self, version: u64) -> Self {
        self.if_match = Some(version);
        self
    }

    fn key(mut self, key: &str) -> Self {
        self.key = Some(key.to_owned());
        self
    }

    fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// The same request to the other instance.
    fn to_other(&self) -> Self {
        Self {
            instance: 1 - self.instance,
            ..self.clone()
        }
    }

    fn describe(&self) -> String {
        let mut text = format!(
            "{} {} on instance {}",
            self.method, self.path, INSTANCE[self.instance]
        );
        if let Some(version) = self.if_match {
            text.push_str(&format!(", If-Match \"{version}\""));
        }
        if let Some(key) = &self.key {
            text.push_str(&format!(", Idempotency-Key {key}"));
        }
        if let Some(body) = &self.body {
            text.push_str(&format!(", body {body}"));
        }
        text
    }

    fn send(&self, services: &[Service; 2]) -> Result<Answer, String> {
        let authorization = self.token.map(|token| format!("Bearer {token}"));
        let if_match = self.if_match.map(|version| format!("\"{version}\""));
        let mut headers = Vec::new();
        if let Some(value) = &authorization {
            headers.push(("authorization", value.as_str()));
        }
        if let Some(value) = &if_match {
            headers.push(("if-match", value.as_str()));
        }
        if let Some(value) = &self.key {
            headers.push(("idempotency-key", value.as_str()));
        }
        services[self.instance].try_call(&self.method, &self.path, &headers, self.body.as_ref())
    }

    /// Sends the request and says how it went; anything but an acceptance, a conflict or a
    /// lifecycle refusal is an error describing the request and its answer.
    fn run(&self, services: &[Service; 2]) -> Result<Outcome, String> {
        let answer = self
            .send(services)
            .map_err(|error| format!("{}: {error}", self.describe()))?;
        self.classify(&answer).map_err(|error| {
            format!(
                "{}: {error}: {} {}",
                self.describe(),
                answer.status,
                answer.body
            )
        })
    }

    fn classify(&self, answer: &Answer) -> Result<Outcome, String> {
        match answer.status {
            200 | 201 => {
                let version = answer.body["version"]
                    .as_u64()
                    .ok_or("an acceptance without a version")?;
                let etag = format!("\"{version}\"");
                if answer.header("etag") != Some(etag.as_str()) {
                    return Err(format!(
                        "the ETag {:?} is not the version {version}",
                        answer.header("etag")
                    ));
                }
                if let Some(expected) = self.if_match {
                    if version != expected + 1 {
                        return Err(format!(
                            "accepted at version {version} although If-Match named {expected}"
                        ));
                    }
                }
                let events = answer.body["events"]
                    .as_array()
                    .ok_or("an acceptance without its events")?
                    .iter()
                    .map(|event| event.as_str().unwrap_or_default().to_owned())
                    .collect();
                Ok(Outcome::Accepted {
                    version,
                    events,
                    body: answer.body.clone(),
                })
            }
            409 => problem(answer, "conflict").map(|()| Outcome::Conflict),
            422 if answer.body["type"] == format!("{PROBLEM_TYPES}lifecycle") => {
                problem(answer, "lifecycle")?;
                if self.if_match.is_some() {
                    // The version is checked before the lifecycle: a caller who named one
                    // is told of a change as a conflict.
                    return Err("a lifecycle refusal despite If-Match".to_owned());
                }
                Ok(Outcome::WrongState)
            }
            _ => Err("neither accepted nor a conflict".to_owned()),
        }
    }
}

/// Checks that `answer` is an `application/problem+json` of type `kind`.
fn problem(answer: &Answer, kind: &str) -> Result<(), String> {
    if answer.header("content-type") != Some("application/problem+json") {
        return Err(format!(
            "a {} that is not problem+json ({:?})",
            answer.status,
            answer.header("content-type")
        ));
    }
    if answer.body["type"] != format!("{PROBLEM_TYPES}{kind}") {
        return Err(format!("a {} that is not a {kind} problem", answer.status));
    }
    Ok(())
}

/// How a command went.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    /// Accepted: the aggregate's version after it, and the events it recorded.
    Accepted {
        version: u64,
        events: Vec<String>,
        body: Value,
    },
    /// Refused as a concurrency conflict (409).
    Conflict,
    /// Refused by the lifecycle (422): the aggregate had already moved on.
    WrongState,
}

/// Fails with every message in `problems`, if there are any.
#[track_caller]
fn assert_none(problems: &[String], what: &str) {
    assert!(
        problems.is_empty(),
        "{what}: {} problem(s):\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

/// A number in a JSON document, written as a number or as a string (decimals may be either).
fn number(value: &Value) -> Option<f64> {
    value
        .as_f64()
        .or_else(|| value.as_str().and_then(|text| text.parse().ok()))
}

/// One row of the journal.
#[derive(Debug, Clone)]
struct Recorded {
    aggregate_type: String,
    aggregate_id: String,
    version: i64,
    position: i64,
    event_id: String,
    event_type: String,
    payload: Value,
}

impl Recorded {
    /// The event's fields: the payload is tagged with the event's name
    /// (`{"MoneyDeposited": {"amount": …}}`).
    fn fields(&self) -> &Value {
        self.payload.get(&self.event_type).unwrap_or(&self.payload)
    }
}

/// Every read-model table's rows: table → key → (row as jsonb text, position).
type ReadModelRows = BTreeMap<String, BTreeMap<String, (String, i64)>>;

/// The fresh database of one test, read directly.
struct Database {
    url: String,
    runtime: tokio::runtime::Runtime,
    pool: sqlx::PgPool,
}

impl Database {
    fn fresh() -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for the database checks");
        let url = runtime.block_on(postgres());
        let pool = runtime
            .block_on(sqlx::PgPool::connect(&url))
            .unwrap_or_else(|error| panic!("cannot connect to the test database {url}: {error}"));
        Self { url, runtime, pool }
    }

    /// The whole journal in position order.
    fn journal(&self) -> Vec<Recorded> {
        let rows: Vec<(String, String, i64, i64, String, String, String)> = self
            .runtime
            .block_on(
                sqlx::query_as(
                    "SELECT aggregate_type, aggregate_id, version, position, event_id::text,
                            event_type, payload::text
                       FROM events ORDER BY position",
                )
                .fetch_all(&self.pool),
            )
            .expect("reads the journal");
        rows.into_iter()
            .map(
                |(
                    aggregate_type,
                    aggregate_id,
                    version,
                    position,
                    event_id,
                    event_type,
                    payload,
                )| {
                    Recorded {
                        aggregate_type,
                        aggregate_id,
                        version,
                        position,
                        event_id,
                        event_type,
                        payload: serde_json::from_str(&payload).expect("a JSON payload"),
                    }
                },
            )
            .collect()
    }

    /// The saved states of state-stored aggregates: (type, id) → (version, state).
    fn states(&self) -> BTreeMap<(String, String), (i64, Value)> {
        let rows: Vec<(String, String, i64, String)> = self
            .runtime
            .block_on(
                sqlx::query_as(
                    "SELECT aggregate_type, aggregate_id, version, state::text FROM aggregate_state",
                )
                .fetch_all(&self.pool),
            )
            .expect("reads the aggregates' states");
        rows.into_iter()
            .map(|(kind, id, version, state)| {
                let state = serde_json::from_str(&state).expect("a JSON state");
                ((kind, id), (version, state))
            })
            .collect()
    }

    /// Every row of every read-model table (`rm_*`).
    fn read_models(&self) -> ReadModelRows {
        self.runtime.block_on(async {
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT tablename::text FROM pg_tables
                  WHERE schemaname = current_schema() AND tablename LIKE 'rm\\_%'
                  ORDER BY tablename",
            )
            .fetch_all(&self.pool)
            .await
            .expect("lists the read-model tables");
            let mut all = BTreeMap::new();
            for table in tables {
                let rows: Vec<(String, String, i64)> = sqlx::query_as(&format!(
                    "SELECT key, row::text, position FROM {table} ORDER BY key"
                ))
                .fetch_all(&self.pool)
                .await
                .unwrap_or_else(|error| panic!("reads {table}: {error}"));
                all.insert(
                    table,
                    rows.into_iter()
                        .map(|(key, row, position)| (key, (row, position)))
                        .collect(),
                );
            }
            all
        })
    }
}

/// Checks the journal's invariants — every stream numbered 1..=n without a gap or a
/// duplicate, event ids and positions unique — and returns its streams, each in version
/// order, by (aggregate type, aggregate id).
fn streams(journal: &[Recorded]) -> BTreeMap<(String, String), Vec<Recorded>> {
    let mut problems = Vec::new();
    let mut ids = BTreeSet::new();
    let mut positions = BTreeSet::new();
    let mut streams: BTreeMap<(String, String), Vec<Recorded>> = BTreeMap::new();
    for event in journal {
        if !ids.insert(event.event_id.clone()) {
            problems.push(format!("event id {} recorded twice", event.event_id));
        }
        if !positions.insert(event.position) {
            problems.push(format!("position {} recorded twice", event.position));
        }
        streams
            .entry((event.aggregate_type.clone(), event.aggregate_id.clone()))
            .or_default()
            .push(event.clone());
    }
    for ((kind, id), events) in &mut streams {
        events.sort_by_key(|event| event.version);
        let versions: Vec<i64> = events.iter().map(|event| event.version).collect();
        let expected: Vec<i64> = (1..=versions.len() as i64).collect();
        if versions != expected {
            problems.push(format!(
                "{kind} {id}: versions {versions:?}, not 1..={}",
                versions.len()
            ));
        }
        // Within a stream, a later version was recorded later.
        if events
            .windows(2)
            .any(|pair| pair[0].position >= pair[1].position)
        {
            problems.push(format!(
                "{kind} {id}: positions {:?} do not grow with the versions",
                events
                    .iter()
                    .map(|event| event.position)
                    .collect::<Vec<_>>()
            ));
        }
    }
    assert_none(&problems, "the journal");
    streams
}

/// What differs between two snapshots of the read models.
fn differences(before: &ReadModelRows, after: &ReadModelRows) -> Vec<String> {
    let mut problems = Vec::new();
    let tables: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let empty = BTreeMap::new();
    for table in tables {
        let (old, new) = (
            before.get(table).unwrap_or(&empty),
            after.get(table).unwrap_or(&empty),
        );
        let keys: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
        for key in keys {
            match (old.get(key), new.get(key)) {
                (Some(a), Some(b)) if a == b => {}
                (a, b) => problems.push(format!("{table} {key}: live {a:?}, rebuilt {b:?}")),
            }
        }
    }
    problems
}

/// Stops both instances, runs `rebuild-read-models` over the database, and checks that it
/// replayed the whole journal and arrived at exactly the rows the live writes left.
fn rebuild_matches(project: &Project, services: [Service; 2], database: &Database, events: usize) {
    let live = database.read_models();
    assert!(!live.is_empty(), "the read-model tables exist");
    for service in services {
        service.stop();
    }
    let printed = project.run_task(&["rebuild-read-models"], &database.url);
    assert!(
        printed.contains(&format!("from {events} events")),
        "the rebuild replayed the whole journal of {events} events: {printed}"
    );
    let rebuilt = database.read_models();
    assert_none(
        &differences(&live, &rebuilt),
        "the read models after a full replay differ from the live ones",
    );
}

// -----------------------------------------------------------------------------------------
// The bank: event-sourced accounts
// -----------------------------------------------------------------------------------------

const BANK_THREADS: usize = 8;
const BANK_REQUESTS: usize = 25;
const ACCOUNTS: usize = 3;
/// So much that no withdrawal of the run is ever refused for want of funds.
const OPENING: i64 = 1_000_000;

/// A deposit or withdrawal a thread sent, and how it went: one outcome, or two for a request
/// sent to both instances at once with one idempotency key.
#[derive(Debug)]
struct Movement {
    account: usize,
    deposit: bool,
    amount: i64,
    request: Request,
    outcomes: Vec<Result<Outcome, String>>,
}

/// A movement the service accepted (kept by the version its answer named).
#[derive(Debug, Clone)]
struct Accepted {
    deposit: bool,
    amount: i64,
}

#[test]
fn bank_two_instances_on_one_postgres_stay_consistent_under_concurrent_commands() {
    let database = Database::fresh();
    let project = project("bank");
    let services = two_instances(project, &database.url, "");
    let accounts: Vec<String> = (0..ACCOUNTS)
        .map(|_| format!("acc-{}", uuid::Uuid::new_v4().simple()))
        .collect();
    let open = |id: &str, instance: usize| {
        Request::new(project, "CreateAccount", "", instance)
            .body(json!({"account_id": id, "balance": OPENING}))
    };
    for (index, id) in accounts.iter().enumerate() {
        let outcome = open(id, index % 2).run(&services);
        assert!(
            matches!(&outcome, Ok(Outcome::Accepted { version: 1, .. })),
            "opening {id}: {outcome:?}"
        );
    }

    // One account opened by every thread at once: one of them opens it.
    let contested = format!("acc-{}", uuid::Uuid::new_v4().simple());
    let openings = concurrently(BANK_THREADS, |thread| {
        open(&contested, thread % 2).run(&services)
    });
    let problems: Vec<String> = openings.iter().filter_map(|o| o.clone().err()).collect();
    assert_none(&problems, "opening one account from every thread");
    let opened = openings
        .iter()
        .filter(|o| matches!(o, Ok(Outcome::Accepted { .. })))
        .count();
    assert_eq!(opened, 1, "exactly one opening wins: {openings:?}");

    // The movements: every thread on every account, through both instances in turn.
    let latest: Vec<AtomicU64> = (0..ACCOUNTS).map(|_| AtomicU64::new(1)).collect();
    let movements: Vec<Movement> = concurrently(BANK_THREADS, |thread| {
        let mut sent = Vec::new();
        for round in 0..BANK_REQUESTS {
            let account = (thread * 5 + round * 3) % ACCOUNTS;
            let deposit = (thread + 2 * round) % 5 < 3;
            let amount = 1 + ((thread * 13 + round * 7) % 9) as i64;
            let command = if deposit {
                "DepositMoney"
            } else {
                "WithdrawMoney"
            };
            let mut request =
                Request::new(project, command, &accounts[account], (thread + round) % 2)
                    .body(json!({"amount": amount}));
            let outcomes = match round % 5 {
                // The latest version any thread has seen: current, or already stale.
                1 | 3 => {
                    request = request.if_match(latest[account].load(Ordering::SeqCst));
                    vec![request.run(&services)]
                }
                // Sent to both instances at once, with one key.
                4 => {
                    request = request.key(&format!("move-{}", uuid::Uuid::new_v4().simple()));
                    let other = request.to_other();
                    std::thread::scope(|scope| {
                        let twin = scope.spawn(|| other.run(&services));
                        let first = request.run(&services);
                        vec![first, twin.join().expect("the twin request's thread")]
                    })
                }
                _ => vec![request.run(&services)],
            };
            for outcome in &outcomes {
                if let Ok(Outcome::Accepted { version, .. }) = outcome {
                    latest[account].fetch_max(*version, Ordering::SeqCst);
                }
            }
            sent.push(Movement {
                account,
                deposit,
                amount,
                request,
                outcomes,
            });
        }
        sent
    })
    .into_iter()
    .flatten()
    .collect();

    // Every answer was an acceptance or a conflict; each accepted command got a version of
    // its own.
    let mut problems = Vec::new();
    let mut accepted: Vec<BTreeMap<u64, Accepted>> = vec![BTreeMap::new(); ACCOUNTS];
    let mut replays = Vec::new();
    let (mut conflicts, mut conflicts_with_if_match, mut twins_answered_alike) = (0, 0, 0);
    for movement in &movements {
        let mut versions = BTreeSet::new();
        let mut bodies = Vec::new();
        for outcome in &movement.outcomes {
            match outcome {
                Err(problem) => problems.push(problem.clone()),
                Ok(Outcome::Conflict) => {
                    conflicts += 1;
                    if movement.request.if_match.is_some() {
                        conflicts_with_if_match += 1;
                    }
                }
                Ok(Outcome::WrongState) => problems.push(format!(
                    "{}: refused by the lifecycle, but the account is open",
                    movement.request.describe()
                )),
                Ok(Outcome::Accepted {
                    version,
                    events,
                    body,
                }) => {
                    let event = if movement.deposit {
                        "MoneyDeposited"
                    } else {
                        "MoneyWithdrawn"
                    };
                    if events != &[event.to_owned()] {
                        problems.push(format!(
                            "{}: recorded {events:?}, not [{event}]",
                            movement.request.describe()
                        ));
                    }
                    versions.insert(*version);
                    bodies.push(body.clone());
                }
            }
        }
        if versions.len() > 1 {
            problems.push(format!(
                "{}: one idempotency key accepted at versions {versions:?}",
                movement.request.describe()
            ));
        }
        if bodies.len() == 2 {
            twins_answered_alike += 1;
            if bodies[0] != bodies[1] {
                problems.push(format!(
                    "{}: one idempotency key answered {} and {}",
                    movement.request.describe(),
                    bodies[0],
                    bodies[1]
                ));
            }
        }
        if let Some(&version) = versions.first() {
            let command = Accepted {
                deposit: movement.deposit,
                amount: movement.amount,
            };
            if let Some(earlier) = accepted[movement.account].insert(version, command) {
                problems.push(format!(
                    "{}: accepted at version {version}, which an earlier command ({earlier:?}) was also told",
                    movement.request.describe()
                ));
            }
            if movement.request.key.is_some() {
                replays.push((movement.request.clone(), bodies[0].clone()));
            }
        }
    }
    assert_none(&problems, "the concurrent movements");
    let total_accepted: usize = accepted.iter().map(BTreeMap::len).sum();
    eprintln!(
        "bank: {} requests, {total_accepted} movements accepted, {conflicts} conflicts \
         ({conflicts_with_if_match} with If-Match), {twins_answered_alike} key twins both answered",
        movements.iter().map(|m| m.outcomes.len()).sum::<usize>()
    );
    assert!(total_accepted > 0, "some movements were accepted");

    // A key that was accepted is answered again, by either instance, without running again.
    for (request, body) in &replays {
        let again = request.to_other().run(&services);
        match again {
            Ok(Outcome::Accepted { body: replayed, .. }) if &replayed == body => {}
            other => panic!(
                "{}: a repeated key is answered as the first ({body}), got {other:?}",
                request.to_other().describe()
            ),
        }
    }

    // The journal holds exactly the accepted commands, at the versions they were told, and
    // each movement's balance follows from the one before.
    let journal = database.journal();
    let streams = streams(&journal);
    assert_eq!(
        journal.len(),
        ACCOUNTS + 1 + total_accepted,
        "one event per opening and per accepted movement"
    );
    let mut problems = Vec::new();
    let mut balances = Vec::new();
    for (index, id) in accounts.iter().enumerate() {
        let Some(events) = streams.get(&("Account".to_owned(), id.clone())) else {
            panic!("no stream for account {id}: {:?}", streams.keys());
        };
        if events.len() != 1 + accepted[index].len() {
            problems.push(format!(
                "{id}: {} events for {} accepted movements",
                events.len(),
                accepted[index].len()
            ));
        }
        let mut balance = match events.first() {
            Some(first) if first.event_type == "AccountCreated" => {
                number(&first.fields()["balance"]).unwrap_or(f64::NAN)
            }
            first => panic!("{id} does not start with its opening: {first:?}"),
        };
        for event in &events[1..] {
            let amount = number(&event.fields()["amount"]).unwrap_or(f64::NAN);
            match event.event_type.as_str() {
                "MoneyDeposited" => balance += amount,
                "MoneyWithdrawn" => balance -= amount,
                other => problems.push(format!("{id} v{}: an unexpected {other}", event.version)),
            }
            if number(&event.fields()["balance"]) != Some(balance) {
                problems.push(format!(
                    "{id} v{}: {} records the balance {}, but the events before it make {balance}",
                    event.version,
                    event.event_type,
                    event.fields()["balance"]
                ));
            }
            let Ok(version) = u64::try_from(event.version) else {
                continue;
            };
            match accepted[index].get(&version) {
                None => problems.push(format!(
                    "{id} v{version}: {} {} that no accepted command was told",
                    event.event_type, event.payload
                )),
                Some(command) => {
                    let event_type = if command.deposit {
                        "MoneyDeposited"
                    } else {
                        "MoneyWithdrawn"
                    };
                    if event.event_type != event_type || amount != command.amount as f64 {
                        problems.push(format!(
                            "{id} v{version}: {} {} recorded for {command:?}",
                            event.event_type, event.payload
                        ));
                    }
                }
            }
        }
        let expected = OPENING
            + accepted[index]
                .values()
                .map(|c| if c.deposit { c.amount } else { -c.amount })
                .sum::<i64>();
        if balance != expected as f64 {
            problems.push(format!(
                "{id}: the journal makes {balance}, the accepted commands {expected}"
            ));
        }
        balances.push(expected);
    }
    assert_none(&problems, "the journal against the accepted commands");

    // The read model, in its table and over the API of both instances, has every balance.
    let rows = database.read_models();
    let get = query_route(&project.model, "GetAccountBalance");
    for (id, &balance) in accounts.iter().zip(&balances) {
        let row = rows
            .values()
            .flat_map(BTreeMap::values)
            .filter_map(|(row, _)| serde_json::from_str::<Value>(row).ok())
            .find(|row| row["account_id"] == id.as_str());
        assert_eq!(
            row.as_ref().and_then(|row| number(&row["balance"])),
            Some(balance as f64),
            "{id}'s read-model row: {row:?}"
        );
        for service in &services {
            let answer = service.call("GET", &with_id(&get, id), &[], None);
            assert_eq!(answer.status, 200, "{id}'s balance: {}", answer.body);
            assert_eq!(
                number(&answer.body["balance"]),
                Some(balance as f64),
                "{id}'s balance on {}: {}",
                service.address,
                answer.body
            );
        }
    }

    rebuild_matches(project, services, &database, journal.len());
}

// -----------------------------------------------------------------------------------------
// The pizzeria: state-stored orders
// -----------------------------------------------------------------------------------------

const PIZZERIA_TOKENS: &str = "k1tchen=mario:kitchen;dr1ver=luigi:delivery;b0ss=anna:manager";
const KITCHEN: &str = "k1tchen";
const DRIVER: &str = "dr1ver";
/// Callers racing on each order.
const RACERS: usize = 8;
/// Orders raced from Placed (start cooking against cancel), and from Cooking (ready against
/// cancel).
const FROM_PLACED: usize = 6;
const FROM_COOKING: usize = 6;

/// What an order should be, from the commands accepted on it.
#[derive(Debug, Clone)]
struct Order {
    id: String,
    status: &'static str,
    /// Its events by version (index 0 is version 1).
    events: Vec<String>,
    chef: String,
    reason: String,
}

impl Order {
    fn version(&self) -> u64 {
        self.events.len() as u64
    }

    /// The order after `request` was accepted at `version` with `events`, or why that
    /// cannot be.
    fn accept(&mut self, request: &Request, version: u64, events: &[String]) -> Result<(), String> {
        if version != self.version() + 1 {
            return Err(format!(
                "accepted at version {version}, but the order was at {}",
                self.version()
            ));
        }
        let [event] = events else {
            return Err(format!("recorded {events:?}, not one event"));
        };
        let to = match (self.status, event.as_str()) {
            ("Placed", "CookingStarted") => "Cooking",
            ("Cooking", "OrderReady") => "Ready",
            ("Placed" | "Cooking", "OrderCancelled") => "Cancelled",
            (from, _) => return Err(format!("{event} accepted on an order that was {from}")),
        };
        let body = request.body.as_ref().unwrap_or(&Value::Null);
        match event.as_str() {
            "CookingStarted" => self.chef = body["chef"].as_str().unwrap_or_default().to_owned(),
            "OrderCancelled" => {
                self.reason = body["reason"].as_str().unwrap_or_default().to_owned();
            }
            _ => {}
        }
        self.status = to;
        self.events.push(event.clone());
        Ok(())
    }
}

/// The racers on one order: even ones send `first`, odd ones cancel, each command through
/// both instances; all name `if_match` as the version they expect, when given.
fn racers(project: &Project, order: &Order, first: &str, if_match: Option<u64>) -> Vec<Request> {
    (0..RACERS)
        .map(|racer| {
            let instance = (racer / 2) % 2;
            let request = if racer % 2 == 0 {
                let request = Request::new(project, first, &order.id, instance).token(KITCHEN);
                if first == "StartCooking" {
                    request.body(json!({"chef": format!("chef_{racer}")}))
                } else {
                    request
                }
            } else {
                Request::new(project, "CancelOrder", &order.id, instance)
                    .body(json!({"reason": format!("racer {racer} calls it off")}))
            };
            match if_match {
                Some(version) => request.if_match(version),
                None => request,
            }
        })
        .collect()
}

/// Races `racers` (per order of `orders`) all at once and applies the winners to the
/// orders; checks that each order had a winner, and exactly one when `exclusive` (the
/// commands exclude each other, or all named one version).
fn race(
    services: &[Service; 2],
    orders: &mut [Order],
    racers: &[Vec<Request>],
    exclusive: &[bool],
) -> (usize, usize) {
    let flat: Vec<(usize, &Request)> = racers
        .iter()
        .enumerate()
        .flat_map(|(order, requests)| requests.iter().map(move |request| (order, request)))
        .collect();
    let outcomes = concurrently(flat.len(), |index| flat[index].1.run(services));
    let mut problems = Vec::new();
    let mut wins: Vec<Vec<(u64, Vec<String>, &Request)>> = vec![Vec::new(); orders.len()];
    let (mut conflicts, mut refusals) = (0, 0);
    for ((order, request), outcome) in flat.iter().zip(outcomes) {
        match outcome {
            Err(problem) => problems.push(problem),
            Ok(Outcome::Conflict) => conflicts += 1,
            Ok(Outcome::WrongState) => refusals += 1,
            Ok(Outcome::Accepted {
                version, events, ..
            }) => wins[*order].push((version, events, *request)),
        }
    }
    for ((order, mut won), &exclusive) in orders.iter_mut().zip(wins).zip(exclusive) {
        if won.is_empty() || (exclusive && won.len() > 1) {
            problems.push(format!(
                "order {}: {} of its racers won{}: {:?}",
                order.id,
                won.len(),
                if exclusive { ", not exactly one" } else { "" },
                won.iter()
                    .map(|(v, e, r)| (v, e, r.describe()))
                    .collect::<Vec<_>>()
            ));
            continue;
        }
        won.sort_by_key(|(version, ..)| *version);
        for (version, events, request) in won {
            if let Err(problem) = order.accept(request, version, &events) {
                problems.push(format!("{}: {problem}", request.describe()));
            }
        }
    }
    assert_none(&problems, "the race");
    (conflicts, refusals)
}

#[test]
fn pizzeria_two_instances_on_one_postgres_let_exactly_one_transition_win() {
    let database = Database::fresh();
    let project = project("pizzeria");
    let services = two_instances(project, &database.url, PIZZERIA_TOKENS);
    let placing = json!({
        "customer_name": "Mario Rossi",
        "customer_phone": "+12125550123",
        "customer_address": "123 Main St, Springfield",
        "pizzas": [{"name": "Margherita", "size": "Large", "quantity": 1, "toppings": []}],
        "payment_method": "Card"
    });
    let mut orders: Vec<Order> = (0..FROM_PLACED + FROM_COOKING)
        .map(|index| {
            let request = Request::new(project, "PlaceOrder", "", index % 2).body(placing.clone());
            let answer = request.send(&services);
            let id = match &answer {
                Ok(answer) if answer.status == 201 => answer.body["order_id"].as_str(),
                _ => None,
            };
            Order {
                id: id
                    .unwrap_or_else(|| panic!("{}: {answer:?}", request.describe()))
                    .to_owned(),
                status: "Placed",
                events: vec!["OrderPlaced".to_owned()],
                chef: String::new(),
                reason: String::new(),
            }
        })
        .collect();
    let (placed, cooking) = orders.split_at_mut(FROM_PLACED);
    for (index, order) in cooking.iter_mut().enumerate() {
        let request = Request::new(project, "StartCooking", &order.id, index % 2)
            .token(KITCHEN)
            .if_match(1)
            .body(json!({"chef": "chef_first"}));
        match request.run(&services) {
            Ok(Outcome::Accepted {
                version, events, ..
            }) => order
                .accept(&request, version, &events)
                .unwrap_or_else(|problem| panic!("{}: {problem}", request.describe())),
            other => panic!("{}: {other:?}", request.describe()),
        }
    }

    // From Placed: cooking against cancelling. When all name version 1 exactly one wins;
    // otherwise the cook may win first and a cancel after it (an order may be cancelled
    // while it cooks), but never two cooks, two cancels, or a cook after a cancel.
    let named: Vec<bool> = (0..FROM_PLACED).map(|index| index % 2 == 0).collect();
    let contenders: Vec<Vec<Request>> = placed
        .iter()
        .zip(&named)
        .map(|(order, &named)| racers(project, order, "StartCooking", named.then_some(1)))
        .collect();
    let (conflicts, refusals) = race(&services, placed, &contenders, &named);
    eprintln!("pizzeria, from Placed: {conflicts} conflicts, {refusals} lifecycle refusals");

    // From Cooking: ready against cancelling exclude each other, with a version or without.
    let contenders: Vec<Vec<Request>> = cooking
        .iter()
        .enumerate()
        .map(|(index, order)| {
            racers(
                project,
                order,
                "MarkOrderReady",
                (index % 2 == 0).then_some(order.version()),
            )
        })
        .collect();
    let (conflicts, refusals) = race(&services, cooking, &contenders, &[true; FROM_COOKING]);
    eprintln!("pizzeria, from Cooking: {conflicts} conflicts, {refusals} lifecycle refusals");
    let statuses: Vec<(&str, &str)> = orders.iter().map(|o| (o.id.as_str(), o.status)).collect();
    eprintln!("pizzeria: the orders ended {statuses:?}");

    // Policies run after the commit: wait until the drivers' list has settled, then read the
    // database.
    let ready: BTreeSet<&str> = orders
        .iter()
        .filter(|o| o.status == "Ready")
        .map(|o| o.id.as_str())
        .collect();
    let pending_route = query_route(&project.model, "ListPendingDeliveries");
    let pending = |service: &Service| -> Result<(), String> {
        let pending = service.call(
            "GET",
            &pending_route,
            &[("authorization", &format!("Bearer {DRIVER}"))],
            None,
        );
        let listed: BTreeSet<&str> = pending.body["items"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|row| row["order_id"].as_str().unwrap_or_default())
            .collect();
        if pending.status == 200 && listed == ready {
            Ok(())
        } else {
            Err(format!("{} {}", pending.status, pending.body))
        }
    };
    poll_until(Duration::from_secs(10), || pending(&services[0])).unwrap_or_else(|last| {
        panic!("the drivers' list never became the ready orders {ready:?}: {last}")
    });

    // Every order's stream is exactly the commands accepted on it, and its saved state is
    // at that version, in the state they lead to.
    let journal = database.journal();
    let streams = streams(&journal);
    let states = database.states();
    let mut problems = Vec::new();
    for order in &orders {
        let key = ("Order".to_owned(), order.id.clone());
        let recorded: Vec<&str> = streams
            .get(&key)
            .map(|events| events.iter().map(|e| e.event_type.as_str()).collect())
            .unwrap_or_default();
        if recorded != order.events {
            problems.push(format!(
                "order {}: the journal has {recorded:?}, the accepted commands {:?}",
                order.id, order.events
            ));
        }
        match states.get(&key) {
            Some((version, state))
                if u64::try_from(*version) == Ok(order.version())
                    && state["status"] == order.status
                    && state["chef"].as_str().unwrap_or_default() == order.chef => {}
            other => problems.push(format!(
                "order {}: saved as {other:?}, expected {order:?}",
                order.id
            )),
        }
    }
    // The policy scheduled one delivery per ready order, on whichever instance made it ready.
    let mut scheduled = Vec::new();
    for ((kind, id), events) in &streams {
        match kind.as_str() {
            "Order" => {}
            "Delivery" => match events.as_slice() {
                [event] if event.event_type == "DeliveryScheduled" => {
                    scheduled.push(
                        event.fields()["order_id"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                    );
                }
                other => problems.push(format!("delivery {id}: {other:?}")),
            },
            other => problems.push(format!("an unexpected stream {other} {id}")),
        }
    }
    scheduled.sort();
    let expected: Vec<String> = ready.iter().map(|id| (*id).to_owned()).collect();
    if scheduled != expected {
        problems.push(format!(
            "deliveries scheduled for {scheduled:?}, but the ready orders are {expected:?}"
        ));
    }
    let accepted: u64 = orders.iter().map(Order::version).sum();
    if journal.len() as u64 != accepted + ready.len() as u64 {
        problems.push(format!(
            "{} events in the journal for {accepted} accepted commands and {} deliveries",
            journal.len(),
            ready.len()
        ));
    }
    assert_none(
        &problems,
        "the journal and the states against the accepted commands",
    );

    // The read models, over the API of both instances: the kitchen queue holds the orders
    // still cooking, with their chefs; each order shows its chef or why it was cancelled; the
    // drivers' list holds the ready orders.
    let cooking_now: BTreeMap<&str, &str> = orders
        .iter()
        .filter(|o| o.status == "Cooking")
        .map(|o| (o.id.as_str(), o.chef.as_str()))
        .collect();
    let queue_route = query_route(&project.model, "GetKitchenQueue");
    let get_route = query_route(&project.model, "GetOrderById");
    for service in &services {
        let kitchen = [("authorization", "Bearer k1tchen")];
        let queue = service.call("GET", &queue_route, &kitchen, None);
        assert_eq!(queue.status, 200, "the kitchen queue: {}", queue.body);
        let listed: BTreeMap<&str, &str> = queue.body["items"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|row| {
                (
                    row["order_id"].as_str().unwrap_or_default(),
                    row["chef"].as_str().unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(
            listed, cooking_now,
            "the kitchen queue on {}: {}",
            service.address, queue.body
        );
        for order in &orders {
            let view = service.call("GET", &with_id(&get_route, &order.id), &[], None);
            assert_eq!(view.status, 200, "order {}: {}", order.id, view.body);
            assert_eq!(
                (
                    view.body["chef"].as_str().unwrap_or_default(),
                    view.body["reason"].as_str().unwrap_or_default()
                ),
                (order.chef.as_str(), order.reason.as_str()),
                "order {} as tracked on {}: {}",
                order.id,
                service.address,
                view.body
            );
        }
        pending(service).unwrap_or_else(|listed| {
            panic!(
                "the drivers' list on {} is not {ready:?}: {listed}",
                service.address
            )
        });
    }

    rebuild_matches(project, services, &database, journal.len());
}
