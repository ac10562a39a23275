//! The same bank account on cqrs-es 0.5, written the way its documentation writes an
//! aggregate: a command enum, an event enum, `handle` writing events to the sink.
//!
//! Two stores: `MemStore` as shipped, and postgres-es's `PersistedEventStore` over a
//! `PostgresEventRepository`, both behind `CqrsFramework::execute`.

use cqrs_es::event_sink::EventSink;
use cqrs_es::mem_store::MemStore;
use cqrs_es::persist::PersistedEventStore;
use cqrs_es::{Aggregate, AggregateError, CqrsFramework, DomainEvent, EventStore};
use postgres_es::PostgresEventRepository;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use crate::driver::{Attempt, Bank, Target};
use crate::workload::{self, Cents, Cmd, Outcome, Refusal};

/// The account (`Clone` because `MemStore`'s derived `Clone` asks for it).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BankAccount {
    opened: bool,
    balance: Cents,
    closed: bool,
}

/// Its commands.
#[derive(Debug)]
pub enum BankCommand {
    /// Opens the account.
    OpenAccount {
        /// The opening balance.
        initial_balance: Cents,
    },
    /// Puts money in.
    DepositMoney {
        /// How much.
        amount: Cents,
    },
    /// Takes money out.
    WithdrawMoney {
        /// How much.
        amount: Cents,
    },
    /// Closes the account.
    CloseAccount,
}

/// Its events: the same names and shapes as the Seedwork side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum BankEvent {
    /// The account was opened.
    AccountOpened {
        /// The opening balance.
        initial_balance: Cents,
    },
    /// Money came in.
    MoneyDeposited {
        /// How much.
        amount: Cents,
    },
    /// Money went out.
    MoneyWithdrawn {
        /// How much.
        amount: Cents,
    },
    /// The account was closed.
    AccountClosed,
}

