//! The conformance suite against the in-memory reference stores: if these fail, the suite or
//! the reference is wrong, not a database.

use std::sync::Arc;

use seedwork::{InMemoryIdempotencyStore, InMemoryStore};

seedwork::event_store_conformance!(memory_event_store, async {
    Arc::new(InMemoryStore::default())
});

seedwork::state_store_conformance!(memory_state_store, async {
    Arc::new(InMemoryStore::default())
});

seedwork::idempotency_store_conformance!(memory_idempotency_store, async {
    Arc::new(InMemoryIdempotencyStore::default())
});

seedwork::idempotency_store_conformance!(memory_store_idempotency, async {
    Arc::new(InMemoryStore::default())
});

seedwork::read_model_store_conformance!(memory_read_models, async {
    Arc::new(InMemoryStore::default())
});

seedwork::outbox_conformance!(memory_outbox, async { Arc::new(InMemoryStore::default()) });
