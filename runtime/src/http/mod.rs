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
pub use extract::{
    join, within, ApiPath, ApiQuery, CheckFields, JsonBody, RequestMetadata,
    IDEMPOTENCY_KEY_PATTERN, IF_MATCH_PATTERN,
};
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

/// What an `ETag` of an accepted command is: the aggregate's version, in quotes.
pub const ETAG_PATTERN: &str = "^\"[0-9]+\"$";

/// States, in an OpenAPI document, the rules [`RequestMetadata`] holds the headers to: every
/// operation's `Idempotency-Key` parameter is 1 to 200 visible ASCII characters
/// ([`IDEMPOTENCY_KEY_PATTERN`]), its `If-Match` parameter `*` or an `ETag`
/// ([`IF_MATCH_PATTERN`]), and the `ETag` header of its answers a version in quotes
/// ([`ETAG_PATTERN`]). A client (or a tester) that follows the document then sends nothing
/// the service refuses as malformed.
///
/// ```
/// use utoipa::openapi::path::{OperationBuilder, ParameterBuilder, ParameterIn, PathItem};
/// use utoipa::openapi::{HttpMethod, OpenApiBuilder, PathsBuilder};
/// let operation = OperationBuilder::new()
///     .parameter(ParameterBuilder::new().name("If-Match").parameter_in(ParameterIn::Header));
/// let mut document = OpenApiBuilder::new()
///     .paths(PathsBuilder::new().path("/orders/{id}/cancel", PathItem::new(HttpMethod::Post, operation)))
///     .build();
/// seedwork::http::document_request_headers(&mut document);
/// let json = serde_json::to_value(&document).unwrap();
/// let parameter = &json["paths"]["/orders/{id}/cancel"]["post"]["parameters"][0];
/// assert_eq!(parameter["schema"]["pattern"], seedwork::http::IF_MATCH_PATTERN);
/// ```
pub fn document_request_headers(openapi: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::{Operation, ParameterIn};
    use utoipa::openapi::{ObjectBuilder, RefOr, Type};
    let text = |min: Option<usize>, max: Option<usize>, pattern: &str| {
        RefOr::T(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(min)
                .max_length(max)
                .pattern(Some(pattern))
                .into(),
        )
    };
    for item in openapi.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
            &mut item.query,
        ];
        let operations = operations
            .into_iter()
            .filter_map(Option::as_mut)
            .chain(item.additional_operations.values_mut());
        for operation in operations {
            let Operation {
                parameters,
                responses,
                ..
            } = operation;
            for parameter in parameters.iter_mut().flatten() {
                let RefOr::T(parameter) = parameter else {
                    continue;
                };
                if parameter.parameter_in != ParameterIn::Header {
                    continue;
                }
                if parameter.name.eq_ignore_ascii_case("idempotency-key") {
                    parameter.schema = Some(text(Some(1), Some(200), IDEMPOTENCY_KEY_PATTERN));
                } else if parameter.name.eq_ignore_ascii_case("if-match") {
                    parameter.schema = Some(text(None, None, IF_MATCH_PATTERN));
                }
            }
            for response in responses.responses.values_mut() {
                let RefOr::T(response) = response else {
                    continue;
                };
                for (name, header) in &mut response.headers {
                    let RefOr::T(header) = header else {
                        continue;
                    };
                    if name.eq_ignore_ascii_case("etag") {
                        header.schema = Some(text(None, None, ETAG_PATTERN));
                    }
                }
            }
        }
    }
}
