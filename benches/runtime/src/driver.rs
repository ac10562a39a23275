//! Drives any implementation through the workload and checks what it stored.
//!
//! Every side implements [`Bank`]; the driver, the timing, the retry loop and the checks are
//! the same code for all of them, so a difference in the numbers is a difference between the
//! implementations.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::workload::{AccountPlan, Cmd, Contended, Event, Outcome, State, Workload};

/// How many times one command is retried after conflicts before the run is declared broken.
const MAX_ATTEMPTS: u32 = 10_000;

/// The account a command addresses, in the forms the sides need: Seedwork takes a typed
/// id, cqrs-es a string.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// The id.
    pub id: uuid::Uuid,
    /// The id as text.
    pub key: &'a str,
}

impl<'a> From<&'a AccountPlan> for Target<'a> {
    fn from(plan: &'a AccountPlan) -> Self {
        Self {
            id: plan.id,
            key: &plan.key,
        }
    }
}

impl<'a> From<&'a Contended> for Target<'a> {
    fn from(contended: &'a Contended) -> Self {
        Self {
            id: contended.id,
            key: &contended.key,
        }
    }
}

/// What one attempt at a command did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// It finished: accepted or refused by a rule.
    Done(Outcome),
    /// Another writer got there first; nothing was stored, try again.
    Conflict,
}

/// One implementation of the bank, as the driver uses it.
pub trait Bank: Send + Sync + 'static {
    /// Runs one command once, the way a user of that framework would.
    fn execute(
        &self,
        target: Target<'_>,
        cmd: Cmd,
    ) -> impl Future<Output = Result<Attempt, String>> + Send;

    /// The stream as stored: each event's version (sequence) and payload, in order.
    fn stream(
        &self,
        target: Target<'_>,
    ) -> impl Future<Output = Result<Vec<(u64, Event)>, String>> + Send;

    /// The account as the framework loads it (`None` when it does not exist), and its version.
    fn state(
        &self,
        target: Target<'_>,
    ) -> impl Future<Output = Result<Option<(State, u64)>, String>> + Send;
}

/// The measurements of one timed run.
#[derive(Debug, Clone, Default)]
pub struct Timing {
    /// Commands completed (each counted once, however many attempts it took).
    pub commands: u64,
    /// Attempts that hit a conflict and were retried.
    pub retries: u64,
    /// Commands whose outcome differed from the model's (owned runs only).
    pub mismatches: u64,
    /// Wall time of the whole run.
    pub elapsed: Duration,
    /// Each command's latency, retries included, in nanoseconds.
    pub latencies: Vec<u64>,
}

impl Timing {
    /// Commands per second over the whole run.
    pub fn per_second(&self) -> f64 {
        self.commands as f64 / self.elapsed.as_secs_f64()
    }

    /// The `q`-quantile latency in microseconds (nearest rank).
    pub fn quantile_us(&mut self, q: f64) -> f64 {
        if self.latencies.is_empty() {
            return 0.0;
        }
        self.latencies.sort_unstable();
        let rank =
            ((q * self.latencies.len() as f64).ceil() as usize).clamp(1, self.latencies.len());
        self.latencies[rank - 1] as f64 / 1_000.0
    }

    fn merge(&mut self, other: Timing) {
        self.commands += other.commands;
        self.retries += other.retries;
        self.mismatches += other.mismatches;
        self.latencies.extend(other.latencies);
    }
}

/// Runs `cmd` until it is not a conflict; returns its outcome and the retries it took.
async fn until_done<B: Bank>(
    bank: &B,
    target: Target<'_>,
    cmd: Cmd,
) -> Result<(Outcome, u64), String> {
    for attempt in 0..MAX_ATTEMPTS {
        match bank.execute(target, cmd).await? {
            Attempt::Done(outcome) => return Ok((outcome, u64::from(attempt))),
            // Let the writer that won finish before trying again; the same on every side.
            Attempt::Conflict => tokio::task::yield_now().await,
        }
    }
    Err(format!(
        "{}: {cmd:?} still conflicts after {MAX_ATTEMPTS} attempts",
        target.key
    ))
}

