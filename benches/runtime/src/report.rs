//! What a run measured, as JSON for later runs to be summarized with, and as Markdown.
//!
//! A single run is printed as the summary of one run, so the table of one run and the table
//! of five have the same shape: medians, and the range over runs when there are several.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

/// Throughput and latency of one side in one scenario and mode.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Throughput {
    /// `S1`, `S2`, …
    pub scenario: String,
    /// `1 task`, `8 tasks`, `8 tasks, 1 account`.
    pub mode: String,
    /// Which implementation.
    pub side: String,
    /// Commands completed.
    pub commands: u64,
    /// Attempts retried after a conflict.
    pub retries: u64,
    /// Wall time.
    pub seconds: f64,
    /// Commands per second.
    pub per_second: f64,
    /// Median latency.
    pub p50_us: f64,
    /// 99th percentile latency.
    pub p99_us: f64,
}

/// The time to load one aggregate.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoadTime {
    /// Which store.
    pub store: String,
    /// Which implementation.
    pub side: String,
    /// The stream's length.
    pub events: u64,
    /// Whether the loader used snapshots.
    pub snapshots: bool,
    /// Median over the loads.
    pub median_us: f64,
    /// Slowest load.
    pub max_us: f64,
}

/// Statements and round trips per command, counted on the wire.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Trips {
    /// The pool settings.
    pub pool: String,
    /// Which implementation.
    pub side: String,
    /// Commands that stored an event.
    pub accepted: u64,
    /// Statements per accepted command.
    pub accepted_statements: f64,
    /// Round trips per accepted command.
    pub accepted_round_trips: f64,
    /// Of which pings.
    #[serde(default)]
    pub accepted_pings: f64,
    /// Commands refused by a rule.
    pub refused: u64,
    /// Statements per refused command.
    pub refused_statements: f64,
    /// Round trips per refused command.
    pub refused_round_trips: f64,
    /// Of which pings.
    #[serde(default)]
    pub refused_pings: f64,
    /// Statements prepared during the counted commands (0 once the cache is warm).
    pub parses: u64,
}

/// The outcome of the correctness checks of one side in one scenario and mode.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Check {
    /// `S1`, `S2`, …
    pub scenario: String,
    /// The mode.
    pub mode: String,
    /// Which implementation.
    pub side: String,
    /// The first problems found (empty: everything matched the model).
    pub problems: Vec<String>,
    /// How many problems in all.
    pub problem_count: usize,
    /// Set when the problems are a documented defect of a baseline, not of the harness or
    /// of Seedwork; such a side's numbers are left out of the ratios.
    pub known_defect: Option<String>,
}

impl Check {
    /// True when nothing differed from the model.
    pub fn passed(&self) -> bool {
        self.problem_count == 0
    }
}

/// Everything one run of the harness measured.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Run {
    /// Seconds since the Unix epoch at the start.
    pub started: u64,
    /// Accounts in the owned runs.
    pub accounts: usize,
    /// Commands per account after the opening one.
    pub commands_per_account: usize,
    /// Deposits per contending task.
    pub contended_per_task: usize,
    /// Throughput measurements.
    pub throughput: Vec<Throughput>,
    /// Load-time measurements.
    pub loads: Vec<LoadTime>,
    /// Wire counts.
    pub trips: Vec<Trips>,
    /// Correctness checks.
    pub checks: Vec<Check>,
}

impl Run {
    /// True when every check passed, or failed only by a documented baseline defect.
    pub fn sound(&self) -> bool {
        self.checks
            .iter()
            .all(|check| check.passed() || check.known_defect.is_some())
    }
}

/// Median and range of a set of values.
fn spread(values: &mut [f64]) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let median = if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    };
    (median, values[0], values[n - 1])
}

/// `median (min–max)` with `digits` decimals, or just the value for one run.
fn cell(values: &mut [f64], digits: usize) -> String {
    if values.is_empty() {
        return "–".to_owned();
    }
    let (median, low, high) = spread(values);
    if values.len() == 1 || low == high {
        format!("{median:.digits$}")
    } else {
        format!("{median:.digits$} ({low:.digits$}–{high:.digits$})")
    }
}

