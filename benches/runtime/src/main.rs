//! Seedwork's runtime against cqrs-es 0.5 (and hand-written sqlx) on one bank workload.
//!
//! `seedwork-runtime-bench [options]` runs the scenarios, checks every side's stored data
//! against a pure model of the workload, prints a Markdown report and exits non-zero when a
//! check failed. `seedwork-runtime-bench summarize FILE…` prints the report of several runs
//! saved with `--json`. `benches/runtime/run.sh` does both and starts PostgreSQL.
//!
//! - S1: in memory: Seedwork's `InMemoryStore`, cqrs-es's `MemStore`.
//! - S2: PostgreSQL: Seedwork's `PostgresStore`, postgres-es; one server, the same pool
//!   options. Plus a counting pass through a wire proxy: statements and round trips per
//!   command.
//! - S3: SQLite: Seedwork's `SqliteStore` against a raw sqlx baseline.
//! - S4: loading one long stream, with and without snapshots, as it grows.
//!
//! Each of S1–S3 runs three modes: 1 task; 8 tasks owning distinct accounts; 8 tasks
//! depositing into one account, retrying on conflict.

mod cqrs_bank;
mod driver;
mod pgwire;
mod prototype;
mod raw;
mod report;
mod seedwork_bank;
mod workload;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use seedwork::{EventStore, PostgresStore, SqliteStore};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgSslMode};

use crate::cqrs_bank::{CqrsMem, CqrsPostgres};
use crate::driver::{Bank, Target, Timing};
use crate::raw::RawSqlite;
use crate::report::{Check, LoadTime, Run, Throughput, Trips};
use crate::seedwork_bank::{SeedworkCached, SeedworkMediator, SeedworkRepository};
use crate::workload::{Cmd, Contended, Outcome, SplitMix64, State, Workload};

/// The seed of the workload; the warm-up and counting workloads use the next ones.
const SEED: u64 = 0x5EED_0006;

/// Connections per pool, the same for both sides: one per task of the widest mode.
const POOL_SIZE: u32 = 8;

/// Tasks in the concurrent modes.
const TASKS: usize = 8;

/// Snapshot interval of S4, on both sides.
const SNAPSHOT_EVERY: u64 = 100;

/// Seedwork's schema and cqrs-es's tables on the shared server.
const SEEDWORK_SCHEMA: &str = "bench_seedwork";
const CQRS_SCHEMA: &str = "bench_cqrs";
const CQRS_EVENTS: &str = "bench_cqrs.events";
const CQRS_SNAPSHOTS: &str = "bench_cqrs.snapshots";

/// What `MemStore` does under concurrent writers, for the contended check's report.
const MEMSTORE_DEFECT: &str = "a cqrs-es defect, not a harness one: `MemStore::commit` never \
    compares the stored sequence with the loaded one, so concurrent commands overwrite or \
    duplicate each other instead of failing with `AggregateConflict`";

/// What cqrs-es's snapshot store does, for the S4 check's report.
const SNAPSHOT_DEFECT: &str = "a cqrs-es 0.5.0 defect, not a harness one: `EventSink::write` \
    applies each new event to the aggregate, then `PersistedEventStore::commit` \
    (`update_snapshot_with_events`) applies the command's events to that same aggregate \
    again before saving it as the snapshot, so every snapshot counts the crossing command twice";

/// The three ways S1–S3 run the workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// One task, every account.
    One,
    /// Eight tasks, each owning every eighth account.
    Eight,
    /// Eight tasks, one account.
    Contended,
}

impl Mode {
    const ALL: [Mode; 3] = [Mode::One, Mode::Eight, Mode::Contended];

    fn label(self) -> &'static str {
        match self {
            Mode::One => "1 task",
            Mode::Eight => "8 tasks",
            Mode::Contended => "8 tasks, 1 account",
        }
    }
}

/// The implementations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    /// `Repository::execute` on `EventSourced`.
    Repository,
    /// `Mediator::send` with the example's pipeline.
    Mediator,
    /// cqrs-es's `CqrsFramework::execute`.
    Cqrs,
    /// Hand-written sqlx.
    Raw,
    /// The what-if repository of `prototype.rs`; runs only when `--sides` names it.
    Prototype,
}

impl Side {
    fn label(self) -> &'static str {
        match self {
            Side::Repository => "seedwork repository",
            Side::Mediator => "seedwork mediator",
            Side::Cqrs => "cqrs-es",
            Side::Raw => "raw sqlx",
            Side::Prototype => "prototype cached state",
        }
    }
}