/// Task `task` of `tasks` runs the accounts it owns (every `tasks`-th), one command per account
/// in turn, so that all its streams grow together.
async fn owned_task<B: Bank>(
    bank: Arc<B>,
    workload: Arc<Workload>,
    task: usize,
    tasks: usize,
) -> Result<Timing, String> {
    let mine: Vec<&AccountPlan> = workload.accounts.iter().skip(task).step_by(tasks).collect();
    let steps = mine
        .iter()
        .map(|plan| plan.commands.len())
        .max()
        .unwrap_or(0);
    let mut timing = Timing {
        latencies: Vec::with_capacity(mine.iter().map(|plan| plan.commands.len()).sum()),
        ..Timing::default()
    };
    for step in 0..steps {
        for plan in &mine {
            let Some(&cmd) = plan.commands.get(step) else {
                continue;
            };
            let started = Instant::now();
            let (outcome, retries) = until_done(&*bank, Target::from(*plan), cmd).await?;
            timing.latencies.push(started.elapsed().as_nanos() as u64);
            timing.commands += 1;
            timing.retries += retries;
            if outcome != plan.expected[step] {
                timing.mismatches += 1;
            }
        }
    }
    Ok(timing)
}

/// Runs the whole workload with `tasks` tasks, each owning distinct accounts.
pub async fn run_owned<B: Bank>(
    bank: Arc<B>,
    workload: Arc<Workload>,
    tasks: usize,
) -> Result<Timing, String> {
    let started = Instant::now();
    let handles: Vec<_> = (0..tasks)
        .map(|task| tokio::spawn(owned_task(bank.clone(), workload.clone(), task, tasks)))
        .collect();
    let mut total = Timing::default();
    for handle in handles {
        let timing = handle
            .await
            .map_err(|error| format!("a workload task panicked: {error}"))??;
        total.merge(timing);
    }
    total.elapsed = started.elapsed();
    Ok(total)
}

/// Opens the contended account, then lets every task deposit into it at once, retrying on
/// conflict. The opening command is not timed.
pub async fn run_contended<B: Bank>(
    bank: Arc<B>,
    contended: Arc<Contended>,
) -> Result<Timing, String> {
    let open = Cmd::Open {
        initial_balance: contended.initial_balance,
    };
    let (outcome, _) = until_done(&*bank, Target::from(&*contended), open).await?;
    if outcome != Outcome::Accepted {
        return Err(format!(
            "{}: the contended account did not open",
            contended.key
        ));
    }
    let started = Instant::now();
    let handles: Vec<_> = (0..contended.deposits.len())
        .map(|task| {
            let bank = bank.clone();
            let contended = contended.clone();
            tokio::spawn(async move {
                let deposits = &contended.deposits[task];
                let mut timing = Timing {
                    latencies: Vec::with_capacity(deposits.len()),
                    ..Timing::default()
                };
                for &amount in deposits {
                    let started = Instant::now();
                    let (outcome, retries) =
                        until_done(&*bank, Target::from(&*contended), Cmd::Deposit { amount })
                            .await?;
                    timing.latencies.push(started.elapsed().as_nanos() as u64);
                    timing.commands += 1;
                    timing.retries += retries;
                    if outcome != Outcome::Accepted {
                        timing.mismatches += 1;
                    }
                }
                Ok::<_, String>(timing)
            })
        })
        .collect();
    let mut total = Timing::default();
    for handle in handles {
        let timing = handle
            .await
            .map_err(|error| format!("a contending task panicked: {error}"))??;
        total.merge(timing);
    }
    total.elapsed = started.elapsed();
    Ok(total)
}

/// Checks one stream against what the model expects: exactly the expected events, numbered
/// 1..n without gap or duplicate, and the loaded state equal to the model's final state.
async fn check_stream<B: Bank>(
    bank: &B,
    target: Target<'_>,
    expected_state: State,
    expected_events: Option<&[Event]>,
    expected_count: usize,
) -> Result<Vec<String>, String> {
    let mut problems = Vec::new();
    let stream = bank.stream(target).await?;
    if stream.len() != expected_count {
        problems.push(format!(
            "{}: {} events stored, the model expects {expected_count}",
            target.key,
            stream.len()
        ));
    }
    if let Some((position, (version, _))) = stream
        .iter()
        .enumerate()
        .find(|(position, (version, _))| *version != *position as u64 + 1)
    {
        problems.push(format!(
            "{}: event {} has version {version} (versions must be 1..n)",
            target.key,
            position + 1
        ));
    }
    if let Some(expected_events) = expected_events {
        let stored: Vec<Event> = stream.iter().map(|(_, event)| *event).collect();
        if stored != expected_events {
            problems.push(format!(
                "{}: the stored events differ from the model's",
                target.key
            ));
        }
    }
    let replayed = State::replay(stream.iter().map(|(_, event)| *event));
    if replayed != expected_state {
        problems.push(format!(
            "{}: replaying the stored events gives {replayed:?}, the model {expected_state:?}",
            target.key
        ));
    }
    match bank.state(target).await? {
        Some((state, version)) => {
            if state != expected_state {
                problems.push(format!(
                    "{}: loaded {state:?}, the model expects {expected_state:?}",
                    target.key
                ));
            }
            if version != expected_count as u64 {
                problems.push(format!(
                    "{}: loaded at version {version}, the model expects {expected_count}",
                    target.key
                ));
            }
        }
        None => problems.push(format!("{}: the account cannot be loaded", target.key)),
    }
    Ok(problems)
}

