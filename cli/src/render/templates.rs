//! The template set: every template of `templates/` embedded in the binary, optionally
//! overridden file by file from a directory (`seedwork generate --templates DIR`), and
//! ejected to a directory so a team can start its own overrides from the real thing.
//!
//! A template is known by its path relative to `templates/`, with `/` separators
//! (`src/generated/domain/aggregate.rs.tera`). An override directory mirrors that layout and
//! may hold any subset of the templates; a file whose name is not a known template is an
//! error, so a typo never silently falls back to the embedded template.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

/// Every embedded template: its name and its text, in name order.
pub const EMBEDDED: &[(&str, &str)] = &[
    (
        "Cargo.toml.tera",
        include_str!("../../../templates/Cargo.toml.tera"),
    ),
    (
        "gitignore.tera",
        include_str!("../../../templates/gitignore.tera"),
    ),
    (
        "macros.tera",
        include_str!("../../../templates/macros.tera"),
    ),
    (
        "src/generated/api/aggregate.rs.tera",
        include_str!("../../../templates/src/generated/api/aggregate.rs.tera"),
    ),
    (
        "src/generated/api/checks.rs.tera",
        include_str!("../../../templates/src/generated/api/checks.rs.tera"),
    ),
    (
        "src/generated/api/mod.rs.tera",
        include_str!("../../../templates/src/generated/api/mod.rs.tera"),
    ),
    (
        "src/generated/api/queries.rs.tera",
        include_str!("../../../templates/src/generated/api/queries.rs.tera"),
    ),
    (
        "src/generated/application/mod.rs.tera",
        include_str!("../../../templates/src/generated/application/mod.rs.tera"),
    ),
    (
        "src/generated/application/integration.rs.tera",
        include_str!("../../../templates/src/generated/application/integration.rs.tera"),
    ),
    (
        "src/generated/application/policies.rs.tera",
        include_str!("../../../templates/src/generated/application/policies.rs.tera"),
    ),
    (
        "src/generated/application/read_models.rs.tera",
        include_str!("../../../templates/src/generated/application/read_models.rs.tera"),
    ),
    (
        "src/generated/domain/aggregate.rs.tera",
        include_str!("../../../templates/src/generated/domain/aggregate.rs.tera"),
    ),
    (
        "src/generated/domain/mod.rs.tera",
        include_str!("../../../templates/src/generated/domain/mod.rs.tera"),
    ),
    (
        "src/generated/domain/types.rs.tera",
        include_str!("../../../templates/src/generated/domain/types.rs.tera"),
    ),
    (
        "src/generated/infrastructure/mod.rs.tera",
        include_str!("../../../templates/src/generated/infrastructure/mod.rs.tera"),
    ),
    (
        "src/generated/mod.rs.tera",
        include_str!("../../../templates/src/generated/mod.rs.tera"),
    ),
    (
        "src/generated/service.rs.tera",
        include_str!("../../../templates/src/generated/service.rs.tera"),
    ),
    (
        "src/lib.rs.tera",
        include_str!("../../../templates/src/lib.rs.tera"),
    ),
    (
        "src/main.rs.tera",
        include_str!("../../../templates/src/main.rs.tera"),
    ),
    (
        "src/rules/aggregate.rs.tera",
        include_str!("../../../templates/src/rules/aggregate.rs.tera"),
    ),
    (
        "src/rules/mod.rs.tera",
        include_str!("../../../templates/src/rules/mod.rs.tera"),
    ),
    (
        "tests/generated_aggregate.rs.tera",
        include_str!("../../../templates/tests/generated_aggregate.rs.tera"),
    ),
    (
        "tests/generated_api.rs.tera",
        include_str!("../../../templates/tests/generated_api.rs.tera"),
    ),
];

/// Why a template set could not be loaded or ejected.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// A file in the override directory is not one of the known templates.
    #[error(
        "`{name}` in {dir} is not a seedwork template; the templates are: {known}",
        dir = dir.display(),
        known = known_names()
    )]
    Unknown {
        /// The override directory.
        dir: PathBuf,
        /// The file's path inside it, with `/` separators.
        name: String,
    },
    /// A file or directory could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What went wrong.
        source: io::Error,
    },
    /// `eject` found files it would overwrite; nothing was written.
    #[error(
        "refusing to overwrite existing files (nothing was written): {}",
        paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    )]
    WouldOverwrite {
        /// The files that already exist.
        paths: Vec<PathBuf>,
    },
}

