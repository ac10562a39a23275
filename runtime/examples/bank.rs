//! The bank account of the event-driven architecture document (seed 001), written by hand
//! against the Seedwork runtime: an event-sourced `Account` (open with an initial balance,
//! deposit, withdraw, close), its commands sent through the mediator's pipeline, a balance
//! read model kept up to date by an event handler, and a balance query.
//!
//! Business rules, as the document states them:
//! - deposits and withdrawals must be positive (a validation error, 422, naming the field);
//! - nothing moves on a closed account (a domain rule, 422);
//! - a withdrawal larger than the balance is refused: "Insufficient funds";
//! - an account closes only at zero balance, and only once.
//!
//! Run it with `cargo run -p seedwork --example bank --features sqlite`; it stores the events
//! in a SQLite file (`BANK_DB`, default `bank.db` in the system temp directory) and prints
//! every step with the HTTP status its outcome maps to.
// Without the `sqlite` feature only the tests use the domain.
#![cfg_attr(not(feature = "sqlite"), allow(dead_code))]

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use seedwork::behaviors::{Authorization, Idempotency, RetryOnConflict, Tracing, Validation};
use seedwork::{
    async_trait, Aggregate, AggregateCommand, Command, CommandContext, CommandIntent,
    CommandOutcome, DomainEvent, Error, EventEnvelope, EventHandler, EventSourced, EventStore,
    FieldError, IdempotencyStore, Mediator, Metadata, Query, QueryHandler, Repository, Result,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

// ==================== DOMAIN ====================

/// Amounts are integer cents: money is never a float.
type Cents = i64;

/// The typed id of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
struct AccountId(pub Uuid);

impl std::fmt::Display for AccountId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// The account aggregate: its balance and whether it is closed.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Account {
    balance: Cents,
    is_closed: bool,
}

/// What happened to an account; the stable names are the document's event types.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum AccountEvent {
    /// The account was opened.
    AccountCreated { initial_balance: Cents },
    /// Money came in.
    MoneyDeposited { amount: Cents, new_balance: Cents },
    /// Money went out.
    MoneyWithdrawn { amount: Cents, new_balance: Cents },
    /// The account was closed.
    AccountClosed,
}

impl DomainEvent for AccountEvent {
    fn event_type(&self) -> &'static str {
        match self {
            Self::AccountCreated { .. } => "account_created",
            Self::MoneyDeposited { .. } => "money_deposited",
            Self::MoneyWithdrawn { .. } => "money_withdrawn",
            Self::AccountClosed => "account_closed",
        }
    }
}

/// Why the account refuses a command.
#[derive(Debug, thiserror::Error)]
enum AccountError {
    #[error("Cannot deposit to closed account")]
    DepositToClosed,
    #[error("Cannot withdraw from closed account")]
    WithdrawFromClosed,
    #[error("Insufficient funds: balance {balance}, requested {requested}")]
    InsufficientFunds { balance: Cents, requested: Cents },
    #[error("Account already closed")]
    AlreadyClosed,
    #[error("Cannot close account with positive balance ({0})")]
    PositiveBalance(Cents),
}

impl From<AccountError> for Error {
    fn from(error: AccountError) -> Self {
        Error::domain(error.to_string())
    }
}

/// Every command the account handles.
#[derive(Debug, Clone)]
enum AccountCommand {
    Create(CreateAccount),
    Deposit(DepositMoney),
    Withdraw(WithdrawMoney),
    // Closing needs nothing but the account id, which the handler gets from its context.
    Close(#[allow(dead_code)] CloseAccount),
}

impl Aggregate for Account {
    const TYPE: &'static str = "Account";
    type Id = AccountId;
    type Command = AccountCommand;
    type Event = AccountEvent;
    type Error = AccountError;
    type Services = ();

