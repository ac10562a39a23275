//! The workload every implementation runs and the pure model that says what it must do.
//!
//! The commands are generated once from a fixed seed and replayed command for command on each
//! side, so the implementations decide on identical input. The model is plain Rust with no
//! framework: [`State::decide`] and [`State::apply`] are the bank's rules, and the expected
//! outcome of every command, every account's final state and its full event list come from
//! it. A side that is fast because it skips work cannot match them.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Amounts are integer cents.
pub type Cents = i64;

/// SplitMix64: a tiny, well-mixed, fully deterministic generator. Both sides never draw from
/// it; only the generator of the workload does, once.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator at `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (the modulo bias is irrelevant at these sizes).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// A number in `low..=high`.
    pub fn between(&mut self, low: Cents, high: Cents) -> Cents {
        let span = u64::try_from(high - low + 1).expect("an empty range of amounts");
        low + Cents::try_from(self.below(span)).expect("amounts fit in i64")
    }

    /// A v4-shaped uuid from the generator, so account ids are the same on every run.
    pub fn uuid(&mut self) -> Uuid {
        let bits = (u128::from(self.next_u64()) << 64) | u128::from(self.next_u64());
        uuid::Builder::from_random_bytes(bits.to_be_bytes()).into_uuid()
    }
}

/// A command of the workload, independent of either framework.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    /// Opens the account.
    Open {
        /// The opening balance.
        initial_balance: Cents,
    },
    /// Puts money in.
    Deposit {
        /// How much.
        amount: Cents,
    },
    /// Takes money out; refused above the balance.
    Withdraw {
        /// How much.
        amount: Cents,
    },
    /// Closes the account; refused unless the balance is zero.
    Close,
}

/// What happened to an account. Its serde form is the one both frameworks' event enums
/// produce (checked by a test), so the raw baseline stores the same bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
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

impl Event {
    /// The stable event type name both sides store.
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::AccountOpened { .. } => "AccountOpened",
            Self::MoneyDeposited { .. } => "MoneyDeposited",
            Self::MoneyWithdrawn { .. } => "MoneyWithdrawn",
            Self::AccountClosed => "AccountClosed",
        }
    }
}

/// Why the bank refuses a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum Refusal {
    /// The account does not exist.
    #[error("account is not open")]
    NotOpen,
    /// The account exists already.
    #[error("account is already open")]
    AlreadyOpen,
    /// Nothing happens on a closed account.
    #[error("account is closed")]
    Closed,
    /// Amounts are positive (opening balances non-negative).
    #[error("amount must be positive")]
    NotPositive,
    /// A withdrawal larger than the balance.
    #[error("insufficient funds")]
    InsufficientFunds,
    /// Closing with money left.
    #[error("balance is not zero")]
    NonZeroBalance,
}

/// The state of an account as the model, and every side's checks, see it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct State {
    /// Whether it was opened.
    pub opened: bool,
    /// The balance.
    pub balance: Cents,
    /// Whether it was closed.
    pub closed: bool,
}

impl State {
    /// The bank's rules: the event a command leads to, or why it is refused.
    pub fn decide(&self, cmd: Cmd) -> Result<Event, Refusal> {
        match cmd {
            Cmd::Open { .. } if self.opened => Err(Refusal::AlreadyOpen),
            Cmd::Open { initial_balance } if initial_balance < 0 => Err(Refusal::NotPositive),
            Cmd::Open { initial_balance } => Ok(Event::AccountOpened { initial_balance }),
            _ if !self.opened => Err(Refusal::NotOpen),
            _ if self.closed => Err(Refusal::Closed),
            Cmd::Deposit { amount } | Cmd::Withdraw { amount } if amount <= 0 => {
                Err(Refusal::NotPositive)
            }
            Cmd::Deposit { amount } => Ok(Event::MoneyDeposited { amount }),
            Cmd::Withdraw { amount } if amount > self.balance => Err(Refusal::InsufficientFunds),
            Cmd::Withdraw { amount } => Ok(Event::MoneyWithdrawn { amount }),
            Cmd::Close if self.balance != 0 => Err(Refusal::NonZeroBalance),
            Cmd::Close => Ok(Event::AccountClosed),
        }
    }

    /// Folds one event into the state.
    pub fn apply(&mut self, event: Event) {
        match event {
            Event::AccountOpened { initial_balance } => {
                self.opened = true;
                self.balance = initial_balance;
            }
            Event::MoneyDeposited { amount } => self.balance += amount,
            Event::MoneyWithdrawn { amount } => self.balance -= amount,
            Event::AccountClosed => self.closed = true,
        }
    }

