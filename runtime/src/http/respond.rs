//! Successful answers: accepted commands with their version, and the health check.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

/// The answer to an accepted command: `body` as JSON with `status` (201 for a command that
/// created its aggregate, with its `location`; 200 otherwise), and the aggregate's new
/// `version` as a strong `ETag` that the client sends back as `If-Match` to make sure its
/// next command decides on the state it has seen.
///
/// ```
/// use axum::http::StatusCode;
/// let response = seedwork::http::accepted(StatusCode::CREATED, 1, Some("/orders/7"), &serde_json::json!({"order_id": 7}));
/// assert_eq!(response.headers()["etag"], "\"1\"");
/// assert_eq!(response.headers()["location"], "/orders/7");
/// ```
pub fn accepted<B: Serialize>(
    status: StatusCode,
    version: u64,
    location: Option<&str>,
    body: &B,
) -> Response {
    let mut response = (status, Json(body)).into_response();
    let headers = response.headers_mut();
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{version}\"")) {
        headers.insert(header::ETAG, etag);
    }
    if let Some(location) = location.and_then(|l| HeaderValue::from_str(l).ok()) {
        headers.insert(header::LOCATION, location);
    }
    response
}

/// The body of `GET /health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok` while the service answers.
    pub status: String,
}

/// `GET /health`: 200 while the service is up.
pub async fn health() -> Json<Health> {
    Json(Health {
        status: "ok".to_owned(),
    })
}
