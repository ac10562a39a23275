//! Carrying out a [`Plan`], all or nothing.
//!
//! The write happens in three phases, so that a failure at any point can be undone:
//!
//! 1. **stage**: create the missing parent directories, and write every new content to a
//!    temporary file next to its target (same directory, so the later rename is atomic and never
//!    crosses a filesystem);
//! 2. **swap**: move every file that is replaced or deleted aside to a backup next to it, and
//!    rename every temporary file into place, the manifest last;
//! 3. **clean up**: remove the backups and the directories the deletions left empty.
//!
//! Every mutation of phases 1 and 2 is recorded in an undo log; if one fails, the log is
//! replayed backwards (remove placed files, restore backups, remove temporary files and created
//! directories) and the tree is as it was. After phase 2 the new tree is complete, so a failure in
//! phase 3 only leaves a stray backup or an empty directory behind, reported as a warning.

use std::fmt;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use super::manifest::MANIFEST_PATH;
use super::plan::{Action, Plan};
use super::{checked_components, join, WriteError};

/// How to apply a plan. Whether conflicts are overwritten is decided when planning
/// ([`PlanOptions::force`](super::PlanOptions::force)), so the dry run and the real run agree.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplyOptions {
    /// Test hook: make the filesystem mutation with this (zero-based) index fail with an
    /// injected error, to prove that a failure anywhere leaves the tree as it was.
    #[doc(hidden)]
    pub fail_after: Option<usize>,
}

/// What [`apply`] did, for the CLI to print. Paths are relative to the project root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplyReport {
    /// Files written that did not exist.
    pub created: Vec<String>,
    /// Files rewritten (including conflicts overwritten with `--force`).
    pub updated: Vec<String>,
    /// Stale generated files deleted.
    pub deleted: Vec<String>,
    /// Directories removed because the deletions left them empty, deepest first.
    pub removed_dirs: Vec<String>,
    /// Whether the manifest was written.
    pub manifest_written: bool,
    /// Clean-up steps that failed after the new tree was complete (a leftover backup file or
    /// empty directory). The project itself is fully written.
    pub warnings: Vec<String>,
}

impl fmt::Display for ApplyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for path in &self.created {
            writeln!(f, "created {path}")?;
        }
        for path in &self.updated {
            writeln!(f, "updated {path}")?;
        }
        for path in &self.deleted {
            writeln!(f, "deleted {path}")?;
        }
        for path in &self.removed_dirs {
            writeln!(f, "removed empty directory {path}/")?;
        }
        if self.manifest_written {
            writeln!(f, "wrote {MANIFEST_PATH}")?;
        }
        for warning in &self.warnings {
            writeln!(f, "warning: {warning}")?;
        }
        Ok(())
    }
}

/// Carries out `plan` in the project at `root`, all or nothing: either every file is written,
/// replaced and deleted as planned and the manifest updated, or (on any error) every change
/// already made is undone and the tree is left byte for byte as it was.
///
/// Refuses up front, writing nothing, with [`WriteError::Conflicts`] when the plan has conflicts
/// and was not made with `force`. An [`Action::Unchanged`] file is not touched at all.
pub fn apply(root: &Path, plan: &Plan, options: &ApplyOptions) -> Result<ApplyReport, WriteError> {
    let conflicts = plan.conflicts();
    if !conflicts.is_empty() && !plan.is_forced() {
        return Err(WriteError::Conflicts(conflicts));
    }

    let mut writes = Vec::new();
    let mut deletes = Vec::new();
    let mut report = ApplyReport::default();
    for file in plan.files() {
        let action = match file.action() {
            Action::Conflict(conflict) => conflict.forced_action(),
            action => action,
        };
        let target = join(root, file.path())?;
        match (action, file.contents()) {
            (Action::Create, Some(contents)) => {
                report.created.push(file.path().to_owned());
                writes.push(PendingWrite::new(target, contents.as_bytes(), false));
            }
            (Action::Update, Some(contents)) => {
                report.updated.push(file.path().to_owned());
                writes.push(PendingWrite::new(target, contents.as_bytes(), true));
            }
            (Action::Delete, _) => {
                report.deleted.push(file.path().to_owned());
                deletes.push(target);
            }
            _ => {}
        }
    }
    if let action @ (Action::Create | Action::Update) = plan.manifest_action() {
        report.manifest_written = true;
        writes.push(PendingWrite::new(
            join(root, MANIFEST_PATH)?,
            plan.manifest(),
            action == Action::Update,
        ));
    }

    let mut tx = Transaction {
        undo: Vec::new(),
        mutations: 0,
        fail_after: options.fail_after,
    };
    let mut backups = Vec::new();
    if let Err(failure) = tx.run(&mut writes, &deletes, &mut backups) {
        return Err(tx.roll_back(failure));
    }

    // The new tree is complete. What follows only tidies up; it cannot be undone, so a failure
    // is a warning, not an error.
    for backup in &backups {
        if let Err(failure) = tx.step("remove the backup", backup, || fs::remove_file(backup)) {
            report.warnings.push(failure.to_string());
        }
    }
    remove_emptied_dirs(root, &report.deleted.clone(), &mut tx, &mut report);
    Ok(report)
}