    /// The state after `events`.
    pub fn replay(events: impl IntoIterator<Item = Event>) -> Self {
        let mut state = Self::default();
        for event in events {
            state.apply(event);
        }
        state
    }
}

/// What a command did: recorded an event, or was refused by a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// One event was stored.
    Accepted,
    /// A business rule refused it; nothing was stored.
    Refused,
}

/// One account's commands with what the model says about them.
#[derive(Debug, Clone)]
pub struct AccountPlan {
    /// The account id.
    pub id: Uuid,
    /// The id as text, the form cqrs-es takes.
    pub key: String,
    /// Its commands, the opening one first.
    pub commands: Vec<Cmd>,
    /// The outcome the model expects for each command.
    pub expected: Vec<Outcome>,
    /// The events the model expects in the stream, in order.
    pub events: Vec<Event>,
    /// The state after all commands.
    pub final_state: State,
}

impl AccountPlan {
    fn new(id: Uuid, commands: Vec<Cmd>) -> Self {
        let mut state = State::default();
        let mut expected = Vec::with_capacity(commands.len());
        let mut events = Vec::new();
        for &cmd in &commands {
            match state.decide(cmd) {
                Ok(event) => {
                    state.apply(event);
                    events.push(event);
                    expected.push(Outcome::Accepted);
                }
                Err(_) => expected.push(Outcome::Refused),
            }
        }
        Self {
            id,
            key: id.to_string(),
            commands,
            expected,
            events,
            final_state: state,
        }
    }
}

/// Accounts whose commands are independent of each other's order: the owned-accounts runs.
#[derive(Debug, Clone)]
pub struct Workload {
    /// Every account and its plan.
    pub accounts: Vec<AccountPlan>,
}

impl Workload {
    /// `accounts` accounts, each opened and then sent `commands` commands: 70% deposits, 25%
    /// withdrawals and 5% close attempts.
    ///
    /// A quarter of the withdrawals take exactly the balance the model says the account has
    /// at that point, so that some close attempts find a zero balance and succeed, and the
    /// rest of those accounts' commands exercise "nothing on a closed account". The others
    /// draw up to twice a typical deposit, so "insufficient funds" happens too.
    pub fn generate(seed: u64, accounts: usize, commands: usize) -> Self {
        let mut rng = SplitMix64::new(seed);
        let plans = (0..accounts)
            .map(|_| {
                let id = rng.uuid();
                let initial_balance = if rng.below(10) == 0 {
                    0
                } else {
                    rng.between(1, 1_000)
                };
                let mut state = State::default();
                let mut list = Vec::with_capacity(commands + 1);
                let mut push = |cmd: Cmd, state: &mut State| {
                    if let Ok(event) = state.decide(cmd) {
                        state.apply(event);
                    }
                    list.push(cmd);
                };
                push(Cmd::Open { initial_balance }, &mut state);
                for _ in 0..commands {
                    let roll = rng.below(100);
                    let cmd = if roll < 70 {
                        Cmd::Deposit {
                            amount: rng.between(1, 500),
                        }
                    } else if roll < 95 {
                        let exact = rng.below(4) == 0 && state.balance > 0;
                        Cmd::Withdraw {
                            amount: if exact {
                                state.balance
                            } else {
                                rng.between(1, 1_000)
                            },
                        }
                    } else {
                        Cmd::Close
                    };
                    push(cmd, &mut state);
                }
                AccountPlan::new(id, list)
            })
            .collect();
        Self { accounts: plans }
    }

    /// How many commands in all.
    pub fn commands(&self) -> usize {
        self.accounts.iter().map(|plan| plan.commands.len()).sum()
    }

    /// What the model expects overall: accepted, refused, and accounts that end closed.
    pub fn summary(&self) -> (usize, usize, usize) {
        let accepted = self.accounts.iter().map(|plan| plan.events.len()).sum();
        let closed = self
            .accounts
            .iter()
            .filter(|plan| plan.final_state.closed)
            .count();
        (accepted, self.commands() - accepted, closed)
    }
}

/// One account that `tasks` tasks deposit into at the same time: the contended run.
///
/// Only deposits, because they commute: whatever order the retries settle in, the final
/// balance and the number of events are known in advance, so lost or duplicated updates show.
#[derive(Debug, Clone)]
pub struct Contended {
    /// The account id.
    pub id: Uuid,
    /// The id as text.
    pub key: String,
    /// Its opening balance.
    pub initial_balance: Cents,
    /// The deposits of each task.
    pub deposits: Vec<Vec<Cents>>,
}