/// Command-line options.
#[derive(Debug, Clone)]
struct Options {
    scenarios: Vec<String>,
    accounts: usize,
    commands: usize,
    contended_per_task: usize,
    json: Option<PathBuf>,
    swap: bool,
    sqlite_dir: PathBuf,
    postgres_url: Option<String>,
    lengths: Vec<u64>,
    loads: usize,
    no_ping: bool,
    sides: Option<Vec<String>>,
    modes: Vec<Mode>,
}

const USAGE: &str =
    "usage: seedwork-runtime-bench [--scenarios s1,s2,s3,s4] [--accounts N] [--commands N]
       [--contended N] [--lengths 1000,5000,10000] [--loads N] [--json FILE] [--swap]
       [--sqlite-dir DIR] [--no-ping-variant true|false]
       [--sides seedwork-repository,seedwork-mediator,cqrs-es,raw-sqlx,prototype-cached-state]
       [--modes 1,8,contended] (to profile one side or one mode)
   or: seedwork-runtime-bench summarize FILE...
PostgreSQL (S2, S4) is at SEEDWORK_TEST_POSTGRES_URL.";

impl Options {
    fn parse(mut args: impl Iterator<Item = String>) -> Result<Self, String> {
        let mut options = Options {
            scenarios: ["S1", "S2", "S3", "S4"].map(str::to_owned).to_vec(),
            accounts: 1_000,
            commands: 100,
            contended_per_task: 50,
            json: None,
            swap: false,
            sqlite_dir: if Path::new("/dev/shm").is_dir() {
                PathBuf::from("/dev/shm")
            } else {
                std::env::temp_dir()
            },
            postgres_url: std::env::var("SEEDWORK_TEST_POSTGRES_URL").ok(),
            lengths: vec![1_000, 5_000, 10_000],
            loads: 30,
            no_ping: true,
            sides: None,
            modes: Mode::ALL.to_vec(),
        };
        while let Some(flag) = args.next() {
            let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
            let number = |text: String| {
                text.parse::<usize>()
                    .map_err(|error| format!("{flag}: {text:?}: {error}"))
            };
            match flag.as_str() {
                "--scenarios" => {
                    options.scenarios = value()?
                        .split(',')
                        .map(|name| name.trim().to_uppercase())
                        .collect()
                }
                "--accounts" => options.accounts = number(value()?)?,
                "--commands" => options.commands = number(value()?)?,
                "--contended" => options.contended_per_task = number(value()?)?,
                "--loads" => options.loads = number(value()?)?.max(1),
                "--lengths" => {
                    options.lengths = value()?
                        .split(',')
                        .map(|n| {
                            n.trim()
                                .parse::<u64>()
                                .map_err(|e| format!("--lengths: {e}"))
                        })
                        .collect::<Result<_, _>>()?;
                    options.lengths.sort_unstable();
                }
                "--json" => options.json = Some(PathBuf::from(value()?)),
                "--swap" => options.swap = true,
                "--modes" => {
                    options.modes = value()?
                        .split(',')
                        .map(|mode| match mode.trim() {
                            "1" => Ok(Mode::One),
                            "8" => Ok(Mode::Eight),
                            "contended" => Ok(Mode::Contended),
                            other => Err(format!("--modes: {other:?} is not 1, 8 or contended")),
                        })
                        .collect::<Result<_, _>>()?
                }
                "--sides" => {
                    options.sides = Some(
                        value()?
                            .split(',')
                            .map(|side| side.trim().to_owned())
                            .collect(),
                    )
                }
                "--sqlite-dir" => options.sqlite_dir = PathBuf::from(value()?),
                "--no-ping-variant" => options.no_ping = value()? != "false",
                "--help" | "-h" => return Err(USAGE.to_owned()),
                other => return Err(format!("unknown option {other}\n{USAGE}")),
            }
        }
        if let Some(unknown) = options
            .scenarios
            .iter()
            .find(|name| !["S1", "S2", "S3", "S4"].contains(&name.as_str()))
        {
            return Err(format!("unknown scenario {unknown}\n{USAGE}"));
        }
        Ok(options)
    }