/// The sides each scenario compares, the baseline last.
fn comparisons(scenario: &str) -> (&'static [&'static str], &'static str) {
    match scenario {
        "S3" => (
            &[
                "seedwork repository",
                "seedwork mediator",
                "prototype cached state",
            ],
            "raw sqlx",
        ),
        _ => (
            &[
                "seedwork repository",
                "seedwork mediator",
                "prototype cached state",
            ],
            "cqrs-es",
        ),
    }
}

/// The scenarios' titles and the target each ratio is held against.
fn title(scenario: &str) -> (&'static str, Option<f64>) {
    match scenario {
        "S1" => ("S1: in-memory stores (Seedwork `InMemoryStore`, cqrs-es `MemStore`)", Some(3.0)),
        "S2" => ("S2: PostgreSQL, one server, the same pool size", Some(1.5)),
        "S2 no ping" => (
            "S2, pool without the ping before each acquire (`test_before_acquire(false)` on both sides)",
            Some(1.5),
        ),
        "S3" => ("S3: SQLite, Seedwork `SqliteStore` against hand-written sqlx", Some(0.7)),
        _ => ("", None),
    }
}

/// The Markdown report of `runs` (one or more runs of the same configuration).
pub fn markdown(runs: &[Run]) -> String {
    let mut out = String::new();
    let first = &runs[0];
    let _ = writeln!(
        out,
        "Workload: {} accounts × (1 opening + {} commands), 70% deposit / 25% withdraw / 5% close; \
         contended: 8 tasks × {} deposits into one account. {} run(s); cells are median (min–max) over runs.\n",
        first.accounts,
        first.commands_per_account,
        first.contended_per_task,
        runs.len()
    );
    let mut scenarios: Vec<String> = Vec::new();
    for run in runs {
        for entry in &run.throughput {
            if !scenarios.contains(&entry.scenario) {
                scenarios.push(entry.scenario.clone());
            }
        }
    }
    for scenario in &scenarios {
        throughput_table(&mut out, runs, scenario);
    }
    trips_table(&mut out, runs);
    loads_table(&mut out, runs);
    checks_list(&mut out, runs);
    out
}

fn throughput_table(out: &mut String, runs: &[Run], scenario: &str) {
    let (heading, target) = title(scenario);
    let _ = writeln!(out, "### {heading}\n");
    let _ = writeln!(
        out,
        "| mode | side | commands/s | p50 µs | p99 µs | retries | checks |\n|---|---|---|---|---|---|---|"
    );
    // (mode, side) -> per-run values, in first-seen order.
    let mut rows: Vec<(String, String)> = Vec::new();
    let mut values: BTreeMap<(String, String), Vec<&Throughput>> = BTreeMap::new();
    for run in runs {
        for entry in run
            .throughput
            .iter()
            .filter(|entry| entry.scenario == scenario)
        {
            let key = (entry.mode.clone(), entry.side.clone());
            if !rows.contains(&key) {
                rows.push(key.clone());
            }
            values.entry(key).or_default().push(entry);
        }
    }
    for key in &rows {
        let entries = &values[key];
        let pick = |f: fn(&Throughput) -> f64| entries.iter().map(|e| f(e)).collect::<Vec<_>>();
        let checks = check_cell(runs, scenario, &key.0, &key.1);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {checks} |",
            key.0,
            key.1,
            cell(&mut pick(|e| e.per_second), 0),
            cell(&mut pick(|e| e.p50_us), 1),
            cell(&mut pick(|e| e.p99_us), 1),
            cell(&mut pick(|e| e.retries as f64), 0),
        );
    }
    let (sides, baseline) = comparisons(scenario);
    let mut modes: Vec<&String> = Vec::new();
    for (mode, _) in &rows {
        if !modes.contains(&mode) {
            modes.push(mode);
        }
    }
    let _ = writeln!(out);
    for side in sides {
        for mode in &modes {
            let mut ratios = Vec::new();
            for run in runs {
                let find = |name: &str| {
                    run.throughput.iter().find(|entry| {
                        entry.scenario == scenario && &entry.mode == *mode && entry.side == name
                    })
                };
                let usable = |name: &str| {
                    run.checks.iter().all(|check| {
                        !(check.scenario == scenario
                            && &check.mode == *mode
                            && check.side == name
                            && !check.passed())
                    })
                };
                if let (Some(ours), Some(theirs)) = (find(side), find(baseline)) {
                    if usable(side) && usable(baseline) {
                        ratios.push(ours.per_second / theirs.per_second);
                    }
                }
            }
            if ratios.is_empty() {
                if runs.iter().any(|run| {
                    run.throughput.iter().any(|entry| {
                        entry.scenario == scenario && &entry.mode == *mode && entry.side == *side
                    })
                }) {
                    let _ = writeln!(
                        out,
                        "- {side} / {baseline}, {mode}: no ratio (a side failed its checks)"
                    );
                }
                continue;
            }
            let (median, _, _) = spread(&mut ratios.clone());
            let verdict = match target {
                Some(target) if median >= target => format!("target ≥ {target}×: met"),
                Some(target) => format!(
                    "target ≥ {target}×: **missed** ({:.0}% of the target)",
                    100.0 * median / target
                ),
                None => String::new(),
            };
            let _ = writeln!(
                out,
                "- {side} / {baseline}, {mode}: **{}×** — {verdict}",
                cell(&mut ratios, 2)
            );
        }
    }
    let _ = writeln!(out);
}