impl Contended {
    /// `tasks` tasks of `per_task` deposits each.
    pub fn generate(seed: u64, tasks: usize, per_task: usize) -> Self {
        let mut rng = SplitMix64::new(seed);
        let id = rng.uuid();
        let deposits = (0..tasks)
            .map(|_| (0..per_task).map(|_| rng.between(1, 500)).collect())
            .collect();
        Self {
            id,
            key: id.to_string(),
            initial_balance: 0,
            deposits,
        }
    }

    /// The final state the model expects.
    pub fn final_state(&self) -> State {
        State {
            opened: true,
            balance: self.initial_balance + self.deposits.iter().flatten().sum::<Cents>(),
            closed: false,
        }
    }

    /// The number of events the stream must end with (the opening one included).
    pub fn events(&self) -> usize {
        1 + self.deposits.iter().map(Vec::len).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_workload() {
        let a = Workload::generate(7, 20, 100);
        let b = Workload::generate(7, 20, 100);
        for (a, b) in a.accounts.iter().zip(&b.accounts) {
            assert_eq!(a.id, b.id);
            assert_eq!(a.commands, b.commands);
        }
        assert_ne!(
            Workload::generate(8, 1, 100).accounts[0].commands,
            a.accounts[0].commands
        );
    }

    #[test]
    fn the_mix_is_roughly_seventy_twenty_five_five() {
        let workload = Workload::generate(1, 200, 100);
        let count = |f: fn(&Cmd) -> bool| {
            workload
                .accounts
                .iter()
                .flat_map(|plan| &plan.commands[1..])
                .filter(|cmd| f(cmd))
                .count()
        };
        let deposits = count(|cmd| matches!(cmd, Cmd::Deposit { .. }));
        let withdrawals = count(|cmd| matches!(cmd, Cmd::Withdraw { .. }));
        let closes = count(|cmd| matches!(cmd, Cmd::Close));
        assert_eq!(deposits + withdrawals + closes, 20_000);
        assert!((13_500..14_500).contains(&deposits), "{deposits}");
        assert!((4_600..5_400).contains(&withdrawals), "{withdrawals}");
        assert!((800..1_200).contains(&closes), "{closes}");
    }

    #[test]
    fn every_rule_is_exercised() {
        let workload = Workload::generate(1, 300, 100);
        let mut refusals = std::collections::HashSet::new();
        for plan in &workload.accounts {
            let mut state = State::default();
            for &cmd in &plan.commands {
                match state.decide(cmd) {
                    Ok(event) => state.apply(event),
                    Err(refusal) => {
                        refusals.insert(refusal);
                    }
                }
            }
            assert_eq!(state, plan.final_state);
            assert_eq!(State::replay(plan.events.iter().copied()), state);
            assert!(state.balance >= 0);
        }
        for refusal in [
            Refusal::Closed,
            Refusal::InsufficientFunds,
            Refusal::NonZeroBalance,
        ] {
            assert!(refusals.contains(&refusal), "{refusal:?} never happens");
        }
        let (_, _, closed) = workload.summary();
        assert!(closed > 0, "no account ever closes");
    }

    #[test]
    fn the_rules() {
        let open = State {
            opened: true,
            balance: 10,
            closed: false,
        };
        assert_eq!(
            State::default().decide(Cmd::Deposit { amount: 1 }),
            Err(Refusal::NotOpen)
        );
        assert_eq!(
            open.decide(Cmd::Open { initial_balance: 0 }),
            Err(Refusal::AlreadyOpen)
        );
        assert_eq!(
            open.decide(Cmd::Withdraw { amount: 11 }),
            Err(Refusal::InsufficientFunds)
        );
        assert_eq!(
            open.decide(Cmd::Withdraw { amount: 10 }),
            Ok(Event::MoneyWithdrawn { amount: 10 })
        );
        assert_eq!(open.decide(Cmd::Close), Err(Refusal::NonZeroBalance));
        let closed = State {
            balance: 0,
            closed: true,
            ..open
        };
        assert_eq!(
            closed.decide(Cmd::Deposit { amount: 1 }),
            Err(Refusal::Closed)
        );
        assert_eq!(closed.decide(Cmd::Close), Err(Refusal::Closed));
    }

    #[test]
    fn contended_totals() {
        let contended = Contended::generate(3, 8, 10);
        assert_eq!(contended.events(), 81);
        assert_eq!(
            contended.final_state().balance,
            contended.deposits.iter().flatten().sum::<Cents>()
        );
    }
}