    fn wants(&self, scenario: &str) -> bool {
        self.scenarios.iter().any(|name| name == scenario)
    }
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().map(String::as_str) == Some("summarize") {
        return summarize(args.skip(1).collect());
    }
    let options = match Options::parse(args) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime starts");
    let run = match runtime.block_on(Harness::new(options.clone()).run_all()) {
        Ok(run) => run,
        Err(message) => {
            eprintln!("benchmark failed: {message}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(path) = &options.json {
        let json = serde_json::to_string_pretty(&run).expect("the report serializes");
        if let Err(error) = std::fs::write(path, json) {
            eprintln!("cannot write {}: {error}", path.display());
            return ExitCode::FAILURE;
        }
    }
    println!("{}", report::markdown(std::slice::from_ref(&run)));
    if run.sound() {
        ExitCode::SUCCESS
    } else {
        eprintln!("a correctness check failed: the numbers above do not count");
        ExitCode::FAILURE
    }
}

/// Prints the report of the runs saved in `files`; fails when one of them was not sound.
fn summarize(files: Vec<String>) -> ExitCode {
    if files.is_empty() {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    }
    let mut runs = Vec::new();
    for file in &files {
        let run: Run = match std::fs::read_to_string(file)
            .map_err(|error| error.to_string())
            .and_then(|text| serde_json::from_str(&text).map_err(|error| error.to_string()))
        {
            Ok(run) => run,
            Err(error) => {
                eprintln!("cannot read {file}: {error}");
                return ExitCode::FAILURE;
            }
        };
        runs.push(run);
    }
    println!("{}", report::markdown(&runs));
    if runs.iter().all(Run::sound) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Progress on stderr: stdout carries the report (and, muted, MemStore's chatter).
fn progress(message: impl std::fmt::Display) {
    eprintln!("[{:>7.1}s] {message}", started().elapsed().as_secs_f64());
}

fn started() -> &'static Instant {
    static STARTED: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    STARTED.get_or_init(Instant::now)
}

/// The state of one run of the harness.
struct Harness {
    options: Options,
    run: Run,
    workload: Arc<Workload>,
    warmup: Arc<Workload>,
    counting: Arc<Workload>,
    contended: Arc<Contended>,
}

impl Harness {
    fn new(options: Options) -> Self {
        started();
        let workload = Workload::generate(SEED, options.accounts, options.commands);
        let (accepted, refused, closed) = workload.summary();
        progress(format!(
            "workload: {} commands, the model accepts {accepted} and refuses {refused}; {closed} accounts end closed",
            workload.commands()
        ));
        Self {
            run: Run {
                started: SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |since| since.as_secs()),
                accounts: options.accounts,
                commands_per_account: options.commands,
                contended_per_task: options.contended_per_task,
                ..Run::default()
            },
            workload: Arc::new(workload),
            warmup: Arc::new(Workload::generate(SEED + 1, 16, options.commands.min(20))),
            counting: Arc::new(Workload::generate(SEED + 2, 20, options.commands)),
            contended: Arc::new(Contended::generate(
                SEED + 3,
                TASKS,
                options.contended_per_task,
            )),
            options,
        }
    }

    /// The sides of a scenario in the order of this run (`--swap` reverses it, so that over
    /// several runs neither side always goes first on a warming machine).
    fn order(&self, sides: &[Side]) -> Vec<Side> {
        let mut sides: Vec<Side> = sides
            .iter()
            .copied()
            .filter(|side| match &self.options.sides {
                Some(wanted) => wanted
                    .iter()
                    .any(|name| *name == side.label().replace(' ', "-")),
                None => *side != Side::Prototype,
            })
            .collect();
        if self.options.swap {
            sides.reverse();
        }
        sides
    }

    async fn run_all(mut self) -> Result<Run, String> {
        if self.options.wants("S1") {
            self.s1().await?;
        }
        if self.options.wants("S2") || self.options.wants("S4") {
            let url = self.options.postgres_url.clone().ok_or(
                "S2 and S4 need PostgreSQL: set SEEDWORK_TEST_POSTGRES_URL (run.sh starts a server)",
            )?;
            let postgres = Postgres::connect(&url).await?;
            if self.options.wants("S2") {
                self.s2(&postgres).await?;
            }
            if self.options.wants("S4") {
                self.s4_postgres(&postgres).await?;
            }
        }
        if self.options.wants("S3") {
            self.s3().await?;
        }
        if self.options.wants("S4") {
            self.s4_sqlite().await?;
        }
        Ok(self.run)
    }

    /// Warms `bank` up on accounts of its own, times `mode`, then checks everything it stored.
    /// Returns the final states (of every account, or of the contended one).
    async fn measure<B: Bank>(
        &mut self,
        scenario: &str,
        mode: Mode,
        side: Side,
        bank: Arc<B>,
        known_defect: Option<&str>,
    ) -> Result<Vec<State>, String> {
        driver::run_owned(bank.clone(), self.warmup.clone(), 1).await?;
        let mut timing: Timing = match mode {
            Mode::One => driver::run_owned(bank.clone(), self.workload.clone(), 1).await?,
            Mode::Eight => driver::run_owned(bank.clone(), self.workload.clone(), TASKS).await?,
            Mode::Contended => driver::run_contended(bank.clone(), self.contended.clone()).await?,
        };
        let (problems, states) = match mode {
            Mode::Contended => {
                let (problems, state) =
                    driver::check_contended(&*bank, &self.contended, &timing).await?;
                (problems, vec![state])
            }
            _ => driver::check_owned(&*bank, &self.workload, &timing).await?,
        };
        let entry = Throughput {
            scenario: scenario.to_owned(),
            mode: mode.label().to_owned(),
            side: side.label().to_owned(),
            commands: timing.commands,
            retries: timing.retries,
            seconds: timing.elapsed.as_secs_f64(),
            per_second: timing.per_second(),
            p50_us: timing.quantile_us(0.50),
            p99_us: timing.quantile_us(0.99),
        };
        progress(format!(
            "{scenario} {:<18} {:<20} {:>9.0} commands/s  p50 {:>8.1} µs  p99 {:>9.1} µs  retries {:>6}  {}",
            entry.mode,
            entry.side,
            entry.per_second,
            entry.p50_us,
            entry.p99_us,
            entry.retries,
            if problems.is_empty() {
                "checks pass".to_owned()
            } else {
                format!("{} PROBLEMS, first: {}", problems.len(), problems[0])
            }
        ));
        self.run.throughput.push(entry);
        self.run.checks.push(Check {
            scenario: scenario.to_owned(),
            mode: mode.label().to_owned(),
            side: side.label().to_owned(),
            problem_count: problems.len(),
            known_defect: (!problems.is_empty())
                .then_some(known_defect)
                .flatten()
                .map(str::to_owned),
            problems: problems.into_iter().take(5).collect(),
        });
        Ok(states)
    }

    /// After all sides of a scenario and mode: the sides that passed their own checks must
    /// also agree with each other, account by account.
    fn compare(&mut self, scenario: &str, mode: Mode, finals: &[(Side, Vec<State>)]) {
        let passed = |side: Side| {
            self.run.checks.iter().any(|check| {
                check.scenario == scenario
                    && check.mode == mode.label()
                    && check.side == side.label()
                    && check.passed()
            })
        };
        let sound: Vec<&(Side, Vec<State>)> =
            finals.iter().filter(|(side, _)| passed(*side)).collect();
        let mut problems = Vec::new();
        if let Some(((reference, states), rest)) = sound.split_first() {
            for (side, other) in rest {
                if other != states {
                    problems.push(format!(
                        "{} and {} end with different balances",
                        reference.label(),
                        side.label()
                    ));
                }
            }
        }
        self.run.checks.push(Check {
            scenario: scenario.to_owned(),
            mode: mode.label().to_owned(),
            side: "all sides agree".to_owned(),
            problem_count: problems.len(),
            problems,
            known_defect: None,
        });
    }

    async fn s1(&mut self) -> Result<(), String> {
        for mode in self.options.modes.clone() {
            let mut finals = Vec::new();
            let sides = [
                Side::Repository,
                Side::Mediator,
                Side::Prototype,
                Side::Cqrs,
            ];
            for side in self.order(&sides) {
                let states = match side {
                    Side::Repository => {
                        let store = Arc::new(seedwork::InMemoryStore::default());
                        let bank = Arc::new(SeedworkRepository::new(store, None));
                        self.measure("S1", mode, side, bank, None).await?
                    }
                    Side::Prototype => {
                        let store = Arc::new(seedwork::InMemoryStore::default());
                        let bank = Arc::new(SeedworkCached::new(store));
                        self.measure("S1", mode, side, bank, None).await?
                    }
                    Side::Mediator => {
                        let store = Arc::new(seedwork::InMemoryStore::default());
                        let bank = Arc::new(SeedworkMediator::new(store));
                        self.measure("S1", mode, side, bank, None).await?
                    }
                    _ => {
                        // MemStore prints a line per load and per commit: discard stdout
                        // while it runs (the report is printed at the end).
                        let gag = gag::Gag::stdout().map_err(|error| {
                            format!("cannot silence MemStore's output: {error}")
                        })?;
                        let bank = Arc::new(CqrsMem::in_memory());
                        let defect = (mode == Mode::Contended).then_some(MEMSTORE_DEFECT);
                        let states = self.measure("S1", mode, side, bank, defect).await;
                        std::io::Write::flush(&mut std::io::stdout())
                            .map_err(|error| format!("flushing stdout: {error}"))?;
                        drop(gag);
                        states?
                    }
                };
                finals.push((side, states));
            }
            self.compare("S1", mode, &finals);
        }
        Ok(())
    }

    async fn s2(&mut self, postgres: &Postgres) -> Result<(), String> {
        let mut variants = vec![("S2", true)];
        if self.options.no_ping {
            variants.push(("S2 no ping", false));
        }
        for (scenario, ping) in variants {
            for mode in self.options.modes.clone() {
                let mut finals = Vec::new();
                // The mediator adds the same client-side work whatever the pool does: the
                // variant without pings compares the repository only, to keep runs short.
                let sides: &[Side] = if ping {
                    &[
                        Side::Repository,
                        Side::Mediator,
                        Side::Prototype,
                        Side::Cqrs,
                    ]
                } else {
                    &[Side::Repository, Side::Prototype, Side::Cqrs]
                };
                for side in self.order(sides) {
                    let states = match side {
                        Side::Repository | Side::Mediator | Side::Prototype => {
                            let store = postgres.fresh_seedwork(&postgres.direct, ping).await?;
                            let pool = store.pool().clone();
                            let store: Arc<dyn EventStore> = Arc::new(store);
                            let states = if side == Side::Repository {
                                let bank = Arc::new(SeedworkRepository::new(store, None));
                                self.measure(scenario, mode, side, bank, None).await?
                            } else if side == Side::Prototype {
                                let bank = Arc::new(SeedworkCached::new(store));
                                self.measure(scenario, mode, side, bank, None).await?
                            } else {
                                let bank = Arc::new(SeedworkMediator::new(store));
                                self.measure(scenario, mode, side, bank, None).await?
                            };
                            pool.close().await;
                            states
                        }
                        _ => {
                            let pool = postgres.fresh_cqrs(&postgres.direct, ping).await?;
                            let bank = Arc::new(CqrsPostgres::postgres(
                                pool.clone(),
                                CQRS_EVENTS,
                                CQRS_SNAPSHOTS,
                                None,
                            ));
                            let states = self.measure(scenario, mode, side, bank, None).await?;
                            pool.close().await;
                            states
                        }
                    };
                    finals.push((side, states));
                }
                self.compare(scenario, mode, &finals);
            }
            self.count_trips(postgres, ping).await?;
        }
        Ok(())
    }

    /// The counting pass: fresh tables, a warm-up through the proxy (connections open and
    /// statements prepared), then the counting workload one command at a time.
    async fn count_trips(&mut self, postgres: &Postgres, ping: bool) -> Result<(), String> {
        let (address, counters) = pgwire::start(postgres.address)
            .await
            .map_err(|error| format!("cannot start the counting proxy: {error}"))?;
        let proxied = postgres
            .options
            .clone()
            .host(&address.ip().to_string())
            .port(address.port())
            .ssl_mode(PgSslMode::Disable);
        let pool_label = if ping {
            "sqlx defaults (ping before each acquire)"
        } else {
            "test_before_acquire(false)"
        };
        for side in self.order(&[Side::Repository, Side::Mediator, Side::Cqrs]) {
            let counts = match side {
                Side::Repository | Side::Mediator => {
                    let store = postgres.fresh_seedwork(&proxied, ping).await?;
                    let pool = store.pool().clone();
                    let store: Arc<dyn EventStore> = Arc::new(store);
                    let counts = if side == Side::Repository {
                        let bank = SeedworkRepository::new(store, None);
                        self.count_with(&bank, &counters, &pool).await?
                    } else {
                        let bank = SeedworkMediator::new(store);
                        self.count_with(&bank, &counters, &pool).await?
                    };
                    pool.close().await;
                    counts
                }
                _ => {
                    let pool = postgres.fresh_cqrs(&proxied, ping).await?;
                    let bank =
                        CqrsPostgres::postgres(pool.clone(), CQRS_EVENTS, CQRS_SNAPSHOTS, None);
                    let counts = self.count_with(&bank, &counters, &pool).await?;
                    pool.close().await;
                    counts
                }
            };
            if counters.unexpected() > 0 {
                return Err(
                    "the counting proxy saw a TLS or cancel request; counts are void".into(),
                );
            }
            let per = |sum: u64, n: u64| if n == 0 { 0.0 } else { sum as f64 / n as f64 };
            let trips = Trips {
                pool: pool_label.to_owned(),
                side: side.label().to_owned(),
                accepted: counts.accepted,
                accepted_statements: per(counts.accepted_wire.statements, counts.accepted),
                accepted_round_trips: per(counts.accepted_wire.round_trips, counts.accepted),
                accepted_pings: per(counts.accepted_wire.pings, counts.accepted),
                refused: counts.refused,
                refused_statements: per(counts.refused_wire.statements, counts.refused),
                refused_round_trips: per(counts.refused_wire.round_trips, counts.refused),
                refused_pings: per(counts.refused_wire.pings, counts.refused),
                parses: counts.accepted_wire.parses + counts.refused_wire.parses,
            };
            progress(format!(
                "S2 wire, {pool_label}, {}: accepted {:.2} statements / {:.2} round trips, refused {:.2} / {:.2}",
                trips.side,
                trips.accepted_statements,
                trips.accepted_round_trips,
                trips.refused_statements,
                trips.refused_round_trips
            ));
            self.run.trips.push(trips);
        }
        Ok(())
    }

    async fn count_with<B: Bank>(
        &self,
        bank: &B,
        counters: &pgwire::Counters,
        pool: &PgPool,
    ) -> Result<driver::TripCounts, String> {
        let warmup = Workload::generate(SEED + 4, 4, self.options.commands.min(20));
        for plan in &warmup.accounts {
            for &cmd in &plan.commands {
                bank.execute(Target::from(plan), cmd).await?;
            }
        }
        driver::count_trips(bank, &self.counting, counters, pool).await
    }

    async fn s3(&mut self) -> Result<(), String> {
        let dir = self.options.sqlite_dir.clone();
        for mode in self.options.modes.clone() {
            let mut finals = Vec::new();
            for side in self.order(&[Side::Repository, Side::Mediator, Side::Prototype, Side::Raw])
            {
                let path = fresh_file(
                    &dir,
                    &format!("{}-{:?}", side.label().replace(' ', "-"), mode),
                )?;
                let url = format!("sqlite://{}", path.display());
                let states = match side {
                    Side::Repository | Side::Mediator | Side::Prototype => {
                        let store = SqliteStore::connect(&url)
                            .await
                            .map_err(|error| format!("opening {url}: {error}"))?;
                        let pool = store.pool().clone();
                        let store: Arc<dyn EventStore> = Arc::new(store);
                        let states = if side == Side::Repository {
                            let bank = Arc::new(SeedworkRepository::new(store, None));
                            self.measure("S3", mode, side, bank, None).await?
                        } else if side == Side::Prototype {
                            let bank = Arc::new(SeedworkCached::new(store));
                            self.measure("S3", mode, side, bank, None).await?
                        } else {
                            let bank = Arc::new(SeedworkMediator::new(store));
                            self.measure("S3", mode, side, bank, None).await?
                        };
                        pool.close().await;
                        states
                    }
                    _ => {
                        let bank = Arc::new(RawSqlite::open(&path).await?);
                        self.measure("S3", mode, side, bank, None).await?
                    }
                };
                remove_database(&path);
                finals.push((side, states));
            }
            self.compare("S3", mode, &finals);
        }
        Ok(())
    }

    async fn s4_postgres(&mut self, postgres: &Postgres) -> Result<(), String> {
        for side in self.order(&[Side::Repository, Side::Cqrs]) {
            match side {
                Side::Repository => {
                    let store = postgres.fresh_seedwork(&postgres.direct, true).await?;
                    let pool = store.pool().clone();
                    let store: Arc<dyn EventStore> = Arc::new(store);
                    self.s4_seedwork("PostgreSQL", store).await?;
                    pool.close().await;
                }
                _ => {
                    let pool = postgres.fresh_cqrs(&postgres.direct, true).await?;
                    let plain =
                        CqrsPostgres::postgres(pool.clone(), CQRS_EVENTS, CQRS_SNAPSHOTS, None);
                    let snapshotting = CqrsPostgres::postgres(
                        pool.clone(),
                        CQRS_EVENTS,
                        CQRS_SNAPSHOTS,
                        Some(SNAPSHOT_EVERY as usize),
                    );
                    self.s4_grow("PostgreSQL", Side::Cqrs, &snapshotting, |key, snapshots| {
                        let loader = if snapshots { &snapshotting } else { &plain };
                        let key = key.to_owned();
                        async move { loader.load(&key).await }
                    })
                    .await?;
                    pool.close().await;
                }
            }
        }
        Ok(())
    }

    async fn s4_sqlite(&mut self) -> Result<(), String> {
        let path = fresh_file(&self.options.sqlite_dir.clone(), "s4")?;
        let store = SqliteStore::connect(&format!("sqlite://{}", path.display()))
            .await
            .map_err(|error| format!("opening {}: {error}", path.display()))?;
        let pool = store.pool().clone();
        self.s4_seedwork("SQLite", Arc::new(store)).await?;
        pool.close().await;
        remove_database(&path);
        Ok(())
    }

    async fn s4_seedwork(
        &mut self,
        store_name: &str,
        store: Arc<dyn EventStore>,
    ) -> Result<(), String> {
        let plain = SeedworkRepository::new(store.clone(), None);
        let snapshotting = SeedworkRepository::new(store, Some(SNAPSHOT_EVERY));
        self.s4_grow(
            store_name,
            Side::Repository,
            &snapshotting,
            |key, snapshots| {
                let loader = if snapshots { &snapshotting } else { &plain };
                let id = key.parse::<uuid::Uuid>();
                async move {
                    let id = id.map_err(|error| format!("the S4 account id: {error}"))?;
                    loader.load(id).await
                }
            },
        )
        .await
    }

    /// Grows one account's stream through `builder` (which snapshots) to each length of
    /// `--lengths`, and at each length times `--loads` loads with and without snapshots.
    /// Every load must give the model's balance at the stream's version.
    async fn s4_grow<B, L, F>(
        &mut self,
        store: &str,
        side: Side,
        builder: &B,
        load: L,
    ) -> Result<(), String>
    where
        B: Bank,
        L: Fn(&str, bool) -> F,
        F: std::future::Future<Output = Result<Option<(State, u64)>, String>>,
    {
        let mut rng = SplitMix64::new(SEED + 5);
        let id = rng.uuid();
        let key = id.to_string();
        let target = Target { id, key: &key };
        let mut expected = State::default();
        // Problems of the loads without and with snapshots.
        let mut problems: [Vec<String>; 2] = [Vec::new(), Vec::new()];
        let mut length = 0u64;
        let started = Instant::now();
        for &goal in &self.options.lengths {
            while length < goal {
                let cmd = if length == 0 {
                    Cmd::Open { initial_balance: 0 }
                } else {
                    Cmd::Deposit {
                        amount: rng.between(1, 500),
                    }
                };
                let attempt = builder.execute(target, cmd).await?;
                if attempt != driver::Attempt::Done(Outcome::Accepted) {
                    return Err(format!(
                        "S4 {store} {}: {cmd:?} was not accepted",
                        side.label()
                    ));
                }
                let event = expected
                    .decide(cmd)
                    .map_err(|refusal| format!("the model refuses {cmd:?}: {refusal}"))?;
                expected.apply(event);
                length += 1;
            }
            let mut plain = Vec::with_capacity(self.options.loads);
            let mut snapshotted = Vec::with_capacity(self.options.loads);
            // One kind of load after the other, snapshots first: the garbage a long replay
            // leaves (thousands of freed JSON values) must not be billed to the next load.
            for snapshots in [true, false] {
                for _ in 0..self.options.loads {
                    let before = Instant::now();
                    let loaded = load(&key, snapshots).await?;
                    let took = before.elapsed().as_secs_f64() * 1e6;
                    if snapshots {
                        snapshotted.push(took);
                    } else {
                        plain.push(took);
                    }
                    if loaded != Some((expected, length)) {
                        problems[usize::from(snapshots)].push(format!(
                            "{length} events, snapshots {snapshots}: loaded {loaded:?}, the model has {expected:?} at {length}"
                        ));
                    }
                }
            }
            for (snapshots, mut micros) in [(false, plain), (true, snapshotted)] {
                micros.sort_by(f64::total_cmp);
                let entry = LoadTime {
                    store: store.to_owned(),
                    side: side.label().to_owned(),
                    events: length,
                    snapshots,
                    median_us: micros[micros.len() / 2],
                    max_us: micros[micros.len() - 1],
                };
                progress(format!(
                    "S4 {store} {:<20} {length:>6} events, {} snapshots: median {:>9.0} µs, slowest {:>9.0} µs",
                    entry.side,
                    if snapshots { "with   " } else { "without" },
                    entry.median_us,
                    entry.max_us
                ));
                self.run.loads.push(entry);
            }
        }
        progress(format!(
            "S4 {store} {}: built and loaded in {:.1} s",
            side.label(),
            started.elapsed().as_secs_f64()
        ));
        for (snapshots, problems) in [false, true].into_iter().zip(problems) {
            let defect = (side == Side::Cqrs && snapshots && !problems.is_empty())
                .then(|| SNAPSHOT_DEFECT.to_owned());
            self.run.checks.push(Check {
                scenario: "S4".to_owned(),
                mode: format!(
                    "{store}, {} snapshots",
                    if snapshots { "with" } else { "without" }
                ),
                side: side.label().to_owned(),
                problem_count: problems.len(),
                problems: problems.into_iter().take(5).collect(),
                known_defect: defect,
            });
        }
        Ok(())
    }
}

/// The shared PostgreSQL server: where it is, and an administrative pool that resets the
/// benchmark's schemas between runs.
struct Postgres {
    options: PgConnectOptions,
    direct: PgConnectOptions,
    address: std::net::SocketAddr,
    admin: PgPool,
}

impl Postgres {
    async fn connect(url: &str) -> Result<Self, String> {
        let options: PgConnectOptions = url
            .parse()
            .map_err(|error| format!("SEEDWORK_TEST_POSTGRES_URL: {error}"))?;
        let address = tokio::net::lookup_host((options.get_host(), options.get_port()))
            .await
            .map_err(|error| format!("resolving {}: {error}", options.get_host()))?
            .next()
            .ok_or_else(|| format!("{} does not resolve", options.get_host()))?;
        let admin = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.clone())
            .await
            .map_err(|error| format!("connecting to PostgreSQL at {url}: {error}"))?;
        Ok(Self {
            direct: options.clone(),
            options,
            address,
            admin,
        })
    }

    /// The pool options both sides get: the same size; sqlx's defaults otherwise, or
    /// without the liveness ping when `ping` is false.
    fn pool(ping: bool) -> PgPoolOptions {
        PgPoolOptions::new()
            .max_connections(POOL_SIZE)
            .test_before_acquire(ping)
    }

    async fn admin(&self, sql: &str) -> Result<(), String> {
        sqlx::query(sql)
            .execute(&self.admin)
            .await
            .map(drop)
            .map_err(|error| format!("{sql}: {error}"))
    }

    /// A Seedwork store on empty tables of its own schema.
    async fn fresh_seedwork(
        &self,
        connect: &PgConnectOptions,
        ping: bool,
    ) -> Result<PostgresStore, String> {
        self.admin(&format!("DROP SCHEMA IF EXISTS {SEEDWORK_SCHEMA} CASCADE"))
            .await?;
        PostgresStore::connect_with(Self::pool(ping), connect.clone(), Some(SEEDWORK_SCHEMA))
            .await
            .map_err(|error| format!("seedwork: connecting to PostgreSQL: {error}"))
    }

    /// A pool for cqrs-es, on empty tables of postgres-es's shape.
    async fn fresh_cqrs(&self, connect: &PgConnectOptions, ping: bool) -> Result<PgPool, String> {
        self.admin(&format!("DROP SCHEMA IF EXISTS {CQRS_SCHEMA} CASCADE"))
            .await?;
        self.admin(&format!("CREATE SCHEMA {CQRS_SCHEMA}")).await?;
        for statement in cqrs_bank::postgres_schema(CQRS_EVENTS, CQRS_SNAPSHOTS) {
            self.admin(&statement).await?;
        }
        Self::pool(ping)
            .connect_with(connect.clone())
            .await
            .map_err(|error| format!("cqrs-es: connecting to PostgreSQL: {error}"))
    }
}

/// A path in `dir` with no database at it.
fn fresh_file(dir: &Path, name: &str) -> Result<PathBuf, String> {
    std::fs::create_dir_all(dir).map_err(|error| format!("creating {}: {error}", dir.display()))?;
    let path = dir.join(format!("seedwork-bench-{}-{name}.db", std::process::id()));
    remove_database(&path);
    Ok(path)
}

/// Removes a SQLite database and its WAL files.
fn remove_database(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        let _ = std::fs::remove_file(file);
    }
}

#[cfg(test)]
mod tests {
    use crate::workload::Event;

    /// Both frameworks and the raw baseline store byte-identical payloads.
    #[test]
    fn every_side_serializes_events_the_same_way() {
        let events = [
            Event::AccountOpened { initial_balance: 7 },
            Event::MoneyDeposited { amount: 5 },
            Event::MoneyWithdrawn { amount: 3 },
            Event::AccountClosed,
        ];
        for event in events {
            let raw = serde_json::to_string(&event).expect("serializes");
            let seedwork = serde_json::to_string(&crate::seedwork_bank::AccountEvent::from(event))
                .expect("serializes");
            let cqrs = serde_json::to_string(&crate::cqrs_bank::BankEvent::from(event))
                .expect("serializes");
            assert_eq!(seedwork, raw);
            assert_eq!(cqrs, raw);
            assert_eq!(
                seedwork::DomainEvent::event_type(&crate::seedwork_bank::AccountEvent::from(event)),
                cqrs_es::DomainEvent::event_type(&crate::cqrs_bank::BankEvent::from(event))
            );
        }
    }
}
