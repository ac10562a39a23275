//! The bank account on Seedwork, written the way `runtime/examples/bank_macros.rs` writes it:
//! the macros for the id, the events, the commands and the aggregate; the rules by hand.
//!
//! Two ways in, both measured: [`Repository::execute`] on an [`EventSourced`] repository (the
//! direct path, the counterpart of cqrs-es's `CqrsFramework::execute`), and the [`Mediator`]
//! with the pipeline of `bank_macros.rs` (what a generated service does per request).

use std::sync::Arc;

use seedwork::behaviors::{Authorization, Idempotency, Tracing, Validation};
use seedwork::{
    aggregate, aggregate_id, command, decode_event, event, stream_of, Error, ErrorKind,
    EventSourced, EventStore, InMemoryIdempotencyStore, Mediator, Metadata, Repository,
};
use uuid::Uuid;

use crate::driver::{Attempt, Bank, Target};
use crate::workload::{self, Cents, Cmd, Outcome};

/// The typed id of an account.
#[aggregate_id]
pub struct AccountId(Uuid);

/// The account: its balance and whether it is closed. That it exists is the runtime's
/// business (the `creates` intent of [`OpenAccount`]).
#[aggregate(id = AccountId, event = AccountEvent, error = AccountError, storage = event_sourced)]
#[derive(Debug, Default)]
pub struct Account {
    balance: Cents,
    closed: bool,
}

/// What happened to an account; the same names and shapes as the cqrs-es side.
#[event]
pub enum AccountEvent {
    /// The account was opened.
    #[event(name = "AccountOpened")]
    AccountOpened { initial_balance: Cents },
    /// Money came in.
    #[event(name = "MoneyDeposited")]
    MoneyDeposited { amount: Cents },
    /// Money went out.
    #[event(name = "MoneyWithdrawn")]
    MoneyWithdrawn { amount: Cents },
    /// The account was closed.
    #[event(name = "AccountClosed")]
    AccountClosed,
}

/// Why the account refuses a command: the model's refusals.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct AccountError(#[from] workload::Refusal);

impl From<AccountError> for Error {
    fn from(error: AccountError) -> Self {
        Error::domain(error.to_string())
    }
}

impl Account {
    /// The rules, shared with the model, on this aggregate's state.
    fn decide(&self, cmd: Cmd) -> Result<AccountEvent, AccountError> {
        let state = workload::State {
            opened: true,
            balance: self.balance,
            closed: self.closed,
        };
        let decided = match cmd {
            // Existence is checked by the runtime before the handler runs.
            Cmd::Open { initial_balance } => {
                workload::State::default().decide(Cmd::Open { initial_balance })?
            }
            other => state.decide(other)?,
        };
        Ok(AccountEvent::from(decided))
    }
}

#[aggregate]
impl Account {
    #[handle]
    fn open(&self, command: OpenAccount) -> Result<AccountEvent, AccountError> {
        self.decide(Cmd::Open {
            initial_balance: command.initial_balance,
        })
    }

    #[handle]
    fn deposit(&self, command: DepositMoney) -> Result<AccountEvent, AccountError> {
        self.decide(Cmd::Deposit {
            amount: command.amount,
        })
    }

    #[handle]
    fn withdraw(&self, command: WithdrawMoney) -> Result<AccountEvent, AccountError> {
        self.decide(Cmd::Withdraw {
            amount: command.amount,
        })
    }

    #[handle]
    fn close(&self, _: CloseAccount) -> Result<AccountEvent, AccountError> {
        self.decide(Cmd::Close)
    }

    #[apply(AccountOpened)]
    fn opened(&mut self, initial_balance: Cents) {
        self.balance = initial_balance;
    }

    #[apply(MoneyDeposited)]
    fn deposited(&mut self, amount: Cents) {
        self.balance += amount;
    }

    #[apply(MoneyWithdrawn)]
    fn withdrawn(&mut self, amount: Cents) {
        self.balance -= amount;
    }

    #[apply(AccountClosed)]
    fn was_closed(&mut self) {
        self.closed = true;
    }
}

/// Opens an account.
#[command(aggregate = Account, creates)]
pub struct OpenAccount {
    #[id]
    account_id: AccountId,
    initial_balance: Cents,
}

/// Puts money in.
#[command(aggregate = Account)]
pub struct DepositMoney {
    #[id]
    account_id: AccountId,
    amount: Cents,
}

