//! What every store backend does the same way with the projections installed on it: check
//! their names, find the rows a batch of events touches, and fold events into rows.
//!
//! Backends differ only in where rows live and how a transaction locks them; the folding
//! itself happens here, in memory, so the in-memory store, SQLite and PostgreSQL arrive at the
//! same rows from the same events.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::{Arc, RwLock};

use crate::error::{Error, Result};
use crate::projection::{Projection, RowChange};
use crate::store::StoredEvent;

/// The projections installed on a store, shared by its clones.
///
/// ```
/// use seedwork::store::Projections;
/// let installed = Projections::default();
/// assert!(installed.current().is_empty());
/// ```
#[derive(Clone, Default)]
pub struct Projections {
    installed: Arc<RwLock<Installed>>,
}

/// A snapshot of the installed projections: writes take one and work with it throughout.
type Installed = Arc<[Arc<dyn Projection>]>;

impl std::fmt::Debug for Projections {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.current().iter().map(|p| p.name()).collect();
        f.debug_tuple("Projections").field(&names).finish()
    }
}

impl Projections {
    /// The projections installed now.
    pub fn current(&self) -> Installed {
        Arc::clone(
            &self
                .installed
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    /// Replaces the installed projections, once their names are known to be usable.
    pub fn replace(&self, projections: Vec<Arc<dyn Projection>>) -> Result<()> {
        check_names(&projections)?;
        *self
            .installed
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = projections.into();
        Ok(())
    }
}

/// The outbox routes installed on a store, shared by its clones.
#[derive(Debug, Clone, Default)]
pub struct OutboxRoutes {
    installed: Arc<RwLock<Arc<[super::OutboxRoute]>>>,
}

impl OutboxRoutes {
    /// The routes installed now.
    pub fn current(&self) -> Arc<[super::OutboxRoute]> {
        Arc::clone(
            &self
                .installed
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    /// Replaces the installed routes.
    pub fn replace(&self, routes: Vec<super::OutboxRoute>) {
        *self
            .installed
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = routes.into();
    }
}

/// The subject of the first route `event` matches, if any.
pub(crate) fn outbox_subject<'r>(
    routes: &'r [super::OutboxRoute],
    event: &StoredEvent,
) -> Option<&'r str> {
    routes
        .iter()
        .find(|route| route.matches(event))
        .map(|route| route.subject.as_str())
}

/// The longest read-model or filter name: PostgreSQL identifiers have 63 bytes, and the
/// index names add a prefix and a suffix.
const MAX_NAME: usize = 40;

/// A lower-case identifier that can be spliced into SQL unquoted: `[a-z][a-z0-9_]*`.
pub(crate) fn is_plain_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some('a'..='z'))
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
        && name.len() <= MAX_NAME
}

fn check_names(projections: &[Arc<dyn Projection>]) -> Result<()> {
    let mut seen = HashSet::new();
    for projection in projections {
        let name = projection.name();
        if !is_plain_name(name) {
            return Err(Error::Configuration(format!(
                "read model name {name:?} is not a lower-case identifier of at most {MAX_NAME} characters"
            )));
        }
        if !seen.insert(name) {
            return Err(Error::Configuration(format!(
                "read model `{name}` is installed twice"
            )));
        }
        for filter in projection.filters() {
            if !is_plain_name(filter) {
                return Err(Error::Configuration(format!(
                    "filter {filter:?} of read model `{name}` is not a lower-case identifier"
                )));
            }
        }
    }
    Ok(())
}

/// The read model `name` among the installed projections, or a configuration error: only
/// installed read models are queried, so their names are known to be plain identifiers.
pub(crate) fn installed(projections: &[Arc<dyn Projection>], name: &str) -> Result<usize> {
    projections
        .iter()
        .position(|projection| projection.name() == name)
        .ok_or_else(|| Error::Configuration(format!("read model `{name}` is not installed")))
}

