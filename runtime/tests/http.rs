//! The HTTP edge: bodies checked in full, headers turned into metadata, every failure as
//! problem+json, and the layers every service router gets.
#![allow(missing_docs, clippy::unwrap_used)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use http_body_util::BodyExt;
use seedwork::http::{
    accepted, harden, join, within, ApiPath, ApiState, BearerTokens, CheckFields, JsonBody,
    RequestMetadata,
};
use seedwork::{FieldError, Mediator};
use serde_json::{json, Value};
use tower::ServiceExt;

/// A line of an order: a value object, valid or not built at all.
#[seedwork::value_object]
struct Line {
    #[validate(length(min = 1, max = 20))]
    name: String,
    #[validate(range(min = 1, max = 10))]
    quantity: u32,
}

/// The body of the test route.
#[derive(Debug, serde::Deserialize)]
struct PlaceOrder {
    customer: String,
    lines: Vec<Line>,
}

impl CheckFields for PlaceOrder {
    fn check_fields(&self, at: &str, errors: &mut Vec<FieldError>) {
        if self.customer.chars().count() < 2 {
            errors.push(FieldError::new(
                join(at, "customer"),
                "must be at least 2 characters long",
            ));
        }
        for (index, line) in self.lines.iter().enumerate() {
            if let Err(own) = line.validate() {
                let item = join(at, &format!("lines[{index}]"));
                errors.extend(own.into_iter().map(|error| within(&item, error)));
            }
        }
    }
}

async fn place(
    RequestMetadata(metadata): RequestMetadata,
    JsonBody(order): JsonBody<PlaceOrder>,
) -> axum::response::Response {
    let caller = metadata.principal.map(|p| p.id);
    accepted(
        StatusCode::CREATED,
        1,
        Some("/orders/1"),
        &json!({
            "lines": order.lines.len(),
            "caller": caller,
            "expected": metadata.expected_version,
            "key": metadata.idempotency_key,
        }),
    )
}

async fn one(ApiPath(id): ApiPath<u32>) -> Json<Value> {
    Json(json!({ "id": id }))
}

async fn boom() -> &'static str {
    panic!("a bug in a handler")
}

fn app() -> Router {
    let state = ApiState {
        mediator: Mediator::builder().build().unwrap(),
        authenticator: Arc::new(BearerTokens::parse("t0ken=mario:kitchen").unwrap()),
    };
    harden(
        Router::new()
            .route("/orders", post(place))
            .route("/orders/{id}", get(one))
            .route("/boom", get(boom))
            .with_state(state),
        1024,
    )
}

async fn call(request: Request<Body>) -> (StatusCode, String, Value) {
    let response = app().oneshot(request).await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, content_type, body)
}

fn post_json() -> axum::http::request::Builder {
    Request::post("/orders").header("content-type", "application/json")
}

fn valid() -> Value {
    json!({"customer": "Ann", "lines": [{"name": "Margherita", "quantity": 2}]})
}

#[tokio::test]
async fn a_valid_body_is_accepted_with_its_version_as_etag() {
    let response = app()
        .oneshot(
            post_json()
                .header("authorization", "Bearer t0ken")
                .header("if-match", "\"4\"")
                .header("idempotency-key", "abc-1")
                .body(Body::from(valid().to_string()))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["etag"], "\"1\"");
    assert_eq!(response.headers()["location"], "/orders/1");
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        body,
        json!({"lines": 1, "caller": "mario", "expected": 4, "key": "abc-1"})
    );
}

#[tokio::test]
async fn every_broken_constraint_is_listed_with_its_path_nested_ones_included() {
    let body = json!({
        "customer": "A",
        "lines": [
            {"name": "", "quantity": 11},
            {"name": "Marinara", "quantity": 1},
            {"name": "Diavola", "quantity": 0}
        ]
    });
    let (status, content_type, problem) =
        call(post_json().body(Body::from(body.to_string())).unwrap()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(content_type, "application/problem+json");
    let paths: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| error["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "customer",
            "lines[0].name",
            "lines[0].quantity",
            "lines[2].quantity"
        ]
    );
}