/// The names of every embedded template, comma-separated.
fn known_names() -> String {
    EMBEDDED
        .iter()
        .map(|(name, _)| *name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where a template's text comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The template embedded in seedwork.
    Embedded,
    /// A file of an override directory.
    Override(PathBuf),
}

/// One template: its text and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// The template's text.
    pub text: String,
    /// Embedded or overridden.
    pub origin: Origin,
}

/// The templates a render uses: the embedded ones, some perhaps replaced by overrides.
///
/// ```
/// use seedwork_cli::render::templates::TemplateSet;
/// let set = TemplateSet::embedded();
/// assert!(set.get("src/lib.rs.tera").is_some());
/// assert_eq!(set.iter().count(), seedwork_cli::render::templates::EMBEDDED.len());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateSet {
    templates: BTreeMap<String, Template>,
}

impl Default for TemplateSet {
    fn default() -> Self {
        Self::embedded()
    }
}

impl TemplateSet {
    /// The templates embedded in seedwork.
    pub fn embedded() -> Self {
        let templates = EMBEDDED
            .iter()
            .map(|(name, text)| {
                (
                    (*name).to_owned(),
                    Template {
                        text: (*text).to_owned(),
                        origin: Origin::Embedded,
                    },
                )
            })
            .collect();
        Self { templates }
    }

    /// The embedded templates, with every file of `dir` replacing the template of the same
    /// name. Every file in `dir` (and its subdirectories) must be a known template.
    pub fn with_overrides(dir: &Path) -> Result<Self, TemplateError> {
        let mut set = Self::embedded();
        let mut files = Vec::new();
        collect_files(dir, dir, &mut files)?;
        for (name, path) in files {
            let Some(template) = set.templates.get_mut(&name) else {
                return Err(TemplateError::Unknown {
                    dir: dir.to_owned(),
                    name,
                });
            };
            let text = std::fs::read_to_string(&path).map_err(|source| TemplateError::Io {
                path: path.clone(),
                source,
            })?;
            *template = Template {
                text,
                origin: Origin::Override(path),
            };
        }
        Ok(set)
    }

    /// The template called `name`.
    pub fn get(&self, name: &str) -> Option<&Template> {
        self.templates.get(name)
    }

    /// Every template with its name, in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Template)> {
        self.templates
            .iter()
            .map(|(name, template)| (name.as_str(), template))
    }
}

/// Every file under `dir`, as (name relative to `root` with `/` separators, path), sorted.
fn collect_files(
    root: &Path,
    dir: &Path,
    files: &mut Vec<(String, PathBuf)>,
) -> Result<(), TemplateError> {
    let io_error = |source| TemplateError::Io {
        path: dir.to_owned(),
        source,
    };
    let mut entries = std::fs::read_dir(dir)
        .map_err(io_error)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(io_error)?;
    entries.sort_by_key(std::fs::DirEntry::path);
    for entry in entries {
        let path = entry.path();
        let file_type = entry.file_type().map_err(|source| TemplateError::Io {
            path: path.clone(),
            source,
        })?;
        if file_type.is_dir() {
            collect_files(root, &path, files)?;
        } else {
            let relative = path.strip_prefix(root).unwrap_or(&path);
            let name = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            files.push((name, path));
        }
    }
    Ok(())
}

/// Writes every embedded template into `dir` (created if missing), under its name, and
/// returns the paths written. Refuses, writing nothing, when any of them already exists.
pub fn eject(dir: &Path) -> Result<Vec<PathBuf>, TemplateError> {
    let targets: Vec<(PathBuf, &str)> = EMBEDDED
        .iter()
        .map(|(name, text)| (dir.join(name), *text))
        .collect();
    let existing: Vec<PathBuf> = targets
        .iter()
        .filter(|(path, _)| path.exists())
        .map(|(path, _)| path.clone())
        .collect();
    if !existing.is_empty() {
        return Err(TemplateError::WouldOverwrite { paths: existing });
    }
    let mut written = Vec::with_capacity(targets.len());
    for (path, text) in targets {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| TemplateError::Io {
                path: parent.to_owned(),
                source,
            })?;
        }
        // `create_new`: a file that appeared since the check above is not overwritten either.
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .and_then(|mut file| std::io::Write::write_all(&mut file, text.as_bytes()))
            .map_err(|source| TemplateError::Io {
                path: path.clone(),
                source,
            })?;
        written.push(path);
    }
    Ok(written)
}