/// One row of one read model: the projection's index among the installed ones, and the key.
pub(crate) type RowId = (usize, String);

/// Every row `events` change, in a stable order (by projection, then key), each once.
pub(crate) fn touched(
    projections: &[Arc<dyn Projection>],
    events: &[StoredEvent],
) -> Result<Vec<RowId>> {
    let mut rows = BTreeSet::new();
    for event in events {
        for (index, projection) in projections.iter().enumerate() {
            if let Some(key) = projection.key(event)? {
                rows.insert((index, key));
            }
        }
    }
    Ok(rows.into_iter().collect())
}

/// A stable 64-bit hash of a row, for lock keys (FNV-1a: the same in every process).
#[cfg(feature = "postgres")]
pub(crate) fn row_hash(name: &str, key: &str) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in name.bytes().chain([0]).chain(key.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    i64::from_ne_bytes(hash.to_ne_bytes())
}

/// A row as a fold sees it: its content, the position of the last event applied, and whether
/// the fold changed it.
#[derive(Debug, Clone)]
pub(crate) struct Slot {
    pub(crate) row: Option<serde_json::Value>,
    pub(crate) position: u64,
    changed: bool,
}

/// Rows being changed by events, in memory, before they are written back.
#[derive(Debug)]
pub(crate) struct Fold {
    slots: BTreeMap<RowId, Slot>,
    /// Rows not loaded are known not to exist (a rebuild from empty tables); otherwise a row
    /// that was not loaded is a projection whose keys changed between two calls.
    complete: bool,
}

impl Fold {
    /// A fold over rows loaded one by one with [`load`](Self::load).
    pub(crate) fn over_loaded() -> Self {
        Self {
            slots: BTreeMap::new(),
            complete: false,
        }
    }

    /// A fold over empty read models (a rebuild).
    pub(crate) fn from_empty() -> Self {
        Self {
            slots: BTreeMap::new(),
            complete: true,
        }
    }

    /// Adds a row as it is stored (`None`: no such row).
    pub(crate) fn load(&mut self, id: RowId, stored: Option<(serde_json::Value, u64)>) {
        let (row, position) = match stored {
            Some((row, position)) => (Some(row), position),
            None => (None, 0),
        };
        self.slots.insert(
            id,
            Slot {
                row,
                position,
                changed: false,
            },
        );
    }

    /// Applies `event`, which must carry its final position, to every row it changes.
    pub(crate) fn apply(
        &mut self,
        projections: &[Arc<dyn Projection>],
        event: &StoredEvent,
    ) -> Result<()> {
        for (index, projection) in projections.iter().enumerate() {
            let Some(key) = projection.key(event)? else {
                continue;
            };
            let complete = self.complete;
            let slot = match self.slots.entry((index, key)) {
                std::collections::btree_map::Entry::Occupied(slot) => slot.into_mut(),
                std::collections::btree_map::Entry::Vacant(vacant) if complete => {
                    vacant.insert(Slot {
                        row: None,
                        position: 0,
                        changed: false,
                    })
                }
                std::collections::btree_map::Entry::Vacant(vacant) => {
                    return Err(Error::Infrastructure(format!(
                        "read model `{}` gave event {} of {} the key {:?} only on the second call: a projection must be a pure function of the event",
                        projection.name(),
                        event.version,
                        event.stream,
                        vacant.key().1
                    )));
                }
            };
            match projection.apply(slot.row.clone(), event)? {
                RowChange::Put(row) => slot.row = Some(row),
                RowChange::Remove => slot.row = None,
                RowChange::Keep => continue,
            }
            slot.position = event.position;
            slot.changed = true;
        }
        Ok(())
    }

    /// The rows the fold changed, with their new content (`None`: delete it).
    pub(crate) fn changed(self) -> impl Iterator<Item = (RowId, Slot)> {
        self.slots.into_iter().filter(|(_, slot)| slot.changed)
    }
}
