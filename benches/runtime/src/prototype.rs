//! A what-if, not part of the runtime: `EventSourced` with a cache of rebuilt states, built
//! only from the runtime's public API, to size the change this benchmark recommends.
//!
//! `EventSourced::execute` rebuilds the aggregate from its whole stream on every command, so
//! a command costs O(stream length) in every store. Events are append-only and every append
//! checks the expected version, so a state rebuilt earlier is never wrong, only possibly
//! stale, and catching up with `store.load(stream, cached_version)` (usually no event)
//! makes it current. This repository does that, and decodes payloads by reference
//! (`Deserialize for &Value`) instead of cloning them first.
//!
//! Limits of the prototype: the cache is unbounded (a real one needs an LRU bound), and a
//! command that finds its stream's entry taken by a concurrent command rebuilds from scratch.
//! It runs only when `--sides prototype-cached-state` names it; its rows are a projection.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use seedwork::{
    async_trait, stream_of, Aggregate, CommandContext, CommandIntent, CommandOutcome, DomainEvent,
    Error, EventEnvelope, EventStore, Loaded, Metadata, NewEvent, Repository, StreamId,
};
use serde::Deserialize;

/// `EventSourced` plus a cache of rebuilt states.
pub struct CachedEventSourced<A: Aggregate> {
    store: Arc<dyn EventStore>,
    services: A::Services,
    cache: Mutex<HashMap<StreamId, Loaded<A>>>,
}

impl<A: Aggregate> CachedEventSourced<A> {
    /// A repository over `store`.
    pub fn new(store: Arc<dyn EventStore>, services: A::Services) -> Self {
        Self {
            store,
            services,
            cache: Mutex::new(HashMap::new()),
        }
    }

    fn take(&self, stream: &StreamId) -> Loaded<A> {
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(stream)
            .unwrap_or_else(|| Loaded {
                state: A::default(),
                version: 0,
            })
    }

    fn put(&self, stream: StreamId, loaded: Loaded<A>) {
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(stream, loaded);
    }

    /// The cached state (or a fresh one) brought up to date with the events stored since.
    async fn catch_up(&self, stream: &StreamId) -> seedwork::Result<Loaded<A>> {
        let mut loaded = self.take(stream);
        for stored in self.store.load(stream, loaded.version).await? {
            let event = A::Event::deserialize(&stored.payload).map_err(|error| Error::Decode {
                what: "event",
                stream: stream.to_string(),
                version: stored.version,
                message: format!("{}: {error}", stored.event_type),
            })?;
            loaded.state.apply(&event);
            loaded.version = stored.version;
        }
        Ok(loaded)
    }
}

#[async_trait]
impl<A: Aggregate> Repository<A> for CachedEventSourced<A> {
    async fn load(&self, id: &A::Id) -> seedwork::Result<Option<Loaded<A>>> {
        let stream = stream_of::<A>(id);
        let loaded = self.catch_up(&stream).await?;
        let version = loaded.version;
        // Hand out a copy through serde (the trait does not ask aggregates to be `Clone`).
        let copy = serde_json::from_value(serde_json::to_value(&loaded.state)?)?;
        self.put(stream, loaded);
        Ok((version > 0).then_some(Loaded {
            state: copy,
            version,
        }))
    }

    async fn execute(
        &self,
        id: A::Id,
        command: A::Command,
        metadata: &Metadata,
    ) -> seedwork::Result<CommandOutcome<A>> {
        let stream = stream_of::<A>(&id);
        let mut loaded = self.catch_up(&stream).await?;
        let before = loaded.version;
        match (A::intent(&command), before) {
            (CommandIntent::Create, v) if v > 0 => {
                self.put(stream.clone(), loaded);
                return Err(Error::Conflict {
                    stream: stream.to_string(),
                    reason: format!("{} {id} already exists", A::TYPE),
                });
            }
            (CommandIntent::Update, 0) => return Err(Error::not_found(A::TYPE, &id)),
            _ => {}
        }
        let context = CommandContext {
            aggregate_id: &id,
            version: before,
            metadata,
            services: &self.services,
        };
        let events = match loaded.state.handle(command, &context).await {
            Ok(events) => events,
            Err(error) => {
                // Refused: the state is as loaded, keep it.
                self.put(stream, loaded);
                return Err(error.into());
            }
        };
        let metadata_json = serde_json::to_value(metadata)?;
        let recorded_at = SystemTime::now();
        let mut new_events = Vec::with_capacity(events.len());
        let mut envelopes = Vec::with_capacity(events.len());
        for (offset, event) in events.into_iter().enumerate() {
            let event_id = uuid::Uuid::new_v4();
            new_events.push(NewEvent {
                event_id,
                event_type: event.event_type().to_owned(),
                schema_version: event.schema_version(),
                payload: serde_json::to_value(&event)?,
                metadata: metadata_json.clone(),
            });
            loaded.state.apply(&event);
            envelopes.push(EventEnvelope {
                event_id,
                aggregate_type: A::TYPE.to_owned(),
                aggregate_id: id.to_string(),
                version: before + 1 + offset as u64,
                payload: event,
                metadata: metadata.clone(),
                recorded_at,
            });
        }
        if !new_events.is_empty() {
            // On failure (a conflict) the state holds events that were not stored: drop it.
            loaded.version = self.store.append(&stream, before, new_events).await?;
        }
        let version = loaded.version;
        self.put(stream, loaded);
        Ok(CommandOutcome {
            aggregate_id: id,
            version,
            events: envelopes,
        })
    }
}
