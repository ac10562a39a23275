//! The HTTP edge of a service (feature `http`): what every generated API, and any hand-written
//! axum API over the mediator, needs to turn requests into commands and queries and
//! [`Error`]s into answers.
//!
//! - [`Problem`]: every failure as RFC 9457 `application/problem+json`, with the status its
//!   kind maps to; rejections of malformed requests (bad JSON 400, wrong content type 415, a
//!   body over the limit 413, unknown route 404, wrong method 405) speak it too.
//! - [`JsonBody`]: a JSON body decoded with the path of any type error, and checked in full,
//!   so a 422 lists every broken constraint at once, nested value objects included.
//! - [`RequestMetadata`]: who is calling ([`Authenticator`], by default [`BearerTokens`]),
//!   in which conversation, with which idempotency key and expected version (`If-Match`).
//! - [`accepted`]: the answer to a command, with the aggregate's version as its `ETag`.
//! - [`serve`]: serves a router until SIGINT or SIGTERM, finishing the requests in flight.
//! - [`harden`]: the layers every service router gets (body limit, panics as 500 problems,
//!   request tracing, problem+json fallbacks).

mod auth;
mod extract;
mod problem;
mod respond;
mod serve;

pub use auth::{Authenticator, BearerTokens};
pub use extract::{join, within, ApiPath, ApiQuery, CheckFields, JsonBody, RequestMetadata};
pub use problem::Problem;
pub use respond::{accepted, health, Health};
pub use serve::{harden, serve, shutdown_signal, DEFAULT_BODY_LIMIT};

use std::sync::Arc;

use crate::mediator::Mediator;

/// What the handlers of a service's API share: the mediator every request goes through and
/// the authenticator that says who is calling.
#[derive(Clone)]
pub struct ApiState {
    /// Routes commands and queries.
    pub mediator: Mediator,
    /// Turns credentials into principals.
    pub authenticator: Arc<dyn Authenticator>,
}

impl std::fmt::Debug for ApiState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiState")
            .field("mediator", &self.mediator)
            .finish_non_exhaustive()
    }
}

impl axum::extract::FromRef<ApiState> for Arc<dyn Authenticator> {
    fn from_ref(state: &ApiState) -> Self {
        Arc::clone(&state.authenticator)
    }
}

/// Adds the bearer-token security scheme (`bearer`) to an OpenAPI document, for the
/// operations that require roles to reference.
pub fn add_bearer_security(openapi: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
    let components = openapi
        .components
        .get_or_insert_with(utoipa::openapi::Components::new);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(
                    "A token the service maps to a caller and its roles (see `BearerTokens`).",
                ))
                .build(),
        ),
    );
}
