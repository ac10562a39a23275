//! The states an event-sourced repository rebuilt, kept for the next command on the same
//! aggregate so that it replays only the events recorded since, not the whole stream.
//!
//! A cached state can be stale (another writer, another instance, appended meanwhile) but
//! never wrong: events are only ever appended, so catching up from the cached version gives
//! the current state, and every append checks the expected version anyway. A command takes
//! the state out of the cache while it decides and puts the new state back only after its
//! append succeeded, so two commands on one aggregate never share one state.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use crate::store::StreamId;

/// At most `capacity` states, the least recently used evicted first.
pub(crate) struct StateCache<A> {
    inner: Mutex<Entries<A>>,
    capacity: usize,
}

struct Entries<A> {
    states: HashMap<StreamId, (A, u64, u64)>,
    /// Stream by the tick it was last put back at: the oldest first.
    order: BTreeMap<u64, StreamId>,
    tick: u64,
}

impl<A> StateCache<A> {
    /// A cache of at most `capacity` states.
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            inner: Mutex::new(Entries {
                states: HashMap::new(),
                order: BTreeMap::new(),
                tick: 0,
            }),
            capacity,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries<A>> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Takes the state of `stream` and its version out of the cache, if it is there.
    pub(crate) fn take(&self, stream: &StreamId) -> Option<(A, u64)> {
        let mut entries = self.lock();
        let (state, version, tick) = entries.states.remove(stream)?;
        entries.order.remove(&tick);
        Some((state, version))
    }

    /// Puts the state of `stream` at `version` in the cache, evicting the least recently
    /// used state when full.
    pub(crate) fn put(&self, stream: StreamId, state: A, version: u64) {
        if self.capacity == 0 {
            return;
        }
        let mut entries = self.lock();
        entries.tick += 1;
        let tick = entries.tick;
        if let Some((_, _, old)) = entries
            .states
            .insert(stream.clone(), (state, version, tick))
        {
            entries.order.remove(&old);
        }
        entries.order.insert(tick, stream);
        while entries.states.len() > self.capacity {
            let Some((_, oldest)) = entries.order.pop_first() else {
                break;
            };
            entries.states.remove(&oldest);
        }
    }

    /// Forgets every state.
    pub(crate) fn clear(&self) {
        let mut entries = self.lock();
        entries.states.clear();
        entries.order.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(n: u32) -> StreamId {
        StreamId::new("Account", n)
    }

    #[test]
    fn the_least_recently_used_state_goes_first() {
        let cache = StateCache::new(2);
        cache.put(stream(1), "one", 1);
        cache.put(stream(2), "two", 1);
        cache.put(stream(1), "one again", 2);
        cache.put(stream(3), "three", 1);
        assert_eq!(cache.take(&stream(2)), None, "the oldest was evicted");
        assert_eq!(cache.take(&stream(1)), Some(("one again", 2)));
        assert_eq!(cache.take(&stream(1)), None, "taking removes it");
        assert_eq!(cache.take(&stream(3)), Some(("three", 1)));
    }

    #[test]
    fn a_cache_of_nothing_keeps_nothing() {
        let cache = StateCache::new(0);
        cache.put(stream(1), 1, 1);
        assert_eq!(cache.take(&stream(1)), None);
        let cache = StateCache::new(4);
        cache.put(stream(1), 1, 1);
        cache.clear();
        assert_eq!(cache.take(&stream(1)), None);
    }
}