    async fn handle(
        &self,
        command: AccountCommand,
        _: &CommandContext<'_, Self>,
    ) -> Result<Vec<AccountEvent>, AccountError> {
        match command {
            AccountCommand::Create(c) => Ok(vec![AccountEvent::AccountCreated {
                initial_balance: c.initial_balance,
            }]),
            AccountCommand::Deposit(c) => {
                if self.is_closed {
                    return Err(AccountError::DepositToClosed);
                }
                Ok(vec![AccountEvent::MoneyDeposited {
                    amount: c.amount,
                    new_balance: self.balance + c.amount,
                }])
            }
            AccountCommand::Withdraw(c) => {
                if self.is_closed {
                    return Err(AccountError::WithdrawFromClosed);
                }
                if self.balance < c.amount {
                    return Err(AccountError::InsufficientFunds {
                        balance: self.balance,
                        requested: c.amount,
                    });
                }
                Ok(vec![AccountEvent::MoneyWithdrawn {
                    amount: c.amount,
                    new_balance: self.balance - c.amount,
                }])
            }
            AccountCommand::Close(_) => {
                if self.is_closed {
                    return Err(AccountError::AlreadyClosed);
                }
                if self.balance > 0 {
                    return Err(AccountError::PositiveBalance(self.balance));
                }
                Ok(vec![AccountEvent::AccountClosed])
            }
        }
    }

    fn apply(&mut self, event: &AccountEvent) {
        match event {
            AccountEvent::AccountCreated { initial_balance } => self.balance = *initial_balance,
            AccountEvent::MoneyDeposited { new_balance, .. }
            | AccountEvent::MoneyWithdrawn { new_balance, .. } => self.balance = *new_balance,
            AccountEvent::AccountClosed => self.is_closed = true,
        }
    }

    fn intent(command: &AccountCommand) -> CommandIntent {
        match command {
            AccountCommand::Create(_) => CommandIntent::Create,
            _ => CommandIntent::Update,
        }
    }
}

// ==================== COMMANDS ====================

/// Opens an account with an initial balance.
#[derive(Debug, Clone)]
struct CreateAccount {
    account_id: AccountId,
    initial_balance: Cents,
}

/// Puts money in.
#[derive(Debug, Clone)]
struct DepositMoney {
    account_id: AccountId,
    amount: Cents,
}

/// Takes money out.
#[derive(Debug, Clone)]
struct WithdrawMoney {
    account_id: AccountId,
    amount: Cents,
}

/// Closes an account whose balance is zero.
#[derive(Debug, Clone)]
struct CloseAccount {
    account_id: AccountId,
}

fn positive(field: &str, amount: Cents) -> Result<(), Vec<FieldError>> {
    if amount > 0 {
        Ok(())
    } else {
        Err(vec![FieldError::new(
            field,
            format!("must be positive, got {amount}"),
        )])
    }
}

/// Implements the command traits for one command struct; the macros will generate this.
macro_rules! account_command {
    ($command:ident, $name:literal, $variant:ident, |$c:ident| $validate:expr) => {
        impl Command for $command {
            const NAME: &'static str = $name;
            type Output = CommandOutcome<Account>;
            fn validate(&self) -> Result<(), Vec<FieldError>> {
                let $c = self;
                $validate
            }
        }
        impl AggregateCommand for $command {
            type Aggregate = Account;
            fn aggregate_id(&self) -> AccountId {
                self.account_id
            }
            fn into_command(self) -> AccountCommand {
                AccountCommand::$variant(self)
            }
        }
    };
}

account_command!(CreateAccount, "CreateAccount", Create, |c| {
    if c.initial_balance < 0 {
        return Err(vec![FieldError::new(
            "initial_balance",
            "must not be negative",
        )]);
    }
    Ok(())
});
account_command!(DepositMoney, "DepositMoney", Deposit, |c| positive(
    "amount", c.amount
));
account_command!(WithdrawMoney, "WithdrawMoney", Withdraw, |c| positive(
    "amount", c.amount
));
account_command!(CloseAccount, "CloseAccount", Close, |_c| Ok(()));

// ==================== READ SIDE ====================

/// The balance read model of the document: one row per account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct AccountReadModel {
    account_id: AccountId,
    balance: Cents,
    is_closed: bool,
    last_updated: SystemTime,
}

/// Where the read models live; a table in a real service.
#[derive(Debug, Default)]
struct ReadModels {
    rows: RwLock<HashMap<AccountId, AccountReadModel>>,
}

/// Keeps [`AccountReadModel`] up to date from committed events.
struct AccountReadModelUpdater(Arc<ReadModels>);

