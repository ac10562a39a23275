//! The conformance suite against the in-memory reference stores: if these fail, the suite or
//! the reference is wrong, not a database.

use std::sync::Arc;

use seedwork::{InMemoryEventStore, InMemoryIdempotencyStore, InMemoryStateStore};

seedwork::event_store_conformance!(memory_event_store, async {
    Arc::new(InMemoryEventStore::default())
});

seedwork::state_store_conformance!(memory_state_store, async {
    Arc::new(InMemoryStateStore::default())
});

seedwork::idempotency_store_conformance!(memory_idempotency_store, async {
    Arc::new(InMemoryIdempotencyStore::default())
});