/// Takes money out.
#[command(aggregate = Account)]
pub struct WithdrawMoney {
    #[id]
    account_id: AccountId,
    amount: Cents,
}

/// Closes an account whose balance is zero.
#[command(aggregate = Account)]
pub struct CloseAccount {
    #[id]
    account_id: AccountId,
}

impl From<workload::Event> for AccountEvent {
    fn from(event: workload::Event) -> Self {
        match event {
            workload::Event::AccountOpened { initial_balance } => {
                Self::AccountOpened { initial_balance }
            }
            workload::Event::MoneyDeposited { amount } => Self::MoneyDeposited { amount },
            workload::Event::MoneyWithdrawn { amount } => Self::MoneyWithdrawn { amount },
            workload::Event::AccountClosed => Self::AccountClosed,
        }
    }
}

impl From<AccountEvent> for workload::Event {
    fn from(event: AccountEvent) -> Self {
        match event {
            AccountEvent::AccountOpened { initial_balance } => {
                Self::AccountOpened { initial_balance }
            }
            AccountEvent::MoneyDeposited { amount } => Self::MoneyDeposited { amount },
            AccountEvent::MoneyWithdrawn { amount } => Self::MoneyWithdrawn { amount },
            AccountEvent::AccountClosed => Self::AccountClosed,
        }
    }
}

/// How a Seedwork error ends an attempt: a conflict is retried, a rule's refusal is an
/// outcome, anything else breaks the run.
fn attempt(result: seedwork::Result<()>) -> Result<Attempt, String> {
    match result {
        Ok(()) => Ok(Attempt::Done(Outcome::Accepted)),
        Err(error) if error.is_conflict() => Ok(Attempt::Conflict),
        Err(error) if matches!(error.kind(), ErrorKind::Domain | ErrorKind::NotFound) => {
            Ok(Attempt::Done(Outcome::Refused))
        }
        Err(error) => Err(format!("seedwork: {error}")),
    }
}

/// The checks' view of a Seedwork repository, whichever way commands came in.
async fn stream(
    store: &Arc<dyn EventStore>,
    target: Target<'_>,
) -> Result<Vec<(u64, workload::Event)>, String> {
    let stored = store
        .load(&stream_of::<Account>(&AccountId::from(target.id)), 0)
        .await
        .map_err(|error| format!("seedwork: loading the stream: {error}"))?;
    stored
        .iter()
        .map(|stored| {
            let event: AccountEvent = decode_event(stored).map_err(|error| error.to_string())?;
            Ok((stored.version, event.into()))
        })
        .collect()
}

async fn state(
    repository: &EventSourced<Account>,
    target: Target<'_>,
) -> Result<Option<(workload::State, u64)>, String> {
    let loaded = repository
        .load(&AccountId::from(target.id))
        .await
        .map_err(|error| format!("seedwork: loading the account: {error}"))?;
    Ok(loaded.map(|loaded| {
        (
            workload::State {
                opened: true,
                balance: loaded.state.balance,
                closed: loaded.state.closed,
            },
            loaded.version,
        )
    }))
}

/// Commands through [`Repository::execute`], one fresh [`Metadata`] per command as a request
/// would bring.
pub struct SeedworkRepository {
    repository: EventSourced<Account>,
}

impl SeedworkRepository {
    /// The repository `EventSourced::<Account>::new(store, ())`, optionally snapshotting.
    pub fn new(store: Arc<dyn EventStore>, snapshot_every: Option<u64>) -> Self {
        let repository = EventSourced::<Account>::new(store, ());
        let repository = match snapshot_every.and_then(std::num::NonZeroU64::new) {
            Some(every) => repository.with_snapshots(every),
            None => repository,
        };
        Self { repository }
    }

    /// Loads the account; for the load-time scenario.
    pub async fn load(&self, id: Uuid) -> Result<Option<(workload::State, u64)>, String> {
        state(
            &self.repository,
            Target {
                id,
                key: "loaded account",
            },
        )
        .await
    }
}

/// The Seedwork command for a workload command.
fn command(id: AccountId, cmd: Cmd) -> AccountCommand {
    match cmd {
        Cmd::Open { initial_balance } => OpenAccount {
            account_id: id,
            initial_balance,
        }
        .into(),
        Cmd::Deposit { amount } => DepositMoney {
            account_id: id,
            amount,
        }
        .into(),
        Cmd::Withdraw { amount } => WithdrawMoney {
            account_id: id,
            amount,
        }
        .into(),
        Cmd::Close => CloseAccount { account_id: id }.into(),
    }
}