#[tokio::test]
async fn malformed_requests_are_told_apart() {
    let cases: Vec<(Request<Body>, StatusCode, &str)> = vec![
        (
            post_json().body(Body::from("{\"customer\": ")).unwrap(),
            StatusCode::BAD_REQUEST,
            "not valid JSON",
        ),
        (
            Request::post("/orders")
                .header("content-type", "text/plain")
                .body(Body::from(valid().to_string()))
                .unwrap(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type",
        ),
        (
            post_json()
                .body(Body::from(json!({"lines": []}).to_string()))
                .unwrap(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "customer: is required",
        ),
        (
            post_json()
                .body(Body::from(
                    json!({"customer": "Ann", "lines": [{"name": "x", "quantity": "two"}]})
                        .to_string(),
                ))
                .unwrap(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "lines[0].quantity",
        ),
        (
            post_json()
                .body(Body::from(format!(
                    "{{\"customer\": \"{}\", \"lines\": []}}",
                    "x".repeat(2000)
                )))
                .unwrap(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "too large",
        ),
        (
            post_json()
                .header("authorization", "Bearer guess")
                .body(Body::from(valid().to_string()))
                .unwrap(),
            StatusCode::UNAUTHORIZED,
            "not known",
        ),
        (
            post_json()
                .header("if-match", "3")
                .body(Body::from(valid().to_string()))
                .unwrap(),
            StatusCode::BAD_REQUEST,
            "If-Match",
        ),
        (
            post_json()
                .header("x-correlation-id", "not-a-uuid")
                .body(Body::from(valid().to_string()))
                .unwrap(),
            StatusCode::BAD_REQUEST,
            "X-Correlation-Id",
        ),
        (
            Request::get("/orders/seven").body(Body::empty()).unwrap(),
            StatusCode::BAD_REQUEST,
            "",
        ),
        (
            Request::get("/orders/1%00").body(Body::empty()).unwrap(),
            StatusCode::BAD_REQUEST,
            "NUL",
        ),
        (
            post_json()
                .body(Body::from(
                    json!({"customer": "A\u{0}n", "lines": []}).to_string(),
                ))
                .unwrap(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "NUL",
        ),
        (
            Request::get("/nowhere").body(Body::empty()).unwrap(),
            StatusCode::NOT_FOUND,
            "/nowhere",
        ),
        (
            Request::delete("/orders").body(Body::empty()).unwrap(),
            StatusCode::METHOD_NOT_ALLOWED,
            "DELETE",
        ),
        (
            Request::get("/boom").body(Body::empty()).unwrap(),
            StatusCode::INTERNAL_SERVER_ERROR,
            "could not complete",
        ),
    ];
    for (request, expected, mentions) in cases {
        let what = format!("{} {}", request.method(), request.uri());
        let (status, content_type, problem) = call(request).await;
        assert_eq!(status, expected, "{what}: {problem}");
        assert_eq!(content_type, "application/problem+json", "{what}");
        assert_eq!(problem["status"], expected.as_u16(), "{what}");
        let text = problem.to_string();
        assert!(
            text.contains(mentions),
            "{what}: {text} does not mention {mentions}"
        );
    }
}

/// The headers `RequestMetadata` reads are refused (400) exactly when they break the rule the
/// OpenAPI document states for them: a value the document allows is never refused as
/// malformed, one it forbids never accepted.
#[tokio::test]
async fn headers_are_refused_exactly_when_they_break_their_documented_pattern() {
    let key_rule = regex_lite::Regex::new(seedwork::http::IDEMPOTENCY_KEY_PATTERN).unwrap();
    let if_match_rule = regex_lite::Regex::new(seedwork::http::IF_MATCH_PATTERN).unwrap();
    let longest = "k".repeat(200);
    let too_long = "k".repeat(201);
    let keys = [
        "a",
        "order-7",
        "order 7, second try",
        "~!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
        longest.as_str(),
        too_long.as_str(),
        "",
    ];
    let if_matches = [
        "*",
        "\"0\"",
        "\"3\"",
        "W/\"12\"",
        "\"99999999999999999999999\"",
        "0",
        "3",
        "\"+3\"",
        "\"-1\"",
        "\"\"",
        "W/*",
        "\"3",
        "",
    ];
    let cases = keys
        .iter()
        .map(|key| ("idempotency-key", *key, key_rule.is_match(key)))
        .chain(
            if_matches
                .iter()
                .map(|tag| ("if-match", *tag, if_match_rule.is_match(tag))),
        );
    for (header, value, documented) in cases {
        let request = post_json()
            .header(header, value)
            .body(Body::from(valid().to_string()))
            .unwrap();
        let (status, content_type, problem) = call(request).await;
        if documented {
            assert_eq!(
                status,
                StatusCode::CREATED,
                "{header}: {value:?}: {problem}"
            );
        } else {
            assert_eq!(status, StatusCode::BAD_REQUEST, "{header}: {value:?}");
            assert_eq!(content_type, "application/problem+json");
        }
    }
}

/// The document states those rules for every operation's `Idempotency-Key` and `If-Match`
/// parameters, and for the `ETag` of its answers.
#[test]
fn the_document_states_the_header_rules() {
    use utoipa::openapi::path::{OperationBuilder, ParameterBuilder, ParameterIn};
    use utoipa::openapi::{
        HeaderBuilder, HttpMethod, OpenApiBuilder, PathItem, PathsBuilder, ResponseBuilder,
    };
    let operation = OperationBuilder::new()
        .parameter(
            ParameterBuilder::new()
                .name("Idempotency-Key")
                .parameter_in(ParameterIn::Header),
        )
        .parameter(
            ParameterBuilder::new()
                .name("If-Match")
                .parameter_in(ParameterIn::Header),
        )
        .parameter(
            ParameterBuilder::new()
                .name("id")
                .parameter_in(ParameterIn::Path),
        )
        .response(
            "200",
            ResponseBuilder::new().header("ETag", HeaderBuilder::new().build()),
        );
    let mut document = OpenApiBuilder::new()
        .paths(PathsBuilder::new().path(
            "/orders/{id}/cancel",
            PathItem::new(HttpMethod::Put, operation),
        ))
        .build();
    seedwork::http::document_request_headers(&mut document);
    let json = serde_json::to_value(&document).unwrap();
    let operation = &json["paths"]["/orders/{id}/cancel"]["put"];
    let key = &operation["parameters"][0]["schema"];
    assert_eq!(key["pattern"], seedwork::http::IDEMPOTENCY_KEY_PATTERN);
    assert_eq!(
        (key["minLength"].as_u64(), key["maxLength"].as_u64()),
        (Some(1), Some(200))
    );
    assert_eq!(
        operation["parameters"][1]["schema"]["pattern"],
        seedwork::http::IF_MATCH_PATTERN
    );
    assert!(
        operation["parameters"][2]["schema"].is_null(),
        "a path parameter is left alone"
    );
    assert_eq!(
        operation["responses"]["200"]["headers"]["ETag"]["schema"]["pattern"],
        seedwork::http::ETAG_PATTERN
    );
}
