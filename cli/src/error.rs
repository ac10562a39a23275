//! The crate's error type: everything that stops a `seedwork` command, with what and where.

use std::path::PathBuf;

/// Why a `seedwork` command could not do its job.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The spec has errors; they were printed as diagnostics.
    #[error("{path} has {errors} error(s); nothing was written")]
    InvalidSpec {
        /// The spec file.
        path: String,
        /// How many errors.
        errors: usize,
    },
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// Rendering failed (a template error or an invalid override).
    #[error(transparent)]
    Render(#[from] crate::render::RenderError),
    /// Loading or ejecting templates failed.
    #[error(transparent)]
    Templates(#[from] crate::render::templates::TemplateError),
    /// A generated file does not parse or could not be formatted.
    #[error(transparent)]
    Verify(#[from] crate::verify::VerifyError),
    /// Writing the project failed; the tree is as it was.
    #[error(transparent)]
    Write(#[from] crate::write::WriteError),
    /// The command was asked to do something unsafe (overwrite a spec, fill a non-empty directory).
    #[error("{0}")]
    Refused(String),
}

impl Error {
    /// An I/O error at `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
