//! Failures as `application/problem+json` answers.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::error::{Error, ErrorKind, FieldError};
use crate::problem::{ProblemDetails, PROBLEM_JSON};

/// An HTTP failure: a status and an RFC 9457 problem body.
///
/// Every [`Error`] converts into one with the status its kind maps to (validation and
/// business rules 422, not found 404, conflict 409, 401, 403, infrastructure 500 without its
/// details); the constructors cover what only the HTTP layer can get wrong.
///
/// ```
/// use axum::response::IntoResponse;
/// use seedwork::{http::Problem, Error};
/// let response = Problem::from(Error::not_found("Order", 7)).into_response();
/// assert_eq!(response.status(), 404);
/// assert_eq!(response.headers()["content-type"], "application/problem+json");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The status to answer with.
    pub status: StatusCode,
    /// The body.
    pub details: ProblemDetails,
}

impl Problem {
    /// A problem of the HTTP layer itself: `status`, a type slug, a title and a detail.
    pub fn new(status: StatusCode, slug: &str, title: &str, detail: impl Into<String>) -> Self {
        Self {
            status,
            details: ProblemDetails {
                type_uri: format!("https://seedwork.dev/problems/{slug}"),
                title: title.to_owned(),
                status: status.as_u16(),
                detail: detail.into(),
                errors: Vec::new(),
            },
        }
    }

    /// 400: the request cannot be read at all (JSON that does not parse, a bad header).
    pub fn malformed(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "malformed-request",
            "The request is malformed",
            detail,
        )
    }

    /// 415: the body is not JSON.
    pub fn unsupported_media_type(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
            detail,
        )
    }

    /// 404 for a path no route answers.
    pub fn no_route(path: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not-found",
            "Not found",
            format!("no route answers {path}"),
        )
    }

    /// 405 for a route that exists with other methods.
    pub fn method_not_allowed(method: &str, path: &str) -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method-not-allowed",
            "Method not allowed",
            format!("{path} does not accept {method}"),
        )
    }

    /// 422 with these field errors: a well-formed request whose values break constraints.
    pub fn invalid(errors: Vec<FieldError>) -> Self {
        Self::from(Error::Validation(errors))
    }
}

impl From<Error> for Problem {
    fn from(error: Error) -> Self {
        if error.kind() == ErrorKind::Infrastructure {
            tracing::error!(%error, "request failed");
        }
        let details = error.to_problem();
        Self {
            status: StatusCode::from_u16(details.status)
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            details,
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.details).unwrap_or_else(|_| b"{}".to_vec());
        (
            self.status,
            [(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON))],
            body,
        )
            .into_response()
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        Problem::from(self).into_response()
    }
}
