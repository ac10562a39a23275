//! The one error type of the runtime, with the kinds every layer agrees on.
//!
//! Each kind maps to exactly one HTTP status so that an API edge never has to guess: a
//! refused command is a 4xx with a reason, a broken database is a 5xx, and bad input is
//! never a 500.

use serde::{Deserialize, Serialize};

/// A shorthand for results whose error is the runtime's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One failed constraint on one field of a command, query or value object.
///
/// The `path` names the field as the caller sent it (`address.zip`, `lines[2].quantity`),
/// so a client can put the message next to the input that caused it.
///
/// ```
/// use seedwork::FieldError;
/// let e = FieldError::new("amount", "must be positive");
/// assert_eq!(e.to_string(), "amount: must be positive");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "http", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// Dotted path of the field, e.g. `address.zip`.
    pub path: String,
    /// What is wrong, in words a user can act on.
    pub message: String,
}

impl FieldError {
    /// A field error at `path` saying `message`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// The coarse category of an [`Error`]: what a caller can do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The request is malformed: one or more fields break their constraints.
    Validation,
    /// The addressed aggregate, read model or record does not exist.
    NotFound,
    /// Someone else changed the data first (stale expected version), or it already exists.
    Conflict,
    /// No principal was presented where one is required.
    Unauthorized,
    /// The principal lacks a role the request requires.
    Forbidden,
    /// A business rule refused the request (insufficient funds, wrong lifecycle state).
    Domain,
    /// Storage, network or configuration failed; the request may be retried later.
    Infrastructure,
}

/// Everything that can go wrong when a command, query or event passes through Seedwork.
///
/// ```
/// use seedwork::{Error, ErrorKind};
/// let refused = Error::domain("insufficient funds");
/// assert_eq!(refused.kind(), ErrorKind::Domain);
/// assert_eq!(refused.status(), 422);
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Every field error found, not only the first.
    #[error("validation failed: {}", join(.0))]
    Validation(Vec<FieldError>),

    /// The target does not exist.
    #[error("{what} {id} not found")]
    NotFound {
        /// What kind of thing was looked for (`Account`, `KitchenTicket`).
        what: String,
        /// The identifier that was looked up.
        id: String,
    },

    /// The stream or record changed since it was read, or a creating command met an existing one.
    #[error("conflict on {stream}: {reason}")]
    Conflict {
        /// The stream or record that conflicted, as `Type-id`.
        stream: String,
        /// Why: expected versus actual version, or "already exists".
        reason: String,
    },

    /// An event of the batch is stored already (its id is taken): the request that records it
    /// ran before. Requests with an idempotency key get the same event ids each time they
    /// run, so a request repeated after a crash is refused this way instead of recording its
    /// events twice.
    #[error("already recorded in {stream}: an event of this request is stored already")]
    AlreadyRecorded {
        /// The stream the batch was for, as `Type-id`.
        stream: String,
    },

    /// A principal is required but none was presented.
    #[error("unauthorized: {0}")]
    Unauthorized(String),

    /// The principal is known but lacks the role the request needs.
    #[error("forbidden: {0}")]
    Forbidden(String),

    /// A business rule refused the request.
    #[error("{0}")]
    Domain(String),

    /// The aggregate's lifecycle does not accept the command in its current state (a
    /// business refusal too, of kind [`ErrorKind::Domain`], told apart from the aggregate's
    /// own rules so callers and tests can tell which refused).
    #[error(transparent)]
    WrongState(crate::lifecycle::LifecycleError),

    /// A stored event or snapshot could not be decoded into its Rust type.
    #[error("cannot decode {what} at {stream} version {version}: {message}")]
    Decode {
        /// `event` or `snapshot` or `state`.
        what: &'static str,
        /// The stream, as `Type-id`.
        stream: String,
        /// The version of the undecodable record.
        version: u64,
        /// The decoder's explanation.
        message: String,
    },

    /// The mediator or a store was set up wrongly (a command with two handlers, a missing handler).
    #[error("configuration error: {0}")]
    Configuration(String),

    /// Storage, serialization or another dependency failed.
    #[error("infrastructure error: {0}")]
    Infrastructure(String),
}

fn join(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl Error {
    /// A business rule refused the request with this message.
    pub fn domain(message: impl Into<String>) -> Self {
        Self::Domain(message.into())
    }

    /// A single field error, for handlers that validate one thing by hand.
    pub fn invalid(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(path, message)])
    }

    /// `what` with identifier `id` does not exist.
    pub fn not_found(what: impl Into<String>, id: impl std::fmt::Display) -> Self {
        Self::NotFound {
            what: what.into(),
            id: id.to_string(),
        }
    }

    /// A stale expected version on `stream`.
    pub fn version_conflict(
        stream: impl std::fmt::Display,
        expected: u64,
        actual: Option<u64>,
    ) -> Self {
        let reason = match actual {
            Some(actual) => format!("expected version {expected}, found {actual}"),
            None => format!("expected version {expected}, but the stream has moved on"),
        };
        Self::Conflict {
            stream: stream.to_string(),
            reason,
        }
    }

    /// Wraps any storage or transport failure.
    pub fn infrastructure(error: impl std::fmt::Display) -> Self {
        Self::Infrastructure(error.to_string())
    }

    /// The category of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Validation(_) => ErrorKind::Validation,
            Self::NotFound { .. } => ErrorKind::NotFound,
            Self::Conflict { .. } | Self::AlreadyRecorded { .. } => ErrorKind::Conflict,
            Self::Unauthorized(_) => ErrorKind::Unauthorized,
            Self::Forbidden(_) => ErrorKind::Forbidden,
            Self::Domain(_) | Self::WrongState(_) => ErrorKind::Domain,
            Self::Decode { .. } | Self::Configuration(_) | Self::Infrastructure(_) => {
                ErrorKind::Infrastructure
            }
        }
    }

    /// True for a concurrency conflict, the one error a retry can cure.
    pub fn is_conflict(&self) -> bool {
        self.kind() == ErrorKind::Conflict
    }

    /// True when the same request may succeed if tried again later: a concurrency conflict,
    /// or storage, network or configuration trouble. A refusal (validation, not found, a
    /// business rule, a missing role) or a request that ran before
    /// ([`Error::AlreadyRecorded`]) answers the same every time.
    ///
    /// ```
    /// use seedwork::Error;
    /// assert!(Error::infrastructure("connection reset").is_retryable());
    /// assert!(Error::version_conflict("Order-1", 2, Some(3)).is_retryable());
    /// assert!(!Error::domain("insufficient funds").is_retryable());
    /// assert!(!Error::not_found("Basket", 7).is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Conflict { .. } | Self::Infrastructure(_) | Self::Configuration(_)
        )
    }

    /// The field errors of a validation failure; empty for every other kind.
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            Self::Validation(errors) => errors,
            _ => &[],
        }
    }
}

impl From<serde_json::Error> for Error {
    fn from(error: serde_json::Error) -> Self {
        Self::Infrastructure(format!("serialization: {error}"))
    }
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Self {
        Self::Infrastructure(format!("database: {error}"))
    }
}

impl From<std::convert::Infallible> for Error {
    fn from(never: std::convert::Infallible) -> Self {
        match never {}
    }
}
