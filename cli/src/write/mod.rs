//! Writing a rendered [`FileSet`](crate::files::FileSet) to disk safely: the last step of the
//! pipeline.
//!
//! A generated project mixes two kinds of files (the "generation gap"):
//!
//! - **generated** files, owned by seedwork and rewritten on every run, and
//! - **user** files (business rules, `main.rs`), written once when missing and never touched again.
//!
//! A manifest at `.seedwork/manifest.json` records every generated file with the SHA-256 of what
//! was written. Comparing the manifest with the disk tells a generated file that a person edited
//! (refused unless `--force`) from one seedwork wrote itself, and tells which generated files the
//! spec no longer produces (deleted).
//!
//! The work is split in three so that a dry run, a write and a CI check share one classification:
//!
//! - [`plan`] reads the disk and decides what to do with every path, writing nothing;
//! - [`apply`] carries a [`Plan`] out all or nothing: if any step fails, everything already done is
//!   rolled back and the tree is left as it was;
//! - [`drift`] compares the disk with a freshly rendered file set for `seedwork check`.
//!
//! Every path comes from a user's spec, so every path is checked before it is joined to the root:
//! absolute paths, `..`, `.` and empty components are refused (see [`WriteError::InvalidPath`]).

mod apply;
mod drift;
mod manifest;
mod plan;

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

pub use apply::{apply, ApplyOptions, ApplyReport};
pub use drift::{drift, Drift, DriftKind, DriftReport};
pub use manifest::{sha256_hex, Manifest, GENERATOR, MANIFEST_PATH};
pub use plan::{plan, Action, Conflict, FileConflict, Plan, PlanOptions, PlannedFile};

/// Everything that can go wrong while planning, writing or checking a generated project.
///
/// Every variant names the path it is about, so the CLI can print it as is.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// A rendered path (or one listed in the manifest) would land outside the project root or is
    /// not a plain relative path. Paths come from user specs, so this is checked before any
    /// path is used, even though the renderer should never produce such a path.
    #[error("refusing to write `{path}`: {reason}")]
    InvalidPath {
        /// The offending path, as given.
        path: String,
        /// Why it is refused.
        reason: &'static str,
    },

    /// The manifest exists but cannot be understood, so seedwork cannot tell which files it owns.
    /// Deleting the file makes the next run treat every existing file as unknown (conflicts).
    #[error("the manifest {} is corrupt: {detail}", path.display())]
    CorruptManifest {
        /// Where the manifest is.
        path: PathBuf,
        /// What is wrong with it.
        detail: String,
    },

    /// A file that had to be read (to compare it with the rendered contents) could not be.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },

    /// Some generated files were edited by hand (or a file seedwork did not write sits where a
    /// generated file goes). Nothing was written; `--force` overwrites or deletes them.
    #[error("{}", conflicts_message(.0))]
    Conflicts(Vec<FileConflict>),

    /// A filesystem step of [`apply`] failed. Everything already done was undone: the project
    /// is exactly as it was before.
    #[error("cannot {operation} {}: {source} (nothing was changed)", path.display())]
    Io {
        /// What was being done: `write`, `rename`, `create directory`, …
        operation: &'static str,
        /// The path it was done to.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },

    /// A filesystem step of [`apply`] failed and undoing the steps already done failed too, so
    /// the project may be half-written. Lists what could not be restored.
    #[error(
        "cannot {operation} {}: {source}; restoring the previous state also failed, the project \
         may be half-written:\n  {}",
        path.display(),
        failures.join("\n  ")
    )]
    RollbackFailed {
        /// What was being done when the first error happened.
        operation: &'static str,
        /// The path it was done to.
        path: PathBuf,
        /// The first error.
        #[source]
        source: io::Error,
        /// One line per undo step that failed, naming the path.
        failures: Vec<String>,
    },
}

fn conflicts_message(conflicts: &[FileConflict]) -> String {
    let one = conflicts.len() == 1;
    let mut message = format!(
        "refusing to write: {} file{} would lose changes made by hand:",
        conflicts.len(),
        if one { "" } else { "s" },
    );
    for conflict in conflicts {
        message.push_str(&format!("\n  {conflict}"));
    }
    message.push_str(&format!(
        "\nnothing was written; use --force to overwrite or delete {} anyway",
        if one { "it" } else { "them" }
    ));
    message
}

/// Checks that `path` is a plain relative path with `/` separators that stays inside the root,
/// and returns its components.
pub(crate) fn checked_components(path: &str) -> Result<Vec<&str>, WriteError> {
    let refuse = |reason| WriteError::InvalidPath {
        path: path.to_owned(),
        reason,
    };
    if path.is_empty() {
        return Err(refuse("the path is empty"));
    }
    if path.starts_with('/') || Path::new(path).is_absolute() || path.contains(':') {
        return Err(refuse(
            "absolute paths are not allowed, paths are relative to the project root",
        ));
    }
    if path.contains('\\') {
        return Err(refuse("paths use `/` as separator, `\\` is not allowed"));
    }
    if path.contains('\0') {
        return Err(refuse("the path contains a NUL character"));
    }
    let components: Vec<&str> = path.split('/').collect();
    for component in &components {
        match *component {
            "" => {
                return Err(refuse(
                    "the path has an empty component (`//` or a trailing `/`)",
                ))
            }
            "." => return Err(refuse("the path has a `.` component")),
            ".." => return Err(refuse("`..` would escape the project root")),
            _ => {}
        }
    }
    Ok(components)
}

/// Checks a rendered path: a plain relative path inside the root, and not under `.seedwork/`,
/// which holds seedwork's own files.
pub(crate) fn check_rendered_path(path: &str) -> Result<(), WriteError> {
    checked_components(path)?;
    if path.starts_with(".seedwork/") {
        return Err(WriteError::InvalidPath {
            path: path.to_owned(),
            reason: "`.seedwork/` is reserved for seedwork's own files",
        });
    }
    Ok(())
}

/// Joins a checked relative path to the root, component by component (so `/` works as a
/// separator on every platform).
pub(crate) fn join(root: &Path, path: &str) -> Result<PathBuf, WriteError> {
    let mut joined = root.to_path_buf();
    for component in checked_components(path)? {
        joined.push(component);
    }
    Ok(joined)
}

/// Reads a file, `None` when it does not exist.
pub(crate) fn read_if_exists(path: &Path) -> Result<Option<Vec<u8>>, WriteError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(WriteError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Writes `count` and `noun`, pluralised with an `s` when `count != 1`.
pub(crate) fn count(f: &mut fmt::Formatter<'_>, count: usize, noun: &str) -> fmt::Result {
    write!(f, "{count} {noun}{}", if count == 1 { "" } else { "s" })
}