/// One command through `repository`, with a fresh [`Metadata`] as a request would bring.
async fn execute_on(
    repository: &impl Repository<Account>,
    target: Target<'_>,
    cmd: Cmd,
) -> Result<Attempt, String> {
    let id = AccountId::from(target.id);
    let metadata = Metadata::new();
    attempt(
        repository
            .execute(id, command(id, cmd), &metadata)
            .await
            .map(drop),
    )
}

impl Bank for SeedworkRepository {
    async fn execute(&self, target: Target<'_>, cmd: Cmd) -> Result<Attempt, String> {
        execute_on(&self.repository, target, cmd).await
    }

    async fn stream(&self, target: Target<'_>) -> Result<Vec<(u64, workload::Event)>, String> {
        stream(self.repository.store(), target).await
    }

    async fn state(&self, target: Target<'_>) -> Result<Option<(workload::State, u64)>, String> {
        state(&self.repository, target).await
    }
}

/// Commands through a [`Mediator`] with the pipeline of `bank_macros.rs` (tracing,
/// authorization, validation, idempotency) except its retry layer: the driver retries
/// conflicts itself, the same way for every side.
pub struct SeedworkMediator {
    mediator: Mediator,
    repository: EventSourced<Account>,
}

impl SeedworkMediator {
    /// A mediator over `EventSourced::<Account>::new(store, ())`.
    pub fn new(store: Arc<dyn EventStore>) -> Self {
        let repository = EventSourced::<Account>::new(store, ());
        let mediator = Mediator::builder()
            .aggregate::<Account>(Arc::new(repository.clone()))
            .layer(Tracing)
            .layer(Authorization)
            .layer(Validation)
            .layer(Idempotency::new(Arc::new(
                InMemoryIdempotencyStore::default(),
            )))
            .build()
            .expect("the bank's mediator is wired correctly");
        Self {
            mediator,
            repository,
        }
    }
}

impl Bank for SeedworkMediator {
    async fn execute(&self, target: Target<'_>, cmd: Cmd) -> Result<Attempt, String> {
        let account_id = AccountId::from(target.id);
        let metadata = Metadata::new();
        let m = &self.mediator;
        let result = match cmd {
            Cmd::Open { initial_balance } => m
                .send(
                    OpenAccount {
                        account_id,
                        initial_balance,
                    },
                    &metadata,
                )
                .await
                .map(drop),
            Cmd::Deposit { amount } => m
                .send(DepositMoney { account_id, amount }, &metadata)
                .await
                .map(drop),
            Cmd::Withdraw { amount } => m
                .send(WithdrawMoney { account_id, amount }, &metadata)
                .await
                .map(drop),
            Cmd::Close => m
                .send(CloseAccount { account_id }, &metadata)
                .await
                .map(drop),
        };
        attempt(result)
    }

    async fn stream(&self, target: Target<'_>) -> Result<Vec<(u64, workload::Event)>, String> {
        stream(self.repository.store(), target).await
    }

    async fn state(&self, target: Target<'_>) -> Result<Option<(workload::State, u64)>, String> {
        state(&self.repository, target).await
    }
}

/// The what-if of [`crate::prototype`]: commands through a repository that caches rebuilt
/// states; the checks read through a plain `EventSourced` on the same store.
pub struct SeedworkCached {
    repository: crate::prototype::CachedEventSourced<Account>,
    checks: EventSourced<Account>,
}

impl SeedworkCached {
    /// Both repositories over `store`.
    pub fn new(store: Arc<dyn EventStore>) -> Self {
        Self {
            repository: crate::prototype::CachedEventSourced::new(store.clone(), ()),
            checks: EventSourced::<Account>::new(store, ()),
        }
    }
}

impl Bank for SeedworkCached {
    async fn execute(&self, target: Target<'_>, cmd: Cmd) -> Result<Attempt, String> {
        execute_on(&self.repository, target, cmd).await
    }

    async fn stream(&self, target: Target<'_>) -> Result<Vec<(u64, workload::Event)>, String> {
        stream(self.checks.store(), target).await
    }

    async fn state(&self, target: Target<'_>) -> Result<Option<(workload::State, u64)>, String> {
        state(&self.checks, target).await
    }
}