/// A file to write: its target, its contents, and (once staged) the temporary file holding them.
struct PendingWrite<'a> {
    target: PathBuf,
    contents: &'a [u8],
    replaces: bool,
    staged: Option<PathBuf>,
}

impl<'a> PendingWrite<'a> {
    fn new(target: PathBuf, contents: &'a [u8], replaces: bool) -> Self {
        PendingWrite {
            target,
            contents,
            replaces,
            staged: None,
        }
    }
}

/// One mutation to undo on failure.
enum Undo {
    /// A directory was created: remove it.
    CreatedDir(PathBuf),
    /// A temporary file was written: remove it (unless it was since renamed into place).
    Staged(PathBuf),
    /// A file was renamed to a backup: rename it back.
    MovedAside { original: PathBuf, backup: PathBuf },
    /// A temporary file was renamed into place: remove it (a replaced file is restored by the
    /// `MovedAside` entry before it).
    Placed(PathBuf),
}

/// A failed step: what was being done, to which path, and why it failed.
struct Failure {
    operation: &'static str,
    path: PathBuf,
    source: io::Error,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot {} {}: {}",
            self.operation,
            self.path.display(),
            self.source
        )
    }
}

struct Transaction {
    undo: Vec<Undo>,
    mutations: usize,
    fail_after: Option<usize>,
}

impl Transaction {
    /// Performs one filesystem mutation, counting it (and failing it on purpose when the test
    /// hook asks for it).
    fn step<T>(
        &mut self,
        operation: &'static str,
        path: &Path,
        mutation: impl FnOnce() -> io::Result<T>,
    ) -> Result<T, Failure> {
        let index = self.mutations;
        self.mutations += 1;
        let result = if self.fail_after == Some(index) {
            Err(io::Error::other(format!(
                "injected failure of filesystem change #{index} (test hook)"
            )))
        } else {
            mutation()
        };
        result.map_err(|source| Failure {
            operation,
            path: path.to_path_buf(),
            source,
        })
    }

