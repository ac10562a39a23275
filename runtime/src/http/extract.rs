//! Extractors that reject malformed requests with problem+json answers.

use std::sync::{Arc, OnceLock};

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, FailedToBufferBody};
use axum::extract::{FromRef, FromRequest, FromRequestParts, Request};
use axum::http::header::{self, HeaderMap};
use axum::http::request::Parts;
use regex_lite::Regex;
use serde::de::DeserializeOwned;

use super::auth::Authenticator;
use super::problem::Problem;
use crate::error::FieldError;
use crate::metadata::Metadata;

/// A request body that can list every constraint its content breaks, nested values included.
///
/// [`JsonBody`] decodes a body without stopping at the first invalid value object, then asks
/// the body for all of its errors: the body must check every value object it holds, at any
/// depth, and its own fields' constraints. Generated APIs implement it for their request
/// bodies.
///
/// ```
/// use seedwork::{http::CheckFields, FieldError};
/// #[derive(serde::Deserialize)]
/// struct Rename { name: String }
/// impl CheckFields for Rename {
///     fn check_fields(&self, at: &str, errors: &mut Vec<FieldError>) {
///         if self.name.is_empty() {
///             errors.push(FieldError::new(seedwork::http::join(at, "name"), "must not be empty"));
///         }
///     }
/// }
/// ```
pub trait CheckFields {
    /// Appends every broken constraint of this value to `errors`, with paths from the body:
    /// `at` is where this value is (`""` for the body itself, `pizzas[0]` for an item; see
    /// [`join`] and [`within`]).
    fn check_fields(&self, at: &str, errors: &mut Vec<FieldError>);
}

/// The path of `field` inside the value at `at` (`""` for the body itself).
///
/// ```
/// use seedwork::http::join;
/// assert_eq!(join("", "pizzas"), "pizzas");
/// assert_eq!(join("pizzas[0]", "name"), "pizzas[0].name");
/// ```
pub fn join(at: &str, field: &str) -> String {
    if at.is_empty() {
        field.to_owned()
    } else if field.is_empty() {
        at.to_owned()
    } else {
        format!("{at}.{field}")
    }
}

/// `error`, whose path is relative to the value at `at`, with its path from the body.
///
/// ```
/// use seedwork::{http::within, FieldError};
/// let error = within("pizzas[1]", FieldError::new("quantity", "must be at most 10, got 11"));
/// assert_eq!(error.path, "pizzas[1].quantity");
/// ```
pub fn within(at: &str, error: FieldError) -> FieldError {
    FieldError {
        path: join(at, &error.path),
        message: error.message,
    }
}

/// A JSON request body of type `T`, decoded and checked in full.
///
/// | request | answer |
/// |---|---|
/// | no `Content-Type: application/json` (or `…+json`) | 415 |
/// | a body over the router's limit | 413 |
/// | not JSON | 400, with the line and column |
/// | JSON of the wrong shape (a missing field, a string for a number) | 422 naming the field |
/// | values that break constraints | 422 listing every one, with its path |
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

fn is_json(headers: &HeaderMap) -> bool {
    let Some(content_type) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
    else {
        return false;
    };
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// The field error for a body that does not fit the expected shape: the path of the value
/// that failed, and for a missing field the field itself.
fn shape_error(error: &serde_path_to_error::Error<serde_json::Error>) -> FieldError {
    let path = error.path().to_string();
    let message = error.inner().to_string();
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'));
    match (path.as_str(), missing) {
        (".", Some(field)) => FieldError::new(field, "is required"),
        (_, Some(field)) => FieldError::new(format!("{path}.{field}"), "is required"),
        (".", None) => FieldError::new("", message),
        (_, None) => FieldError::new(path, message),
    }
}

/// Every string of `value` that holds a NUL character, by path: no business text holds one,
/// and PostgreSQL cannot store one in `jsonb`, so it is refused at the edge.
fn nul_characters(value: &serde_json::Value, at: &str, errors: &mut Vec<FieldError>) {
    match value {
        serde_json::Value::String(text) if text.contains('\0') => {
            errors.push(FieldError::new(at, "must not contain the NUL character"));
        }
        serde_json::Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                nul_characters(item, &format!("{at}[{index}]"), errors);
            }
        }
        serde_json::Value::Object(fields) => {
            for (key, field) in fields {
                if key.contains('\0') {
                    errors.push(FieldError::new(
                        at,
                        "a key must not contain the NUL character",
                    ));
                }
                nul_characters(field, &join(at, key), errors);
            }
        }
        _ => {}
    }
}