impl DomainEvent for BankEvent {
    fn event_type(&self) -> String {
        workload::Event::from(self.clone()).event_type().to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

/// Why the account refuses a command: the model's refusals.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct BankError(#[from] Refusal);

impl Aggregate for BankAccount {
    const TYPE: &'static str = "Account";
    type Command = BankCommand;
    type Event = BankEvent;
    type Error = BankError;
    type Services = ();

    async fn handle(
        &mut self,
        command: BankCommand,
        _: &(),
        sink: &EventSink<Self>,
    ) -> Result<(), BankError> {
        let cmd = match command {
            BankCommand::OpenAccount { initial_balance } => Cmd::Open { initial_balance },
            BankCommand::DepositMoney { amount } => Cmd::Deposit { amount },
            BankCommand::WithdrawMoney { amount } => Cmd::Withdraw { amount },
            BankCommand::CloseAccount => Cmd::Close,
        };
        let event = self.model().decide(cmd)?;
        sink.write(BankEvent::from(event), self).await;
        Ok(())
    }

    fn apply(&mut self, event: BankEvent) {
        let mut state = self.model();
        state.apply(event.into());
        *self = Self {
            opened: state.opened,
            balance: state.balance,
            closed: state.closed,
        };
    }
}

impl BankAccount {
    fn model(&self) -> workload::State {
        workload::State {
            opened: self.opened,
            balance: self.balance,
            closed: self.closed,
        }
    }
}

impl From<workload::Event> for BankEvent {
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

impl From<BankEvent> for workload::Event {
    fn from(event: BankEvent) -> Self {
        match event {
            BankEvent::AccountOpened { initial_balance } => Self::AccountOpened { initial_balance },
            BankEvent::MoneyDeposited { amount } => Self::MoneyDeposited { amount },
            BankEvent::MoneyWithdrawn { amount } => Self::MoneyWithdrawn { amount },
            BankEvent::AccountClosed => Self::AccountClosed,
        }
    }
}

fn command(cmd: Cmd) -> BankCommand {
    match cmd {
        Cmd::Open { initial_balance } => BankCommand::OpenAccount { initial_balance },
        Cmd::Deposit { amount } => BankCommand::DepositMoney { amount },
        Cmd::Withdraw { amount } => BankCommand::WithdrawMoney { amount },
        Cmd::Close => BankCommand::CloseAccount,
    }
}

/// How a cqrs-es error ends an attempt.
fn attempt(result: Result<(), AggregateError<BankError>>) -> Result<Attempt, String> {
    match result {
        Ok(()) => Ok(Attempt::Done(Outcome::Accepted)),
        Err(AggregateError::AggregateConflict) => Ok(Attempt::Conflict),
        Err(AggregateError::UserError(_)) => Ok(Attempt::Done(Outcome::Refused)),
        Err(error) => Err(format!("cqrs-es: {error}")),
    }
}

/// A `CqrsFramework` over any of cqrs-es's stores, plus a second handle on the same data
/// for the checks (the framework owns its store).
pub struct Cqrs<ES: EventStore<BankAccount>> {
    framework: CqrsFramework<BankAccount, ES>,
    inspect: ES,
}

/// The in-memory side: `MemStore` as shipped.
pub type CqrsMem = Cqrs<MemStore<BankAccount>>;

/// The PostgreSQL side: postgres-es's event store.
pub type CqrsPostgres = Cqrs<PersistedEventStore<PostgresEventRepository, BankAccount>>;

impl CqrsMem {
    /// `CqrsFramework::new(MemStore::default(), vec![], ())`.
    pub fn in_memory() -> Self {
        let store = MemStore::<BankAccount>::default();
        Self {
            inspect: store.clone(),
            framework: CqrsFramework::new(store, vec![], ()),
        }
    }
}

impl CqrsPostgres {
    /// `postgres_es::postgres_cqrs` spelled out so the tables can be named: events in
    /// `events_table`, snapshots in `snapshots_table`. `snapshot_size` switches to the
    /// snapshot store.
    pub fn postgres(
        pool: PgPool,
        events_table: &str,
        snapshots_table: &str,
        snapshot_size: Option<usize>,
    ) -> Self {
        let repository = |pool: PgPool| {
            PostgresEventRepository::new(pool).with_tables(events_table, snapshots_table)
        };
        let store = |pool: PgPool| match snapshot_size {
            Some(size) => PersistedEventStore::new_snapshot_store(repository(pool), size),
            None => PersistedEventStore::new_event_store(repository(pool)),
        };
        Self {
            inspect: store(pool.clone()),
            framework: CqrsFramework::new(store(pool), vec![], ()),
        }
    }
}

/// The tables of postgres-es's `db/init.sql`, under the given names.
pub fn postgres_schema(events_table: &str, snapshots_table: &str) -> [String; 2] {
    [
        format!(
            "CREATE TABLE {events_table} (
                aggregate_type text NOT NULL,
                aggregate_id text NOT NULL,
                sequence bigint CHECK (sequence >= 0) NOT NULL,
                event_type text NOT NULL,
                event_version text NOT NULL,
                payload json NOT NULL,
                metadata json NOT NULL,
                PRIMARY KEY (aggregate_type, aggregate_id, sequence)
            )"
        ),
        format!(
            "CREATE TABLE {snapshots_table} (
                aggregate_type text NOT NULL,
                aggregate_id text NOT NULL,
                last_sequence bigint CHECK (last_sequence >= 0) NOT NULL,
                current_snapshot bigint CHECK (current_snapshot >= 0) NOT NULL,
                payload json NOT NULL,
                PRIMARY KEY (aggregate_type, aggregate_id, last_sequence)
            )"
        ),
    ]
}

impl<ES: EventStore<BankAccount> + 'static> Cqrs<ES> {
    /// Loads the account through the store; for the load-time scenario.
    pub async fn load(&self, key: &str) -> Result<Option<(workload::State, u64)>, String>
    where
        ES::AC: Loaded,
    {
        let context = self
            .inspect
            .load_aggregate(key)
            .await
            .map_err(|error| format!("cqrs-es: loading the account: {error}"))?;
        let (account, sequence) = context.parts();
        Ok(account.opened.then(|| (account.model(), sequence as u64)))
    }
}

/// The two fields the checks read from a loaded aggregate context, which each store names
/// in its own type.
pub trait Loaded {
    /// The aggregate and its last sequence number.
    fn parts(&self) -> (&BankAccount, usize);
}

impl Loaded for cqrs_es::mem_store::MemStoreAggregateContext<BankAccount> {
    fn parts(&self) -> (&BankAccount, usize) {
        (&self.aggregate, self.current_sequence)
    }
}

impl Loaded for cqrs_es::persist::EventStoreAggregateContext<BankAccount> {
    fn parts(&self) -> (&BankAccount, usize) {
        (&self.aggregate, self.current_sequence)
    }
}

impl<ES> Bank for Cqrs<ES>
where
    ES: EventStore<BankAccount> + 'static,
    ES::AC: Loaded + Send,
{
    async fn execute(&self, target: Target<'_>, cmd: Cmd) -> Result<Attempt, String> {
        attempt(self.framework.execute(target.key, command(cmd)).await)
    }

    async fn stream(&self, target: Target<'_>) -> Result<Vec<(u64, workload::Event)>, String> {
        let events = self
            .inspect
            .load_events(target.key)
            .await
            .map_err(|error| format!("cqrs-es: loading the stream: {error}"))?;
        Ok(events
            .into_iter()
            .map(|envelope| (envelope.sequence as u64, envelope.payload.into()))
            .collect())
    }

    async fn state(&self, target: Target<'_>) -> Result<Option<(workload::State, u64)>, String> {
        self.load(target.key).await
    }
}
