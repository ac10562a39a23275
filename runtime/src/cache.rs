//! The states an event-sourced repository rebuilt, kept for the next command on the same
//! aggregate so that it replays only the events recorded since, not the whole stream.
//!
//! A cached state can be stale (another writer, another instance, appended meanwhile) but
//! never wrong: events are only ever appended, so catching up from the cached version gives
//! the current state, and every append checks the expected version anyway. A command takes
//! the state out of the cache while it decides and puts the new state back only after its
//! append succeeded, so two commands on one aggregate never share one state.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::store::StreamId;

/// At most `capacity` states, the least recently used evicted first.
///
/// Recency is a tick stored with each state rather than a separate ordered index, so a
/// command costs one hash-map removal and one insertion (a second index would cost a
/// second copy of the stream id and a tree insertion per command). When the cache grows
/// past its capacity it evicts the oldest sixteenth at once: one scan for every
/// `capacity / 16` insertions.
pub(crate) struct StateCache<A> {
    inner: Mutex<Entries<A>>,
    capacity: usize,
}

struct Entries<A> {
    /// State, version and the tick it was last put back at.
    states: HashMap<StreamId, (A, u64, u64)>,
    tick: u64,
}

impl<A> StateCache<A> {
    /// A cache of at most `capacity` states.
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            inner: Mutex::new(Entries {
                states: HashMap::new(),
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
        let (state, version, _) = self.lock().states.remove(stream)?;
        Some((state, version))
    }

    /// Puts the state of `stream` at `version` in the cache, evicting the least recently
    /// used states when full.
    pub(crate) fn put(&self, stream: StreamId, state: A, version: u64) {
        if self.capacity == 0 {
            return;
        }
        let mut entries = self.lock();
        entries.tick += 1;
        let tick = entries.tick;
        entries.states.insert(stream, (state, version, tick));
        let over = entries.states.len().saturating_sub(self.capacity);
        if over > 0 {
            entries.evict_oldest(over + self.capacity / 16);
        }
    }

    /// Forgets every state.
    pub(crate) fn clear(&self) {
        self.lock().states.clear();
    }
}

impl<A> Entries<A> {
    /// Removes the `count` states put back longest ago.
    fn evict_oldest(&mut self, count: usize) {
        let mut ticks: Vec<u64> = self.states.values().map(|(_, _, tick)| *tick).collect();
        if count >= ticks.len() {
            self.states.clear();
            return;
        }
        // Ticks are unique, so exactly `count` states are older than the cut.
        let (_, cut, _) = ticks.select_nth_unstable(count);
        let cut = *cut;
        self.states.retain(|_, (_, _, tick)| *tick >= cut);
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
    fn a_full_cache_evicts_its_oldest_sixteenth_at_once() {
        let cache = StateCache::new(32);
        for n in 1..=32 {
            cache.put(stream(n), n, 1);
        }
        cache.put(stream(1), 1, 2);
        cache.put(stream(33), 33, 1);
        // Over capacity by one: that one and two more (32 / 16) go, the oldest first;
        // stream 1 was put back recently and stays.
        for gone in [2, 3, 4] {
            assert_eq!(cache.take(&stream(gone)), None, "stream {gone}");
        }
        assert_eq!(cache.take(&stream(1)), Some((1, 2)));
        for kept in 5..=33 {
            assert_eq!(cache.take(&stream(kept)), Some((kept, 1)), "stream {kept}");
        }
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