#[async_trait]
impl EventHandler<AccountEvent> for AccountReadModelUpdater {
    async fn handle(&self, event: &EventEnvelope<AccountEvent>) -> Result<()> {
        let id = AccountId(event.aggregate_id.parse().map_err(Error::infrastructure)?);
        let mut rows = self
            .0
            .rows
            .write()
            .map_err(|_| Error::infrastructure("read model lock poisoned"))?;
        match &event.payload {
            AccountEvent::AccountCreated { initial_balance } => {
                rows.insert(
                    id,
                    AccountReadModel {
                        account_id: id,
                        balance: *initial_balance,
                        is_closed: false,
                        last_updated: event.recorded_at,
                    },
                );
            }
            AccountEvent::MoneyDeposited { new_balance, .. }
            | AccountEvent::MoneyWithdrawn { new_balance, .. } => {
                if let Some(row) = rows.get_mut(&id) {
                    row.balance = *new_balance;
                    row.last_updated = event.recorded_at;
                }
            }
            AccountEvent::AccountClosed => {
                if let Some(row) = rows.get_mut(&id) {
                    row.is_closed = true;
                    row.last_updated = event.recorded_at;
                }
            }
        }
        Ok(())
    }
}

/// Asks for an account's balance.
struct GetAccountBalance {
    account_id: AccountId,
}

impl Query for GetAccountBalance {
    const NAME: &'static str = "GetAccountBalance";
    type Output = AccountReadModel;
}

/// Answers [`GetAccountBalance`] from the read model, never from the event store.
struct AccountQueryHandler(Arc<ReadModels>);

#[async_trait]
impl QueryHandler<GetAccountBalance> for AccountQueryHandler {
    async fn handle(&self, query: &GetAccountBalance, _: &Metadata) -> Result<AccountReadModel> {
        let rows = self
            .0
            .rows
            .read()
            .map_err(|_| Error::infrastructure("read model lock poisoned"))?;
        rows.get(&query.account_id)
            .cloned()
            .ok_or_else(|| Error::not_found("Account", query.account_id))
    }
}

// ==================== WIRING ====================

/// Wires the account, its read model and the standard pipeline into a mediator.
fn bank(events: Arc<dyn EventStore>, idempotency: Arc<dyn IdempotencyStore>) -> Result<Mediator> {
    let accounts: Arc<dyn Repository<Account>> = Arc::new(EventSourced::<Account>::new(events, ()));
    let read_models = Arc::new(ReadModels::default());
    Mediator::builder()
        .aggregate_command::<CreateAccount>(accounts.clone())
        .aggregate_command::<DepositMoney>(accounts.clone())
        .aggregate_command::<WithdrawMoney>(accounts.clone())
        .aggregate_command::<CloseAccount>(accounts)
        .event::<AccountEvent>(AccountReadModelUpdater(read_models.clone()))
        .query::<GetAccountBalance>(AccountQueryHandler(read_models))
        .layer(Tracing)
        .layer(Authorization)
        .layer(Validation)
        .layer(Idempotency::new(idempotency))
        .layer(RetryOnConflict::default())
        .build()
}

/// One step of the walk-through and how it ended.
#[derive(Debug)]
struct Step {
    what: &'static str,
    result: Result<String>,
}

impl Step {
    fn new(what: &'static str, result: Result<String>) -> Self {
        Self { what, result }
    }
}

/// Sends an account command and describes its outcome.
async fn send<C>(mediator: &Mediator, command: C) -> Result<String>
where
    C: Command<Output = CommandOutcome<Account>>,
{
    let outcome = mediator.send(command, &Metadata::new()).await?;
    let events: Vec<_> = outcome.payloads().collect();
    Ok(format!("version {}: {events:?}", outcome.version))
}

/// Asks for an account's balance and describes the answer.
async fn balance(mediator: &Mediator, account_id: AccountId) -> Result<String> {
    let row = mediator
        .query(GetAccountBalance { account_id }, &Metadata::new())
        .await?;
    Ok(format!("balance {} closed {}", row.balance, row.is_closed))
}

