//! RFC 9457 problem details: how an [`Error`] looks on the wire.

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, FieldError};

/// The media type of a problem details body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 `application/problem+json` body.
///
/// ```
/// use seedwork::{Error, FieldError};
/// let problem = Error::Validation(vec![
///     FieldError::new("amount", "must be positive"),
///     FieldError::new("currency", "must be three letters"),
/// ])
/// .to_problem();
/// assert_eq!(problem.status, 422);
/// assert_eq!(problem.errors.len(), 2);
/// let json = serde_json::to_value(&problem).unwrap();
/// assert_eq!(json["type"], "https://seedwork.dev/problems/validation");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "http", derive(utoipa::ToSchema))]
pub struct ProblemDetails {
    /// A URI naming the problem type; stable per [`ErrorKind`].
    #[serde(rename = "type")]
    pub type_uri: String,
    /// A short summary of the problem type.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What happened in this occurrence.
    pub detail: String,
    /// Every field error, for validation problems.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl ErrorKind {
    /// The HTTP status this kind of error is answered with.
    pub fn status(self) -> u16 {
        match self {
            ErrorKind::Validation | ErrorKind::Domain => 422,
            ErrorKind::NotFound => 404,
            ErrorKind::Conflict => 409,
            ErrorKind::Unauthorized => 401,
            ErrorKind::Forbidden => 403,
            ErrorKind::Infrastructure => 500,
        }
    }

    /// The stable problem type slug used in the `type` URI.
    pub fn slug(self) -> &'static str {
        match self {
            ErrorKind::Validation => "validation",
            ErrorKind::NotFound => "not-found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::Domain => "domain-rule",
            ErrorKind::Infrastructure => "infrastructure",
        }
    }

    fn title(self) -> &'static str {
        match self {
            ErrorKind::Validation => "The request is invalid",
            ErrorKind::NotFound => "Not found",
            ErrorKind::Conflict => "Conflict",
            ErrorKind::Unauthorized => "Authentication required",
            ErrorKind::Forbidden => "Forbidden",
            ErrorKind::Domain => "A business rule refused the request",
            ErrorKind::Infrastructure => "Internal error",
        }
    }
}

impl Error {
    /// The HTTP status for this error.
    pub fn status(&self) -> u16 {
        self.kind().status()
    }

    /// This error as a problem details body. Infrastructure details are not leaked to clients.
    ///
    /// A refusal by the lifecycle has its own problem type (`…/problems/lifecycle`), apart
    /// from a refusal by a business rule (`…/problems/domain-rule`); both are 422.
    pub fn to_problem(&self) -> ProblemDetails {
        let kind = self.kind();
        let detail = match kind {
            ErrorKind::Infrastructure => "the service could not complete the request".to_owned(),
            _ => self.to_string(),
        };
        let (slug, title) = match self {
            Error::WrongState(_) => ("lifecycle", "The command is not allowed in this state"),
            _ => (kind.slug(), kind.title()),
        };
        ProblemDetails {
            type_uri: format!("https://seedwork.dev/problems/{slug}"),
            title: title.to_owned(),
            status: kind.status(),
            detail,
            errors: self.field_errors().to_vec(),
        }
    }
}