fn check_cell(runs: &[Run], scenario: &str, mode: &str, side: &str) -> String {
    let checks: Vec<&Check> = runs
        .iter()
        .flat_map(|run| &run.checks)
        .filter(|check| check.scenario == scenario && check.mode == mode && check.side == side)
        .collect();
    let failed = checks.iter().filter(|check| !check.passed()).count();
    match (checks.len(), failed) {
        (0, _) => "–".to_owned(),
        (_, 0) => "pass".to_owned(),
        (n, failed) => {
            let defect = checks.iter().any(|check| check.known_defect.is_some());
            format!(
                "**FAIL** {failed}/{n}{}",
                if defect {
                    " (baseline defect, see below)"
                } else {
                    ""
                }
            )
        }
    }
}

fn trips_table(out: &mut String, runs: &[Run]) {
    if runs.iter().all(|run| run.trips.is_empty()) {
        return;
    }
    let _ = writeln!(
        out,
        "### S2: statements and round trips per command, counted on the wire\n\n\
         Cells: statements / round trips (of which sqlx pings). The append is the difference between \
         an accepted command (load + append) and a refused one (load only).\n\n\
         | pool | side | accepted command | refused command | append alone |\n\
         |---|---|---|---|---|"
    );
    let mut seen: Vec<(String, String)> = Vec::new();
    for run in runs {
        for trips in &run.trips {
            let key = (trips.pool.clone(), trips.side.clone());
            if seen.contains(&key) {
                continue;
            }
            seen.push(key.clone());
            let all: Vec<&Trips> = runs
                .iter()
                .flat_map(|run| &run.trips)
                .filter(|t| t.pool == key.0 && t.side == key.1)
                .collect();
            let median = |f: &dyn Fn(&Trips) -> f64| {
                let mut values: Vec<f64> = all.iter().map(|t| f(t)).collect();
                spread(&mut values).0
            };
            let triple = |statements: f64, trips: f64, pings: f64| {
                format!("{statements:.2} / {trips:.2} ({pings:.2} pings)")
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                key.0,
                key.1,
                triple(
                    median(&|t| t.accepted_statements),
                    median(&|t| t.accepted_round_trips),
                    median(&|t| t.accepted_pings)
                ),
                triple(
                    median(&|t| t.refused_statements),
                    median(&|t| t.refused_round_trips),
                    median(&|t| t.refused_pings)
                ),
                triple(
                    median(&|t| t.accepted_statements - t.refused_statements),
                    median(&|t| t.accepted_round_trips - t.refused_round_trips),
                    median(&|t| t.accepted_pings - t.refused_pings)
                ),
            );
        }
    }
    let _ = writeln!(out);
}