/// Decodes `bytes` as a `T` and checks it: the steps of [`JsonBody`] after the headers.
pub(crate) fn decode<T: DeserializeOwned + CheckFields>(bytes: &[u8]) -> Result<T, Problem> {
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|error| Problem::malformed(format!("the body is not valid JSON: {error}")))?;
    let mut nul = Vec::new();
    nul_characters(&value, "", &mut nul);
    if !nul.is_empty() {
        return Err(Problem::invalid(nul));
    }
    let body: T =
        crate::__private::deferring_validation(|| serde_path_to_error::deserialize::<_, T>(value))
            .map_err(|error| Problem::invalid(vec![shape_error(&error)]))?;
    let mut errors = Vec::new();
    body.check_fields("", &mut errors);
    if errors.is_empty() {
        Ok(body)
    } else {
        Err(Problem::invalid(errors))
    }
}

impl<T, S> FromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned + CheckFields,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Problem> {
        if !is_json(request.headers()) {
            return Err(Problem::unsupported_media_type(
                "send the body as JSON, with `Content-Type: application/json`",
            ));
        }
        let bytes =
            Bytes::from_request(request, state)
                .await
                .map_err(|rejection| match rejection {
                    BytesRejection::FailedToBufferBody(FailedToBufferBody::LengthLimitError(_)) => {
                        Problem::new(
                            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                            "payload-too-large",
                            "The request body is too large",
                            "the body exceeds the service's limit",
                        )
                    }
                    other => Problem::malformed(other.body_text()),
                })?;
        decode(&bytes).map(JsonBody)
    }
}

/// The [`Metadata`] of a request: the caller its credentials name (through the state's
/// [`Authenticator`]), and the optional headers a client may send.
///
/// | header | becomes |
/// |---|---|
/// | `Authorization: Bearer <token>` | [`Metadata::principal`]; an unknown token is 401 |
/// | `Idempotency-Key: <1–200 visible ASCII characters>` | [`Metadata::idempotency_key`] |
/// | `If-Match: "<version>"` (the `ETag` of an earlier answer) | [`Metadata::expected_version`] |
/// | `X-Correlation-Id: <uuid>` | [`Metadata::correlation_id`] |
///
/// A header that is present but malformed is a 400, never ignored.
#[derive(Debug, Clone)]
pub struct RequestMetadata(pub Metadata);

/// What an `Idempotency-Key` header must be: 1 to 200 visible ASCII characters, spaces
/// allowed between them. The OpenAPI document states the same rule (see
/// [`document_request_headers`](super::document_request_headers)).
pub const IDEMPOTENCY_KEY_PATTERN: &str = "^[!-~]([ -~]{0,198}[!-~])?$";

/// What an `If-Match` header must be: `*`, or the `ETag` of an earlier answer, a version in
/// quotes (`"3"`, weak `W/"3"` too).
pub const IF_MATCH_PATTERN: &str = "^(\\*|(W/)?\"[0-9]+\")$";

/// Whether `text` matches `pattern`, compiled once into `cell` (a test makes sure each
/// pattern compiles).
fn matches(pattern: &str, cell: &OnceLock<Option<Regex>>, text: &str) -> bool {
    cell.get_or_init(|| Regex::new(pattern).ok())
        .as_ref()
        .is_some_and(|rule| rule.is_match(text))
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Result<Option<&'a str>, Problem> {
    headers
        .get(name)
        .map(|value| {
            value
                .to_str()
                .map(str::trim)
                .map_err(|_| Problem::malformed(format!("the {name} header is not visible ASCII")))
        })
        .transpose()
}

/// Whether `key` is an idempotency key the service accepts ([`IDEMPOTENCY_KEY_PATTERN`]).
fn is_idempotency_key(key: &str) -> bool {
    static RULE: OnceLock<Option<Regex>> = OnceLock::new();
    matches(IDEMPOTENCY_KEY_PATTERN, &RULE, key)
}

