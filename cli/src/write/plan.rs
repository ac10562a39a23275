//! Deciding what to do with every path, before anything is written.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use super::manifest::{sha256_hex, Manifest, MANIFEST_PATH};
use super::{check_rendered_path, count, join, read_if_exists, WriteError};
use crate::files::{FileSet, Ownership};

/// How to plan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlanOptions {
    /// Overwrite (or delete) generated files even though they were edited by hand since they
    /// were generated. Without it, such files are [`Action::Conflict`]s and [`apply`] refuses.
    ///
    /// [`apply`]: super::apply
    pub force: bool,
}

/// What happens to one path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// The file does not exist yet and will be written.
    Create,
    /// A generated file exists with other contents, exactly as seedwork last wrote it, and
    /// will be rewritten.
    Update,
    /// A generated file already has exactly the rendered contents; it is not touched at all
    /// (not even its modification time), so build tools see nothing changed.
    Unchanged,
    /// A user file exists; it is the user's and is never touched, whatever it contains.
    Keep,
    /// A generated file the spec no longer produces, unedited since it was generated; it will
    /// be deleted, and directories left empty by the deletion removed.
    Delete,
    /// Doing the work would destroy something a person wrote. Refused unless forced; then the
    /// file is overwritten or deleted (see [`Conflict::forced_action`]).
    Conflict(Conflict),
}

/// Why a path is a conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conflict {
    /// A generated file was edited by hand since it was generated: its hash on disk differs
    /// from the manifest's. Forcing overwrites it.
    EditedByHand,
    /// A file seedwork did not generate (not in the manifest) sits where a generated file goes,
    /// with other contents. Forcing overwrites it.
    NotGenerated,
    /// A generated file the spec no longer produces was edited by hand since it was generated.
    /// Forcing deletes it.
    StaleEditedByHand,
}

impl Conflict {
    /// What [`apply`](super::apply) does with the file when forced: [`Action::Update`] or
    /// [`Action::Delete`].
    pub fn forced_action(self) -> Action {
        match self {
            Conflict::EditedByHand | Conflict::NotGenerated => Action::Update,
            Conflict::StaleEditedByHand => Action::Delete,
        }
    }

    /// Why it is a conflict, for people.
    pub fn reason(self) -> &'static str {
        match self {
            Conflict::EditedByHand => "edited by hand since it was generated",
            Conflict::NotGenerated => "exists, but seedwork did not generate it",
            Conflict::StaleEditedByHand => {
                "no longer generated, but edited by hand since it was generated"
            }
        }
    }

    fn verb(self) -> &'static str {
        match self.forced_action() {
            Action::Delete => "delete",
            _ => "overwrite",
        }
    }
}

/// A path in conflict, as listed by [`WriteError::Conflicts`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileConflict {
    /// The path, relative to the project root.
    pub path: String,
    /// Why it is a conflict.
    pub conflict: Conflict,
}

impl fmt::Display for FileConflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.path, self.conflict.reason())
    }
}

/// What happens to one path, and the contents it gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedFile {
    path: String,
    ownership: Ownership,
    action: Action,
    contents: Option<String>,
}

impl PlannedFile {
    /// The path, relative to the project root, with `/` separators.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Who owns the file (a stale file was generated).
    pub fn ownership(&self) -> Ownership {
        self.ownership
    }

    /// What happens to it.
    pub fn action(&self) -> Action {
        self.action
    }

    /// The contents that will be written, when the file is written (or would be, if forced).
    pub fn contents(&self) -> Option<&str> {
        self.contents.as_deref()
    }
}

/// Everything [`apply`](super::apply) would do to a project, computed without writing anything,
/// so that a dry run shows exactly what a real run does.
///
/// Its [`Display`](fmt::Display) lists one line per path that changes, then a summary line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    files: Vec<PlannedFile>,
    manifest: Vec<u8>,
    manifest_action: Action,
    force: bool,
}

impl Plan {
    /// Every path the plan is about (rendered files and stale generated ones), in path order.
    /// The manifest is not among them; see [`Plan::manifest_action`].
    pub fn files(&self) -> &[PlannedFile] {
        &self.files
    }

    /// Whether the manifest is created, updated or unchanged.
    pub fn manifest_action(&self) -> Action {
        self.manifest_action
    }

    /// The manifest bytes the plan writes (when its action is not [`Action::Unchanged`]).
    pub fn manifest(&self) -> &[u8] {
        &self.manifest
    }

    /// The paths in conflict, in path order.
    pub fn conflicts(&self) -> Vec<FileConflict> {
        self.files
            .iter()
            .filter_map(|file| match file.action {
                Action::Conflict(conflict) => Some(FileConflict {
                    path: file.path.clone(),
                    conflict,
                }),
                _ => None,
            })
            .collect()
    }

    /// Whether the plan was made with [`PlanOptions::force`], so conflicts are overwritten or
    /// deleted instead of refused.
    pub fn is_forced(&self) -> bool {
        self.force
    }

    /// True when applying the plan would not change a single byte on disk.
    pub fn is_noop(&self) -> bool {
        self.manifest_action == Action::Unchanged
            && self
                .files
                .iter()
                .all(|file| matches!(file.action, Action::Unchanged | Action::Keep))
    }