fn loads_table(out: &mut String, runs: &[Run]) {
    if runs.iter().all(|run| run.loads.is_empty()) {
        return;
    }
    let _ = writeln!(
        out,
        "### S4: loading one aggregate (median µs of the loads; slowest in brackets)\n\n\
         | store | side | events | without snapshots | with snapshots (every 100) |\n|---|---|---|---|---|"
    );
    let mut seen: Vec<(String, String, u64)> = Vec::new();
    for run in runs {
        for load in &run.loads {
            let key = (load.store.clone(), load.side.clone(), load.events);
            if seen.contains(&key) {
                continue;
            }
            seen.push(key.clone());
            let pick = |snapshots: bool, f: fn(&LoadTime) -> f64| {
                runs.iter()
                    .flat_map(|run| &run.loads)
                    .filter(|l| {
                        l.store == key.0
                            && l.side == key.1
                            && l.events == key.2
                            && l.snapshots == snapshots
                    })
                    .map(f)
                    .collect::<Vec<_>>()
            };
            let both = |snapshots: bool| {
                let (median, _, _) = {
                    let mut values = pick(snapshots, |l| l.median_us);
                    if values.is_empty() {
                        return "–".to_owned();
                    }
                    spread(&mut values)
                };
                let (max, _, _) = spread(&mut pick(snapshots, |l| l.max_us));
                format!(
                    "{} [{max:.0}]",
                    if runs.len() > 1 {
                        cell(&mut pick(snapshots, |l| l.median_us), 0)
                    } else {
                        format!("{median:.0}")
                    }
                )
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                key.0,
                key.1,
                key.2,
                both(false),
                both(true)
            );
        }
    }
    // Flatness: the snapshot load at the longest stream over the one at the shortest.
    let mut stores: Vec<(String, String)> = Vec::new();
    for (store, side, _) in &seen {
        if !stores.contains(&(store.clone(), side.clone())) {
            stores.push((store.clone(), side.clone()));
        }
    }
    let _ = writeln!(out);
    for (store, side) in stores {
        let mut ratios = Vec::new();
        let mut growth = Vec::new();
        for run in runs {
            let loads: Vec<&LoadTime> = run
                .loads
                .iter()
                .filter(|l| l.store == store && l.side == side)
                .collect();
            let at = |events: u64, snapshots: bool| {
                loads
                    .iter()
                    .find(|l| l.events == events && l.snapshots == snapshots)
                    .map(|l| l.median_us)
            };
            let shortest = loads.iter().map(|l| l.events).min();
            let longest = loads.iter().map(|l| l.events).max();
            if let (Some(shortest), Some(longest)) = (shortest, longest) {
                if let (Some(a), Some(b)) = (at(shortest, true), at(longest, true)) {
                    ratios.push(b / a);
                }
                if let (Some(a), Some(b)) = (at(shortest, false), at(longest, false)) {
                    growth.push(b / a);
                }
            }
        }
        if ratios.is_empty() {
            continue;
        }
        let (median, _, _) = spread(&mut ratios.clone());
        let _ = writeln!(
            out,
            "- {side} on {store}: longest / shortest stream, with snapshots **{}×** ({}), without {}×",
            cell(&mut ratios, 2),
            if median <= 1.5 {
                "flat: target met"
            } else {
                "**not flat: target missed**"
            },
            cell(&mut growth, 1)
        );
    }
    let _ = writeln!(out);
}

fn checks_list(out: &mut String, runs: &[Run]) {
    let total: usize = runs.iter().map(|run| run.checks.len()).sum();
    let failed: Vec<&Check> = runs
        .iter()
        .flat_map(|run| &run.checks)
        .filter(|check| !check.passed())
        .collect();
    let _ = writeln!(
        out,
        "### Correctness\n\n{} of {total} checks passed (every account's stream against the model: \
         outcome of every command, events, versions 1..n, loaded state; the sides' final states against each other).",
        total - failed.len()
    );
    // One line per scenario, mode and side, however many runs it failed in.
    let mut reported: Vec<(&str, &str, &str)> = Vec::new();
    for check in &failed {
        let key = (
            check.scenario.as_str(),
            check.mode.as_str(),
            check.side.as_str(),
        );
        if reported.contains(&key) {
            continue;
        }
        reported.push(key);
        let runs_failed = failed
            .iter()
            .filter(|other| {
                (
                    other.scenario.as_str(),
                    other.mode.as_str(),
                    other.side.as_str(),
                ) == key
            })
            .count();
        let _ = writeln!(
            out,
            "- **{} {} {}** (failed in {runs_failed} of {} runs): {} problem(s), e.g. {}{}",
            check.scenario,
            check.mode,
            check.side,
            runs.len(),
            check.problem_count,
            check.problems.first().map_or("", String::as_str),
            check
                .known_defect
                .as_ref()
                .map_or_else(String::new, |defect| format!(" — {defect}"))
        );
    }
    let _ = writeln!(out);
}
