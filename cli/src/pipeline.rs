//! The generation pipeline from a checked model to files on disk: render → verify → write.
//!
//! Everything is rendered and verified in memory before the writer touches the disk, so a
//! template error or a generated file that does not parse leaves the project as it was.

use std::path::{Component, Path, PathBuf};

use crate::error::Error;
use crate::files::FileSet;
use crate::model::Model;
use crate::render::templates::TemplateSet;
use crate::render::RenderOptions;

/// The runtime features a generated project uses: both databases, the HTTP edge and NATS
/// (also for a context without integration events yet, so adding one to `domain.toml` never
/// needs an edit of the user-owned `Cargo.toml`).
pub const RUNTIME_FEATURES: &str = r#"["sqlite", "postgres", "http", "nats"]"#;

/// Where the runtime crate comes from in a new project's `Cargo.toml`.
#[derive(Debug, Clone)]
pub enum RuntimeSource {
    /// A path to the runtime's source (`runtime/` of a Seedwork checkout).
    Path(PathBuf),
    /// A registry version requirement (`"0.1"`).
    Version(String),
}

impl RuntimeSource {
    /// The runtime this binary was built from, when its source is still there; otherwise the
    /// registry version matching this binary.
    pub fn default_for_this_build() -> Self {
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime");
        match source.canonicalize() {
            Ok(path) if path.join("Cargo.toml").is_file() => RuntimeSource::Path(path),
            _ => RuntimeSource::Version(env!("CARGO_PKG_VERSION").to_owned()),
        }
    }

    /// The right-hand side of `seedwork = …` in a project at `root`: a relative path when the
    /// runtime is on disk, so the project does not depend on where it was generated.
    pub fn dependency(&self, root: &Path) -> String {
        match self {
            RuntimeSource::Version(version) => {
                format!("{{ version = {version:?}, features = {RUNTIME_FEATURES} }}")
            }
            RuntimeSource::Path(path) => {
                let absolute_root = absolute(root);
                let path = relative_path(&absolute_root, path)
                    .unwrap_or_else(|| path.clone())
                    .to_string_lossy()
                    .replace('\\', "/");
                format!("{{ path = {path:?}, features = {RUNTIME_FEATURES} }}")
            }
        }
    }
}

/// `root` made absolute without touching the disk more than needed (it may not exist yet).
fn absolute(root: &Path) -> PathBuf {
    let joined = if root.is_absolute() {
        root.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(root)
    };
    // Resolve the deepest existing ancestor, then re-append the rest.
    let mut existing = joined.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (
            existing.file_name().map(|n| n.to_owned()),
            existing.parent(),
        ) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => break,
        }
    }
    let mut resolved = existing.canonicalize().unwrap_or(existing);
    for name in rest.into_iter().rev() {
        resolved.push(name);
    }
    resolved
}

/// `target` relative to the directory `from` (both absolute).
fn relative_path(from: &Path, target: &Path) -> Option<PathBuf> {
    let from: Vec<Component<'_>> = from.components().collect();
    let target: Vec<Component<'_>> = target.components().collect();
    let common = from
        .iter()
        .zip(target.iter())
        .take_while(|(a, b)| a == b)
        .count();
    if common == 0 {
        return None;
    }
    let mut relative = PathBuf::new();
    for _ in common..from.len() {
        relative.push("..");
    }
    for component in &target[common..] {
        relative.push(component.as_os_str());
    }
    Some(relative)
}

/// Renders and verifies every file of the project at `root`.
pub fn render_project(
    model: &Model,
    templates: &TemplateSet,
    runtime: &RuntimeSource,
    root: &Path,
) -> Result<FileSet, Error> {
    let options = RenderOptions {
        runtime_dependency: runtime.dependency(root),
    };
    let mut files = crate::render::render(model, templates, &options)?;
    crate::verify::check_and_format(&mut files)?;
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        let relative = relative_path(
            Path::new("/work/main/examples/bank"),
            Path::new("/work/main/runtime"),
        );
        assert_eq!(relative, Some(PathBuf::from("../../runtime")));
        assert_eq!(
            relative_path(Path::new("/tmp/x"), Path::new("/tmp/x/runtime")),
            Some(PathBuf::from("runtime"))
        );
    }
}
