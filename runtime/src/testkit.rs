//! Given / when / then tests for aggregates, run through a real repository.
//!
//! The history is stored in an in-memory store and the command is executed by the same
//! [`Repository`] a service uses, so a test also proves that the events serialize, that each
//! new event is applied once, and that the command's intent (create or act) is enforced.
//!
//! ```
//! use seedwork::testkit::AggregateTest;
//! use seedwork::{Aggregate, CommandContext, DomainEvent, Error, ErrorKind};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Debug, Default, Serialize, Deserialize)]
//! struct Counter { value: i64 }
//! #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
//! enum Counted { Added(i64) }
//! impl DomainEvent for Counted {
//!     fn event_type(&self) -> &'static str { "Added" }
//! }
//! impl Aggregate for Counter {
//!     const TYPE: &'static str = "Counter";
//!     type Id = u32;
//!     type Command = i64;
//!     type Event = Counted;
//!     type Error = Error;
//!     type Services = ();
//!     async fn handle(&self, add: i64, _: &CommandContext<'_, Self>) -> Result<Vec<Counted>, Error> {
//!         if self.value + add > 10 {
//!             return Err(Error::domain("the counter stops at 10"));
//!         }
//!         Ok(vec![Counted::Added(add)])
//!     }
//!     fn apply(&mut self, Counted::Added(n): &Counted) { self.value += n; }
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! AggregateTest::<Counter>::event_sourced(1, ())
//!     .given([Counted::Added(4)]).await
//!     .when(5).await
//!     .then_events([Counted::Added(5)])
//!     .then_state(|counter| assert_eq!(counter.value, 9));
//!
//! AggregateTest::<Counter>::state_stored(1, ())
//!     .given([Counted::Added(9)]).await
//!     .when(5).await
//!     .then_error(ErrorKind::Domain)
//!     .then_error_message("stops at 10");
//! # });
//! ```

use std::sync::Arc;

use crate::aggregate::{Aggregate, CommandOutcome};
use crate::error::{ErrorKind, Result};
use crate::metadata::Metadata;
use crate::repository::{record, stream_of, EventSourced, Repository, StateStored};
use crate::store::memory::InMemoryStore;
use crate::store::{EventStore, StateStore};

enum Storage {
    Events(Arc<InMemoryStore>),
    State(Arc<InMemoryStore>),
}

/// A test of one aggregate: a history, one command, expectations on what followed.
pub struct AggregateTest<A: Aggregate> {
    id: A::Id,
    repository: Arc<dyn Repository<A>>,
    storage: Storage,
    metadata: Metadata,
}

impl<A: Aggregate> AggregateTest<A> {
    /// A test of an event-sourced aggregate with id `id` and the given services.
    pub fn event_sourced(id: A::Id, services: A::Services) -> Self {
        let store = Arc::new(InMemoryStore::default());
        Self {
            id,
            repository: Arc::new(EventSourced::<A>::new(store.clone(), services)),
            storage: Storage::Events(store),
            metadata: Metadata::new(),
        }
    }

    /// A test of a state-stored aggregate with id `id` and the given services.
    pub fn state_stored(id: A::Id, services: A::Services) -> Self {
        let store = Arc::new(InMemoryStore::default());
        Self {
            id,
            repository: Arc::new(StateStored::<A>::new(store.clone(), services)),
            storage: Storage::State(store),
            metadata: Metadata::new(),
        }
    }

    /// Sends the command as this request (a principal, an idempotency key).
    #[must_use]
    pub fn with_metadata(mut self, metadata: Metadata) -> Self {
        self.metadata = metadata;
        self
    }