    fn tally(&self, wanted: impl Fn(Action) -> bool) -> usize {
        self.files.iter().filter(|file| wanted(file.action)).count()
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for file in &self.files {
            let path = &file.path;
            match file.action {
                Action::Create => writeln!(f, "create {path}")?,
                Action::Update => writeln!(f, "update {path}")?,
                Action::Delete => writeln!(f, "delete {path}")?,
                Action::Unchanged | Action::Keep => {}
                Action::Conflict(conflict) if self.force => writeln!(
                    f,
                    "{} {path} ({}; --force)",
                    conflict.verb(),
                    conflict.reason()
                )?,
                Action::Conflict(conflict) => writeln!(
                    f,
                    "conflict {path} ({}; use --force to {})",
                    conflict.reason(),
                    conflict.verb()
                )?,
            }
        }
        match self.manifest_action {
            Action::Create => writeln!(f, "create {MANIFEST_PATH}")?,
            Action::Update => writeln!(f, "update {MANIFEST_PATH}")?,
            _ => {}
        }
        if self.is_noop() {
            write!(f, "nothing to do: ")?;
            count(
                f,
                self.tally(|action| action == Action::Unchanged),
                "generated file",
            )?;
            write!(f, " up to date, ")?;
            count(f, self.tally(|action| action == Action::Keep), "user file")?;
            return write!(f, " kept");
        }
        let parts = [
            (self.tally(|action| action == Action::Create), "to create"),
            (self.tally(|action| action == Action::Update), "to update"),
            (self.tally(|action| action == Action::Delete), "to delete"),
            (
                self.tally(|action| matches!(action, Action::Conflict(_))),
                "in conflict",
            ),
            (
                self.tally(|action| action == Action::Unchanged),
                "unchanged",
            ),
            (
                self.tally(|action| action == Action::Keep),
                "user files kept",
            ),
        ];
        let summary: Vec<String> = parts
            .into_iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, label)| format!("{n} {label}"))
            .collect();
        if summary.is_empty() {
            write!(f, "only the manifest changes")
        } else {
            write!(f, "{}", summary.join(", "))
        }
    }
}

/// Decides what to do with every path of `files` under `root`, and with every generated file of
/// the previous run that `files` no longer produces. Reads the disk and the manifest; writes
/// nothing, so it is also the dry run.
///
/// - A generated file is [`Action::Create`]d when missing, [`Action::Unchanged`] when it already
///   has the rendered bytes, [`Action::Update`]d when it is as seedwork last wrote it, and a
///   [`Action::Conflict`] when a person changed it (or seedwork never wrote it).
/// - A user file is created when missing and otherwise [`Action::Keep`]t.
/// - A file in the manifest that is no longer generated is [`Action::Delete`]d, or a conflict if
///   edited by hand.
///
/// Fails when a path would escape the root, when the manifest is corrupt, or when a file cannot
/// be read.
///
/// ```
/// use seedwork_cli::files::{FileSet, Ownership};
/// use seedwork_cli::write::{apply, plan, Action, ApplyOptions, PlanOptions};
///
/// let root = tempfile::tempdir()?;
/// let mut files = FileSet::default();
/// files.insert("src/generated/order.rs", Ownership::Generated, "pub struct Order;\n");
/// files.insert("src/rules.rs", Ownership::User, "// your rules\n");
///
/// let first = plan(root.path(), &files, &PlanOptions::default())?;
/// assert_eq!(first.files()[0].action(), Action::Create);
/// assert_eq!(
///     first.to_string(),
///     "create src/generated/order.rs\ncreate src/rules.rs\ncreate .seedwork/manifest.json\n\
///      2 to create"
/// );
/// apply(root.path(), &first, &ApplyOptions::default())?;
///
/// // The same files again: nothing to do.
/// let second = plan(root.path(), &files, &PlanOptions::default())?;
/// assert!(second.is_noop());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn plan(root: &Path, files: &FileSet, options: &PlanOptions) -> Result<Plan, WriteError> {
    let old = Manifest::load(root)?;
    let mut planned = BTreeMap::new();

    for (path, file) in files.iter() {
        check_rendered_path(path)?;
        let on_disk = join(root, path)?;
        let action = match file.ownership {
            Ownership::User => {
                if std::fs::symlink_metadata(&on_disk).is_ok() {
                    Action::Keep
                } else {
                    Action::Create
                }
            }
            Ownership::Generated => match read_if_exists(&on_disk)? {
                None => Action::Create,
                Some(current) if current == file.contents.as_bytes() => Action::Unchanged,
                Some(current) => match old.hash(path) {
                    Some(recorded) if recorded == sha256_hex(&current) => Action::Update,
                    Some(_) => Action::Conflict(Conflict::EditedByHand),
                    None => Action::Conflict(Conflict::NotGenerated),
                },
            },
        };
        let contents = match action {
            Action::Unchanged | Action::Keep => None,
            _ => Some(file.contents.clone()),
        };
        planned.insert(
            path.to_owned(),
            PlannedFile {
                path: path.to_owned(),
                ownership: file.ownership,
                action,
                contents,
            },
        );
    }

    for (path, recorded) in old.files() {
        if files.get(path).is_some() {
            // Still rendered: generated (handled above) or now a user file, which keeps
            // whatever is on disk and simply leaves the manifest.
            continue;
        }
        let action = match read_if_exists(&join(root, path)?)? {
            None => continue,
            Some(current) if sha256_hex(&current) == recorded => Action::Delete,
            Some(_) => Action::Conflict(Conflict::StaleEditedByHand),
        };
        planned.insert(
            path.to_owned(),
            PlannedFile {
                path: path.to_owned(),
                ownership: Ownership::Generated,
                action,
                contents: None,
            },
        );
    }

    let manifest = Manifest::for_files(files).render();
    let manifest_action = match read_if_exists(&join(root, MANIFEST_PATH)?)? {
        None => Action::Create,
        Some(current) if current == manifest => Action::Unchanged,
        Some(_) => Action::Update,
    };

    Ok(Plan {
        files: planned.into_values().collect(),
        manifest,
        manifest_action,
        force: options.force,
    })
}
