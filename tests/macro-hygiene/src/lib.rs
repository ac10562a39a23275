//! A crate that makes the macros' life hard on purpose, so that generated code that leans
//! on anything but absolute paths fails to build here:
//! - the runtime is a dependency named `sw`, so `::seedwork::…` does not resolve;
//! - there is no implicit prelude, so `Option`, `Vec`, `Clone`, `Ok` … are not in scope;
//! - the crate defines its own `Result`, `Error`, `Event`, `Command`, `Option`, `Some`, `Ok`
//!   and `Vec`, which would capture any unqualified name in generated code.
#![no_implicit_prelude]

extern crate std;

/// Shadows `std::result::Result`.
pub type Result = ();
/// Shadows a likely `Error` import.
pub struct Error;
/// Shadows a likely `Event` import.
pub struct Event;
/// Shadows a likely `Command` import.
pub struct Command;
/// Shadows `Option`, `Some` and `None`.
pub enum Option {
    /// Shadows `Some`.
    Some,
    /// Shadows `None`.
    None,
}
/// Shadows `Ok`.
pub struct Ok;
/// Shadows `Vec`.
pub struct Vec;

use std::string::String;

/// The ledger's id.
#[::sw::aggregate_id(crate = ::sw)]
pub struct LedgerId(::uuid::Uuid);

/// A label that cannot be blank.
#[::sw::value_object(crate = ::sw)]
pub struct Label(#[validate(length(min = 1, max = 20))] String);

/// What happens to a ledger.
#[::sw::event(crate = ::sw, version = 2)]
pub enum LedgerEvent {
    /// Opened with a label.
    Opened {
        /// Its label.
        label: Label,
    },
    /// Money booked.
    #[event(name = "booked")]
    Booked {
        /// Cents.
        amount: i64,
    },
    /// Closed for good.
    Closed,
}

/// Where a ledger is in its life.
#[derive(
    ::std::fmt::Debug,
    ::std::clone::Clone,
    ::std::default::Default,
    ::std::cmp::PartialEq,
    ::sw::__private::serde::Serialize,
    ::sw::__private::serde::Deserialize,
)]
#[serde(crate = "::sw::__private::serde")]
pub enum LedgerStatus {
    /// Taking bookings.
    #[default]
    Open,
    /// Closed.
    Closed,
}

/// A ledger: a balance and a status.
#[::sw::aggregate(crate = ::sw, id = LedgerId, event = LedgerEvent, status = status, storage = state_stored)]
#[derive(::std::fmt::Debug, ::std::default::Default)]
pub struct Ledger {
    status: LedgerStatus,
    balance: i64,
}

/// Opens a ledger.
#[::sw::command(crate = ::sw, aggregate = Ledger, creates)]
pub struct Open {
    #[id(generate)]
    ledger_id: LedgerId,
    label: Label,
}

/// Books an amount.
#[::sw::command(crate = ::sw, aggregate = Ledger)]
pub struct Book {
    #[id]
    ledger_id: LedgerId,
    #[validate(range(min = -1000, max = 1000))]
    amount: i64,
    #[validate(pattern = "^[A-Z]{3}$")]
    currency: ::std::option::Option<String>,
    #[validate(items(max = 3))]
    tags: ::std::vec::Vec<String>,
}

/// Closes the ledger.
#[::sw::command(crate = ::sw, aggregate = Ledger)]
pub struct Close {
    #[id]
    ledger_id: LedgerId,
}

#[::sw::aggregate(crate = ::sw)]
impl Ledger {
    #[handle]
    fn open(&self, command: Open) -> LedgerEvent {
        LedgerEvent::Opened {
            label: command.label,
        }
    }

    #[handle(from = Open)]
    async fn book(
        &self,
        command: Book,
        context: &::sw::CommandContext<'_, Self>,
    ) -> ::std::result::Result<::std::vec::Vec<LedgerEvent>, ::sw::Error> {
        let _ = context.metadata;
        ::std::result::Result::Ok(::std::vec![LedgerEvent::Booked {
            amount: command.amount
        }])
    }

    #[handle(from = [Open], to = Closed)]
    fn close(&self, _: Close) -> ::std::option::Option<LedgerEvent> {
        ::std::option::Option::Some(LedgerEvent::Closed)
    }

    #[apply(Booked)]
    fn booked(&mut self, amount: i64) {
        self.balance += amount;
    }

    #[apply(Closed)]
    fn closed(&mut self) {
        self.status = LedgerStatus::Closed;
    }

    /// The balance in cents.
    pub fn balance(&self) -> i64 {
        self.balance
    }
}

/// Asks for a ledger's balance.
#[::sw::query(crate = ::sw, output = i64)]
pub struct Balance {
    /// Which ledger.
    pub ledger_id: LedgerId,
}

/// A mediator for ledgers on in-memory stores.
pub fn mediator() -> ::std::result::Result<::sw::Mediator, ::sw::Error> {
    let stores = ::sw::Stores::in_memory();
    ::sw::Mediator::builder()
        .aggregate::<Ledger>(stores.repository::<Ledger>(()))
        .build()
}

/// A label, for tests.
pub fn label(text: &str) -> ::std::result::Result<Label, ::sw::Error> {
    Label::new(::std::string::ToString::to_string(text))
}

/// An opening command, for tests.
pub fn open(ledger_id: LedgerId, label: Label) -> Open {
    Open { ledger_id, label }
}

/// A booking command, for tests.
pub fn book(ledger_id: LedgerId, amount: i64, currency: &str) -> Book {
    Book {
        ledger_id,
        amount,
        currency: ::std::option::Option::Some(::std::string::ToString::to_string(currency)),
        tags: ::std::vec::Vec::new(),
    }
}

/// A closing command, for tests.
pub fn close(ledger_id: LedgerId) -> Close {
    Close { ledger_id }
}
