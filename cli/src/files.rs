//! The in-memory result of rendering: every file a spec produces, with who owns it.
//!
//! Rendering never touches the disk. It produces a [`FileSet`], which the writer compares with
//! what is on disk (and with the manifest of the previous run) before anything is written.

use std::collections::BTreeMap;

/// Who owns a file in a generated project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ownership {
    /// Rewritten on every run, recorded with its hash in the manifest; a person must not edit it.
    Generated,
    /// Written once when missing, then never touched again: business rules, `main.rs`.
    User,
}

/// One rendered file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedFile {
    /// Who owns the file.
    pub ownership: Ownership,
    /// The file's contents.
    pub contents: String,
}

/// Every file a spec produces, keyed by its path relative to the project root, with `/`
/// separators. A `BTreeMap`, so iteration (and therefore output) is deterministic.
///
/// ```
/// use seedwork_cli::files::{FileSet, Ownership};
/// let mut files = FileSet::default();
/// files.insert("src/generated/mod.rs", Ownership::Generated, "//! generated\n");
/// assert_eq!(files.len(), 1);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileSet {
    files: BTreeMap<String, RenderedFile>,
}

impl FileSet {
    /// Adds (or replaces) the file at `path`.
    pub fn insert(
        &mut self,
        path: impl Into<String>,
        ownership: Ownership,
        contents: impl Into<String>,
    ) {
        self.files.insert(
            path.into(),
            RenderedFile {
                ownership,
                contents: contents.into(),
            },
        );
    }

    /// The file at `path`, if rendered.
    pub fn get(&self, path: &str) -> Option<&RenderedFile> {
        self.files.get(path)
    }

    /// Every file, in path order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &RenderedFile)> {
        self.files.iter().map(|(path, file)| (path.as_str(), file))
    }

    /// Mutable access to every file, in path order (the formatter rewrites contents in place).
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&str, &mut RenderedFile)> {
        self.files
            .iter_mut()
            .map(|(path, file)| (path.as_str(), file))
    }

    /// How many files there are.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// True when nothing was rendered.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}
