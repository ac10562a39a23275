//! Choosing a repository by the persistence style an aggregate declares, so wiring code
//! does not repeat what the aggregate already says about itself.

use std::sync::Arc;

use crate::aggregate::Aggregate;
use crate::repository::{EventSourced, Repository, StateStored};
use crate::store::memory::InMemoryStore;
use crate::store::{EventStore, StateStore};

/// How an aggregate is kept between commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Persistence {
    /// Rebuilt from its events on every load ([`EventSourced`]).
    EventSourced,
    /// Its current state is saved with a version column ([`StateStored`]).
    StateStored,
}

/// An aggregate that declares its persistence style; `#[aggregate(storage = …)]` implements it.
pub trait Persisted: Aggregate {
    /// The style [`Stores::repository`] builds a repository for.
    const PERSISTENCE: Persistence;
}

/// The event store and state store a service keeps its aggregates in.
///
/// Each aggregate gets the repository its declared [`Persistence`] asks for:
///
/// ```
/// use seedwork::{Persisted, Persistence, Stores};
/// # use seedwork::{Aggregate, CommandContext};
/// # #[derive(Default, serde::Serialize, serde::Deserialize)]
/// # struct Counter(u32);
/// # #[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
/// # struct Counted;
/// # impl seedwork::DomainEvent for Counted { fn event_type(&self) -> &'static str { "counted" } }
/// # impl Aggregate for Counter {
/// #     const TYPE: &'static str = "Counter";
/// #     type Id = u32; type Command = (); type Event = Counted;
/// #     type Error = seedwork::Error; type Services = ();
/// #     async fn handle(&self, _: (), _: &CommandContext<'_, Self>) -> seedwork::Result<Vec<Counted>> { Ok(vec![Counted]) }
/// #     fn apply(&mut self, _: &Counted) { self.0 += 1 }
/// # }
/// impl Persisted for Counter {
///     const PERSISTENCE: Persistence = Persistence::StateStored;
/// }
/// let stores = Stores::in_memory();
/// let counters = stores.repository::<Counter>(());
/// ```
#[derive(Clone)]
pub struct Stores {
    events: Arc<dyn EventStore>,
    states: Arc<dyn StateStore>,
}

impl Stores {
    /// Separate event and state stores.
    pub fn new(events: Arc<dyn EventStore>, states: Arc<dyn StateStore>) -> Self {
        Self { events, states }
    }

    /// The event and state stores of one [`Backend`](crate::store::Backend), as
    /// [`connect`](crate::store::connect) opens it.
    pub fn of(backend: &Arc<dyn crate::store::Backend>) -> Self {
        Self {
            events: backend.clone(),
            states: backend.clone(),
        }
    }

    /// One backend that keeps both events and states (SQLite, PostgreSQL).
    pub fn shared<S: EventStore + StateStore + 'static>(store: Arc<S>) -> Self {
        Self {
            events: store.clone(),
            states: store,
        }
    }

    /// A fresh in-memory store for both, for tests and demos.
    pub fn in_memory() -> Self {
        Self::shared(Arc::new(InMemoryStore::default()))
    }

    /// The event store.
    pub fn events(&self) -> &Arc<dyn EventStore> {
        &self.events
    }

    /// The state store.
    pub fn states(&self) -> &Arc<dyn StateStore> {
        &self.states
    }

    /// A repository for `A` in the style `A` declares.
    pub fn repository<A: Persisted>(&self, services: A::Services) -> Arc<dyn Repository<A>> {
        match A::PERSISTENCE {
            Persistence::EventSourced => {
                Arc::new(EventSourced::<A>::new(self.events.clone(), services))
            }
            Persistence::StateStored => {
                Arc::new(StateStored::<A>::new(self.states.clone(), services))
            }
        }
    }
}

impl std::fmt::Debug for Stores {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stores").finish_non_exhaustive()
    }
}

/// Fresh identifiers for aggregates whose ids the service assigns.
///
/// `#[id(generate)]` on a creating command's id field fills it with `NewId::new_id()` when a
/// request leaves it out.
///
/// ```
/// use seedwork::NewId;
/// let a = uuid::Uuid::new_id();
/// assert_ne!(a, uuid::Uuid::new_id());
/// ```
pub trait NewId {
    /// A new identifier, different from every other one handed out.
    fn new_id() -> Self;
}

impl NewId for uuid::Uuid {
    fn new_id() -> Self {
        uuid::Uuid::new_v4()
    }
}

impl NewId for String {
    fn new_id() -> Self {
        uuid::Uuid::new_v4().to_string()
    }
}
