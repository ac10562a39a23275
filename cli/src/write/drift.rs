//! Comparing the disk with a freshly rendered file set: what `seedwork check` runs in CI.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use similar::TextDiff;

use super::manifest::{Manifest, MANIFEST_PATH};
use super::{check_rendered_path, count, join, read_if_exists, WriteError};
use crate::files::{FileSet, Ownership};

/// How a generated file on disk differs from what the spec renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DriftKind {
    /// On disk with other contents (edited by hand, or the spec changed without regenerating).
    Changed,
    /// Rendered, but not on disk.
    Missing,
    /// In the manifest and on disk, but the spec no longer produces it.
    Stale,
}

impl DriftKind {
    fn label(self) -> &'static str {
        match self {
            DriftKind::Changed => "changed",
            DriftKind::Missing => "missing",
            DriftKind::Stale => "stale",
        }
    }
}

/// One generated file that differs from the spec, with the unified diff from the disk to the
/// rendered contents (`a/` is the disk, `b/` the spec; `/dev/null` for a missing or stale file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    /// The path, relative to the project root.
    pub path: String,
    /// How it differs.
    pub kind: DriftKind,
    /// The unified diff (3 lines of context) that regenerating would apply.
    pub diff: String,
}

/// Everything on disk that differs from the spec, so that CI can fail with a readable diff when
/// someone forgot to regenerate or edited a generated file.
///
/// Its [`Display`](fmt::Display) prints every diff in path order, then a one-line summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriftReport {
    /// The generated files that differ, in path order.
    pub files: Vec<Drift>,
    /// True when the manifest on disk is not the one generating would write (for instance it
    /// still lists a stale file, or it is missing).
    pub manifest_out_of_date: bool,
    /// How many generated files the spec renders (for the summary of a clean report).
    pub generated: usize,
}

impl DriftReport {
    /// True when the generated files and the manifest on disk are exactly what the spec renders.
    pub fn is_clean(&self) -> bool {
        self.files.is_empty() && !self.manifest_out_of_date
    }

    /// How many files drifted in the given way.
    pub fn count(&self, kind: DriftKind) -> usize {
        self.files.iter().filter(|drift| drift.kind == kind).count()
    }
}

impl fmt::Display for DriftReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for drift in &self.files {
            write!(f, "{}", drift.diff)?;
            if !drift.diff.ends_with('\n') {
                writeln!(f)?;
            }
        }
        if self.is_clean() {
            write!(f, "all ")?;
            count(f, self.generated, "generated file")?;
            return write!(f, " match the spec");
        }
        if !self.files.is_empty() {
            count(f, self.files.len(), "generated file")?;
            write!(
                f,
                " {} from the spec: ",
                if self.files.len() == 1 {
                    "differs"
                } else {
                    "differ"
                }
            )?;
            let kinds: Vec<String> = [DriftKind::Changed, DriftKind::Missing, DriftKind::Stale]
                .into_iter()
                .map(|kind| (self.count(kind), kind.label()))
                .filter(|(n, _)| *n > 0)
                .map(|(n, label)| format!("{n} {label}"))
                .collect();
            write!(f, "{}", kinds.join(", "))?;
            if self.manifest_out_of_date {
                write!(f, "; ")?;
            }
        }
        if self.manifest_out_of_date {
            write!(f, "the manifest {MANIFEST_PATH} is out of date")?;
        }
        Ok(())
    }
}

/// Compares the generated files under `root` with `files` as just rendered, without writing
/// anything. User files are ignored: they are the user's to change, and one that is missing is
/// written by the next generation, not drift.
///
/// Fails only when the disk cannot be read, the manifest is corrupt, or a path is invalid.
///
/// ```
/// use seedwork_cli::files::{FileSet, Ownership};
/// use seedwork_cli::write::{drift, DriftKind};
///
/// let root = tempfile::tempdir()?;
/// let mut files = FileSet::default();
/// files.insert("src/generated/order.rs", Ownership::Generated, "pub struct Order;\n");
///
/// let report = drift(root.path(), &files)?;
/// assert_eq!(report.files[0].kind, DriftKind::Missing);
/// assert!(report.to_string().ends_with(
///     "1 generated file differs from the spec: 1 missing; \
///      the manifest .seedwork/manifest.json is out of date"
/// ));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn drift(root: &Path, files: &FileSet) -> Result<DriftReport, WriteError> {
    let old = Manifest::load(root)?;
    let mut drifts = BTreeMap::new();
    let mut generated = 0;

    for (path, file) in files.iter() {
        check_rendered_path(path)?;
        if file.ownership != Ownership::Generated {
            continue;
        }
        generated += 1;
        match read_if_exists(&join(root, path)?)? {
            None => {
                let diff = unified_diff("", &file.contents, "/dev/null", &format!("b/{path}"));
                drifts.insert(path.to_owned(), (DriftKind::Missing, diff));
            }
            Some(current) if current != file.contents.as_bytes() => {
                let mut diff = unified_diff(
                    &String::from_utf8_lossy(&current),
                    &file.contents,
                    &format!("a/{path}"),
                    &format!("b/{path}"),
                );
                if diff.is_empty() {
                    // The bytes differ only where the file on disk is not valid UTF-8.
                    diff = format!("Files a/{path} and b/{path} differ (not valid UTF-8)\n");
                }
                drifts.insert(path.to_owned(), (DriftKind::Changed, diff));
            }
            Some(_) => {}
        }
    }

    for (path, _) in old.files() {
        if files.get(path).is_some() {
            continue;
        }
        if let Some(current) = read_if_exists(&join(root, path)?)? {
            let diff = unified_diff(
                &String::from_utf8_lossy(&current),
                "",
                &format!("a/{path}"),
                "/dev/null",
            );
            drifts.insert(path.to_owned(), (DriftKind::Stale, diff));
        }
    }

    let manifest = Manifest::for_files(files).render();
    let manifest_out_of_date =
        read_if_exists(&join(root, MANIFEST_PATH)?)?.as_deref() != Some(manifest.as_slice());

    Ok(DriftReport {
        files: drifts
            .into_iter()
            .map(|(path, (kind, diff))| Drift { path, kind, diff })
            .collect(),
        manifest_out_of_date,
        generated,
    })
}

fn unified_diff(old: &str, new: &str, old_header: &str, new_header: &str) -> String {
    TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(old_header, new_header)
        .to_string()
}