/// The version an `If-Match` header names: `"3"` (or `W/"3"`); `*` names none. A version
/// too large for any aggregate to have reached is stale, not malformed.
fn expected_version(if_match: &str) -> Result<Option<u64>, Problem> {
    static RULE: OnceLock<Option<Regex>> = OnceLock::new();
    if !matches(IF_MATCH_PATTERN, &RULE, if_match) {
        return Err(Problem::malformed(format!(
            "If-Match must be the ETag of an earlier answer, like \"3\"; got {if_match}"
        )));
    }
    if if_match == "*" {
        return Ok(None);
    }
    let digits = if_match.trim_start_matches("W/").trim_matches('"');
    Ok(Some(digits.parse::<u64>().unwrap_or(u64::MAX)))
}

/// The metadata the headers of a request describe, with `principal` as the caller.
pub(crate) fn metadata_of(
    headers: &HeaderMap,
    principal: Option<crate::Principal>,
) -> Result<Metadata, Problem> {
    let mut metadata = Metadata::new();
    metadata.principal = principal;
    if let Some(correlation) = header_text(headers, "x-correlation-id")? {
        metadata.correlation_id = correlation.parse().map_err(|_| {
            Problem::malformed(format!(
                "X-Correlation-Id must be a uuid; got {correlation}"
            ))
        })?;
    }
    if let Some(key) = header_text(headers, "idempotency-key")? {
        if !is_idempotency_key(key) {
            return Err(Problem::malformed(
                "Idempotency-Key must be 1 to 200 visible ASCII characters (spaces between them)",
            ));
        }
        metadata.idempotency_key = Some(key.to_owned());
    }
    if let Some(if_match) = header_text(headers, "if-match")? {
        metadata.expected_version = expected_version(if_match)?;
    }
    Ok(metadata)
}

impl<S> FromRequestParts<S> for RequestMetadata
where
    Arc<dyn Authenticator>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        let authenticator = <Arc<dyn Authenticator>>::from_ref(state);
        let principal = authenticator.authenticate(&parts.headers).await?;
        metadata_of(&parts.headers, principal).map(RequestMetadata)
    }
}

/// Refuses a URI whose path or query carries a NUL character (`%00`): no id or filter holds
/// one, and PostgreSQL cannot store or compare one.
fn no_nul(parts: &Parts) -> Result<(), Problem> {
    let uri = parts.uri.to_string();
    if uri.contains('\0') || uri.to_ascii_lowercase().contains("%00") {
        return Err(Problem::malformed("the URI holds a NUL character (%00)"));
    }
    Ok(())
}

/// Path parameters of type `T`; a parameter that does not parse is a 400 naming it.
#[derive(Debug, Clone)]
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        no_nul(parts)?;
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| ApiPath(value))
            .map_err(|rejection| Problem::malformed(rejection.body_text()))
    }
}

/// Query-string parameters of type `T`; one that does not parse is a 400 naming it.
#[derive(Debug, Clone)]
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        no_nul(parts)?;
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| ApiQuery(value))
            .map_err(|rejection| Problem::malformed(rejection.body_text()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_names_a_version() {
        assert_eq!(expected_version("\"3\"").ok(), Some(Some(3)));
        assert_eq!(expected_version("W/\"12\"").ok(), Some(Some(12)));
        assert_eq!(expected_version("*").ok(), Some(None));
        assert_eq!(
            expected_version("\"99999999999999999999999\"").ok(),
            Some(Some(u64::MAX)),
            "a version no aggregate reaches is stale, not malformed"
        );
        for bad in ["3", "\"x\"", "\"-1\"", "\"+3\"", "\"\"", "\"3", "", "W/*"] {
            assert!(expected_version(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_header_patterns_compile_and_say_what_is_accepted() {
        for pattern in [IDEMPOTENCY_KEY_PATTERN, IF_MATCH_PATTERN] {
            assert!(Regex::new(pattern).is_ok(), "{pattern}");
        }
        let longest = "k".repeat(200);
        for good in ["a", "order 7, second try", "~!", longest.as_str()] {
            assert!(is_idempotency_key(good), "{good:?}");
        }
        let too_long = "k".repeat(201);
        for bad in ["", " a", "a ", "tab\there", "caf\u{e9}", too_long.as_str()] {
            assert!(!is_idempotency_key(bad), "{bad:?}");
        }
    }

    #[test]
    fn json_content_types() {
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, value.parse().expect("a header value"));
            is_json(&headers)
        };
        assert!(with("application/json"));
        assert!(with("application/json; charset=utf-8"));
        assert!(with("application/merge-patch+json"));
        assert!(!with("text/plain"));
        assert!(!is_json(&HeaderMap::new()));
    }
}