/// The document's walk-through: open, deposit, withdraw, the refused operations, close.
async fn walk_through(mediator: &Mediator) -> Vec<Step> {
    let id = AccountId(Uuid::new_v4());
    let create = |initial_balance| CreateAccount {
        account_id: id,
        initial_balance,
    };
    let deposit = |amount| DepositMoney {
        account_id: id,
        amount,
    };
    let withdraw = |amount| WithdrawMoney {
        account_id: id,
        amount,
    };
    let close = || CloseAccount { account_id: id };
    let m = mediator;
    vec![
        Step::new(
            "deposit to an account that does not exist",
            send(m, deposit(100)).await,
        ),
        Step::new("open with 100.00", send(m, create(10_000)).await),
        Step::new("open the same account again", send(m, create(0)).await),
        Step::new("deposit 50.00", send(m, deposit(5_000)).await),
        Step::new("deposit -5.00", send(m, deposit(-500)).await),
        Step::new("withdraw 30.00", send(m, withdraw(3_000)).await),
        Step::new("withdraw 1000.00", send(m, withdraw(100_000)).await),
        Step::new("close with money left", send(m, close()).await),
        Step::new("balance", balance(m, id).await),
        Step::new("withdraw the rest, 120.00", send(m, withdraw(12_000)).await),
        Step::new("close", send(m, close()).await),
        Step::new("close again", send(m, close()).await),
        Step::new("deposit to the closed account", send(m, deposit(100)).await),
        Step::new("balance", balance(m, id).await),
        Step::new(
            "balance of an unknown account",
            balance(m, AccountId(Uuid::new_v4())).await,
        ),
    ]
}

#[cfg(feature = "sqlite")]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    let path = std::env::var("BANK_DB")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::env::temp_dir().join("bank.db"));
    let url = format!("sqlite://{}", path.display());
    let store = match seedwork::SqliteStore::connect(&url).await {
        Ok(store) => Arc::new(store),
        Err(error) => {
            eprintln!("cannot open {url}: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let mediator = match bank(store.clone(), store) {
        Ok(mediator) => mediator,
        Err(error) => {
            eprintln!("{error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    println!(
        "Bank account walk-through, events stored in {}\n",
        path.display()
    );
    for step in walk_through(&mediator).await {
        match step.result {
            Ok(done) => println!("  ok   {:<42} {done}", step.what),
            Err(error) => println!("  {}  {:<42} {error}", error.status(), step.what),
        }
    }
    std::process::ExitCode::SUCCESS
}

#[cfg(not(feature = "sqlite"))]
fn main() {
    eprintln!("run with --features sqlite: the example stores its events in a SQLite file");
}

#[cfg(test)]
mod tests {
    use seedwork::{ErrorKind, InMemoryIdempotencyStore, InMemoryStore};

    use super::*;

    /// The outcome every step of the walk-through must have: `None` for success.
    const EXPECTED: &[(&str, Option<ErrorKind>)] = &[
        (
            "deposit to an account that does not exist",
            Some(ErrorKind::NotFound),
        ),
        ("open with 100.00", None),
        ("open the same account again", Some(ErrorKind::Conflict)),
        ("deposit 50.00", None),
        ("deposit -5.00", Some(ErrorKind::Validation)),
        ("withdraw 30.00", None),
        ("withdraw 1000.00", Some(ErrorKind::Domain)),
        ("close with money left", Some(ErrorKind::Domain)),
        ("balance", None),
        ("withdraw the rest, 120.00", None),
        ("close", None),
        ("close again", Some(ErrorKind::Domain)),
        ("deposit to the closed account", Some(ErrorKind::Domain)),
        ("balance", None),
        ("balance of an unknown account", Some(ErrorKind::NotFound)),
    ];

    fn check(steps: &[Step]) {
        assert_eq!(steps.len(), EXPECTED.len());
        for (step, (what, expected)) in steps.iter().zip(EXPECTED) {
            assert_eq!(step.what, *what);
            let kind = step.result.as_ref().err().map(Error::kind);
            assert_eq!(kind, *expected, "{what}: {:?}", step.result);
        }
        let text = |i: usize| match &steps[i].result {
            Ok(text) => text.clone(),
            Err(error) => error.to_string(),
        };
        assert!(text(6).contains("Insufficient funds"), "{}", text(6));
        assert!(text(7).contains("positive balance"), "{}", text(7));
        assert_eq!(text(8), "balance 12000 closed false");
        assert_eq!(text(13), "balance 0 closed true");
        assert!(text(4).contains("amount: must be positive"), "{}", text(4));
    }

    #[tokio::test]
    async fn walk_through_in_memory() {
        let mediator = bank(
            Arc::new(InMemoryStore::default()),
            Arc::new(InMemoryIdempotencyStore::default()),
        )
        .unwrap();
        check(&walk_through(&mediator).await);
    }

    #[cfg(feature = "sqlite")]
    #[tokio::test]
    async fn walk_through_on_a_sqlite_file() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("bank.db").display());
        let store = Arc::new(seedwork::SqliteStore::connect(&url).await.unwrap());
        let mediator = bank(store.clone(), store).unwrap();
        check(&walk_through(&mediator).await);
    }
}