/// Every account of an owned run against the model. Returns the problems found (empty: all
/// good) and the final states, for comparing the sides with each other.
pub async fn check_owned<B: Bank>(
    bank: &B,
    workload: &Workload,
    timing: &Timing,
) -> Result<(Vec<String>, Vec<State>), String> {
    let mut problems = Vec::new();
    if timing.mismatches > 0 {
        problems.push(format!(
            "{} commands had another outcome than the model's",
            timing.mismatches
        ));
    }
    if timing.commands != workload.commands() as u64 {
        problems.push(format!(
            "{} commands ran, the workload has {}",
            timing.commands,
            workload.commands()
        ));
    }
    let mut states = Vec::with_capacity(workload.accounts.len());
    for plan in &workload.accounts {
        let found = check_stream(
            bank,
            Target::from(plan),
            plan.final_state,
            Some(&plan.events),
            plan.events.len(),
        )
        .await?;
        problems.extend(found);
        states.push(
            bank.state(Target::from(plan))
                .await?
                .map_or_else(State::default, |(state, _)| state),
        );
    }
    Ok((problems, states))
}

/// The contended account against the model.
pub async fn check_contended<B: Bank>(
    bank: &B,
    contended: &Contended,
    timing: &Timing,
) -> Result<(Vec<String>, State), String> {
    let mut problems = Vec::new();
    if timing.mismatches > 0 {
        problems.push(format!("{} deposits were refused", timing.mismatches));
    }
    problems.extend(
        check_stream(
            bank,
            Target::from(contended),
            contended.final_state(),
            None,
            contended.events(),
        )
        .await?,
    );
    let state = bank
        .state(Target::from(contended))
        .await?
        .map_or_else(State::default, |(state, _)| state);
    Ok((problems, state))
}

/// Statements and round trips of a sequential run, per outcome, as the proxy counted them.
#[derive(Debug, Clone, Copy, Default)]
pub struct TripCounts {
    /// Accepted commands.
    pub accepted: u64,
    /// Their wire counts, summed.
    pub accepted_wire: crate::pgwire::Snapshot,
    /// Refused commands.
    pub refused: u64,
    /// Their wire counts, summed.
    pub refused_wire: crate::pgwire::Snapshot,
}

/// Runs `workload` on one task, reading the proxy's counters around every command so each
/// command's statements and round trips are attributed to it (nothing else talks to the
/// server through the proxy meanwhile).
///
/// sqlx pings a connection when it goes back to the pool, in a task of its own, after the
/// command has returned; so before each reading the driver waits until every connection of
/// `pool` is idle again, and each command is charged its own pings.
pub async fn count_trips<B: Bank>(
    bank: &B,
    workload: &Workload,
    counters: &crate::pgwire::Counters,
    pool: &sqlx::PgPool,
) -> Result<TripCounts, String> {
    let settle = || async {
        let started = Instant::now();
        while pool.num_idle() < pool.size() as usize {
            if started.elapsed() > Duration::from_secs(10) {
                return Err("the pool's connections do not come back".to_owned());
            }
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
        Ok(())
    };
    let mut counts = TripCounts::default();
    let add = |sum: &mut crate::pgwire::Snapshot, delta: crate::pgwire::Snapshot| {
        sum.statements += delta.statements;
        sum.parses += delta.parses;
        sum.round_trips += delta.round_trips;
        sum.pings += delta.pings;
    };
    let steps = workload
        .accounts
        .iter()
        .map(|plan| plan.commands.len())
        .max()
        .unwrap_or(0);
    for step in 0..steps {
        for plan in &workload.accounts {
            let Some(&cmd) = plan.commands.get(step) else {
                continue;
            };
            settle().await?;
            let before = counters.snapshot();
            let (outcome, retries) = until_done(bank, Target::from(plan), cmd).await?;
            settle().await?;
            let delta = counters.snapshot() - before;
            if retries > 0 || outcome != plan.expected[step] {
                return Err(format!(
                    "{}: the counting run went wrong at {cmd:?}",
                    plan.key
                ));
            }
            match outcome {
                Outcome::Accepted => {
                    counts.accepted += 1;
                    add(&mut counts.accepted_wire, delta);
                }
                Outcome::Refused => {
                    counts.refused += 1;
                    add(&mut counts.refused_wire, delta);
                }
            }
        }
    }
    Ok(counts)
}
