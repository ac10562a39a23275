//! The pricing rule of `src/rules/order.rs`, through the service's HTTP API: the order the
//! document prices — a large Margherita and a medium Pepperoni — is placed, and the order
//! tracker shows its bill; a pizza that is not on the menu is refused with the rule's words.
//! Hand-written: seedwork never touches this file.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use pizzeria::generated::api;
use pizzeria::generated::infrastructure::Service;
use seedwork::http::BearerTokens;
use seedwork::Principal;
use serde_json::{json, Value};
use tower::ServiceExt;

async fn call(
    app: &axum::Router,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", "Bearer staff")
        .header("content-type", "application/json")
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
        .expect("a valid request");
    let response = app.clone().oneshot(request).await.expect("an answer");
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("a body")
        .to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn order(pizzas: Value) -> Value {
    json!({
        "customer_name": "Mario Rossi",
        "customer_phone": "+12125550123",
        "customer_address": "123 Main St, Springfield",
        "pizzas": pizzas,
        "payment_method": "Card",
    })
}

async fn app() -> axum::Router {
    let service = Service::in_memory().await.expect("the service starts");
    let staff = Principal::new("staff").with_role("kitchen");
    api::router(
        &service,
        Arc::new(BearerTokens::none().with("staff", staff)),
        64 * 1024,
    )
}

#[tokio::test]
async fn the_order_tracker_shows_the_bill_the_pricing_rule_made() {
    let app = app().await;
    let (status, placed) = call(
        &app,
        "POST",
        "/orders",
        Some(order(json!([
            {"name": "Margherita", "size": "Large", "quantity": 1, "toppings": ["extra_cheese"]},
            {"name": "Pepperoni", "size": "Medium", "quantity": 1, "toppings": []},
        ]))),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{placed}");
    let id = placed["order_id"].as_str().expect("the order's id");
    let (status, view) = call(&app, "GET", &format!("/order-views/{id}"), None).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    // 15.99 + 12.99 = 28.98, 2.54 tax, 2.99 delivery.
    assert_eq!(view["total_amount"], json!(34.51));
    let (_, queue) = call(&app, "GET", "/kitchen-orders", None).await;
    assert_eq!(queue["total"], 1, "the kitchen sees the order: {queue}");
}

#[tokio::test]
async fn a_pizza_that_is_not_on_the_menu_is_refused() {
    let app = app().await;
    let (status, problem) = call(
        &app,
        "POST",
        "/orders",
        Some(order(
            json!([{"name": "Diavola", "size": "Large", "quantity": 1, "toppings": []}]),
        )),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["type"], "https://seedwork.dev/problems/domain-rule");
    assert_eq!(problem["detail"], "Pizza 'Diavola' is not on the menu");
}