    /// Phases 1 (stage) and 2 (swap). Every mutation is logged for [`Transaction::roll_back`].
    fn run(
        &mut self,
        writes: &mut [PendingWrite<'_>],
        deletes: &[PathBuf],
        backups: &mut Vec<PathBuf>,
    ) -> Result<(), Failure> {
        for write in writes.iter_mut() {
            self.create_parent_dirs(&write.target)?;
            let temp = sibling_name(&write.target, "new")?;
            let target = &write.target;
            let (contents, replaces) = (write.contents, write.replaces);
            self.step("write", &temp, || {
                write_new_file(&temp, target, contents, replaces)
            })?;
            self.undo.push(Undo::Staged(temp.clone()));
            write.staged = Some(temp);
        }

        // The manifest is the last write: it is only in place when everything else is.
        for write in writes.iter() {
            if write.replaces {
                backups.push(self.move_aside(&write.target)?);
            } else if fs::symlink_metadata(&write.target).is_ok() {
                return Err(Failure {
                    operation: "create",
                    path: write.target.clone(),
                    source: io::Error::new(
                        io::ErrorKind::AlreadyExists,
                        "the file appeared after the plan was made",
                    ),
                });
            }
            if let Some(temp) = &write.staged {
                self.step("rename into place", &write.target, || {
                    fs::rename(temp, &write.target)
                })?;
                self.undo.push(Undo::Placed(write.target.clone()));
            }
        }
        for target in deletes {
            backups.push(self.move_aside(target)?);
        }
        Ok(())
    }

    fn create_parent_dirs(&mut self, target: &Path) -> Result<(), Failure> {
        let mut missing = Vec::new();
        let mut dir = target.parent();
        while let Some(current) = dir {
            if current.as_os_str().is_empty() || fs::symlink_metadata(current).is_ok() {
                break;
            }
            missing.push(current.to_path_buf());
            dir = current.parent();
        }
        for dir in missing.into_iter().rev() {
            self.step("create directory", &dir, || fs::create_dir(&dir))?;
            self.undo.push(Undo::CreatedDir(dir));
        }
        Ok(())
    }

    fn move_aside(&mut self, original: &Path) -> Result<PathBuf, Failure> {
        let backup = sibling_name(original, "backup")?;
        self.step("move aside", original, || fs::rename(original, &backup))?;
        self.undo.push(Undo::MovedAside {
            original: original.to_path_buf(),
            backup: backup.clone(),
        });
        Ok(backup)
    }

    /// Undoes every logged mutation, newest first, and turns `failure` into the error to return.
    fn roll_back(&mut self, failure: Failure) -> WriteError {
        let mut failures = Vec::new();
        while let Some(undo) = self.undo.pop() {
            let (result, what) = match &undo {
                Undo::CreatedDir(dir) => (fs::remove_dir(dir), format!("remove {}", dir.display())),
                Undo::Staged(temp) => match fs::remove_file(temp) {
                    Err(error) if error.kind() == io::ErrorKind::NotFound => {
                        (Ok(()), String::new())
                    }
                    result => (result, format!("remove {}", temp.display())),
                },
                Undo::MovedAside { original, backup } => (
                    fs::rename(backup, original),
                    format!("restore {} from {}", original.display(), backup.display()),
                ),
                Undo::Placed(target) => (
                    fs::remove_file(target),
                    format!("remove {}", target.display()),
                ),
            };
            if let Err(error) = result {
                failures.push(format!("could not {what}: {error}"));
            }
        }
        let Failure {
            operation,
            path,
            source,
        } = failure;
        if failures.is_empty() {
            WriteError::Io {
                operation,
                path,
                source,
            }
        } else {
            WriteError::RollbackFailed {
                operation,
                path,
                source,
                failures,
            }
        }
    }
}

/// Writes `contents` to a new file `temp` (never overwriting anything), flushed to disk. When it
/// replaces `target`, it takes over `target`'s permissions.
fn write_new_file(temp: &Path, target: &Path, contents: &[u8], replaces: bool) -> io::Result<()> {
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(temp)?;
    let written = (|| {
        file.write_all(contents)?;
        if replaces {
            if let Ok(metadata) = fs::metadata(target) {
                file.set_permissions(metadata.permissions())?;
            }
        }
        file.sync_all()
    })();
    if written.is_err() {
        drop(file);
        // Best effort: the write error is what matters.
        let _ = fs::remove_file(temp);
    }
    written
}

/// A free name next to `path` for a temporary file or a backup: `.<name>.seedwork-<kind>`, with
/// a number added when taken.
fn sibling_name(path: &Path, kind: &str) -> Result<PathBuf, Failure> {
    let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
        return Err(Failure {
            operation: "name a temporary file for",
            path: path.to_path_buf(),
            source: io::Error::new(io::ErrorKind::InvalidInput, "the path has no file name"),
        });
    };
    let name = name.to_string_lossy();
    let pid = std::process::id();
    let mut attempt = 0u64;
    loop {
        let candidate = parent.join(format!(".{name}.{pid}-{attempt}.seedwork-{kind}"));
        if fs::symlink_metadata(&candidate).is_err() {
            return Ok(candidate);
        }
        attempt += 1;
    }
}

/// Removes the directories that the deletions left empty, deepest first, never the root.
fn remove_emptied_dirs(
    root: &Path,
    deleted: &[String],
    tx: &mut Transaction,
    report: &mut ApplyReport,
) {
    let mut candidates = std::collections::BTreeSet::new();
    for path in deleted {
        let Ok(components) = checked_components(path) else {
            continue;
        };
        for depth in 1..components.len() {
            candidates.insert(components[..depth].join("/"));
        }
    }
    let mut candidates: Vec<String> = candidates.into_iter().collect();
    candidates.sort_by_key(|dir| std::cmp::Reverse(dir.matches('/').count()));
    for dir in candidates {
        let Ok(path) = join(root, &dir) else { continue };
        let is_empty = match fs::read_dir(&path) {
            Ok(mut entries) => entries.next().is_none(),
            Err(_) => false,
        };
        if !is_empty {
            continue;
        }
        match tx.step("remove the empty directory", &path, || {
            fs::remove_dir(&path)
        }) {
            Ok(()) => report.removed_dirs.push(dir),
            Err(failure) => report.warnings.push(failure.to_string()),
        }
    }
}