    /// The events that already happened to the aggregate. For a state-stored aggregate they
    /// are folded into its state, which is then saved.
    ///
    /// # Panics
    /// When the history cannot be stored: the test's setup is broken.
    pub async fn given(self, history: impl IntoIterator<Item = A::Event>) -> Self {
        let history: Vec<A::Event> = history.into_iter().collect();
        if history.is_empty() {
            return self;
        }
        let stream = stream_of::<A>(&self.id);
        let stored = match &self.storage {
            Storage::Events(store) => match record::<A>(&self.id, history, &self.metadata, 1) {
                Ok(recorded) => store
                    .append(&stream, 0, recorded.new_events)
                    .await
                    .map(drop),
                Err(error) => Err(error),
            },
            Storage::State(store) => {
                let mut state = A::default();
                history.iter().for_each(|event| state.apply(event));
                let saved = serde_json::to_value(&state)
                    .map_err(Into::into)
                    .and_then(|json| {
                        record::<A>(&self.id, history, &self.metadata, 1)
                            .map(|recorded| (json, recorded.new_events))
                    });
                match saved {
                    Ok((json, events)) => {
                        store.save_state(&stream, 0, json, events).await.map(drop)
                    }
                    Err(error) => Err(error),
                }
            }
        };
        if let Err(error) = stored {
            panic!("the given history of {stream} could not be stored: {error}");
        }
        self
    }

    /// Executes `command` against the history.
    pub async fn when(self, command: impl Into<A::Command>) -> Then<A> {
        let result = self
            .repository
            .execute(self.id.clone(), command.into(), &self.metadata)
            .await;
        let state = match self.repository.load(&self.id).await {
            Ok(loaded) => loaded.map(|loaded| loaded.state),
            Err(error) => panic!("the aggregate could not be reloaded after the command: {error}"),
        };
        Then { result, state }
    }
}

/// What followed a command, with assertions that panic with a readable message.
pub struct Then<A: Aggregate> {
    result: Result<CommandOutcome<A>>,
    state: Option<A>,
}

impl<A: Aggregate> Then<A> {
    /// Asserts the command succeeded and recorded exactly `expected`, in order.
    #[track_caller]
    pub fn then_events(self, expected: impl IntoIterator<Item = A::Event>) -> Self
    where
        A::Event: PartialEq,
    {
        let expected: Vec<A::Event> = expected.into_iter().collect();
        match &self.result {
            Ok(outcome) => {
                let actual: Vec<&A::Event> = outcome.payloads().collect();
                let expected: Vec<&A::Event> = expected.iter().collect();
                assert_eq!(
                    actual, expected,
                    "the command recorded other events than expected"
                );
            }
            Err(error) => {
                panic!("expected events {expected:?}, but the command was refused: {error}")
            }
        }
        self
    }

    /// Asserts the command was refused with an error of `kind`.
    #[track_caller]
    pub fn then_error(self, kind: ErrorKind) -> Self {
        match &self.result {
            Ok(outcome) => panic!(
                "expected a {kind:?} error, but the command recorded {:?}",
                outcome.payloads().collect::<Vec<_>>()
            ),
            Err(error) => assert_eq!(
                error.kind(),
                kind,
                "the command was refused differently: {error}"
            ),
        }
        self
    }

    /// Asserts the command was refused with a message containing `needle`.
    #[track_caller]
    pub fn then_error_message(self, needle: &str) -> Self {
        match &self.result {
            Ok(_) => panic!("expected an error mentioning {needle:?}, but the command succeeded"),
            Err(error) => assert!(
                error.to_string().contains(needle),
                "the error {:?} does not mention {needle:?}",
                error.to_string()
            ),
        }
        self
    }

    /// Runs `check` on the aggregate's state as stored after the command.
    ///
    /// # Panics
    /// When the aggregate does not exist after the command.
    #[track_caller]
    pub fn then_state(self, check: impl FnOnce(&A)) -> Self {
        match &self.state {
            Some(state) => check(state),
            None => panic!("the aggregate does not exist after the command"),
        }
        self
    }

    /// The raw result, for checks the helpers above do not cover.
    pub fn result(&self) -> &Result<CommandOutcome<A>> {
        &self.result
    }
}
