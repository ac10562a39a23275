//! Each example service, generated afresh from its spec, built, tested, started as a real
//! process and called over real HTTP on 127.0.0.1: create → transition → query → a refused
//! transition → `/openapi.json` lists every route; once on SQLite and once on PostgreSQL
//! (`SEEDWORK_TEST_POSTGRES_URL`, a server the tests may create databases on), then stopped
//! with SIGTERM.

use seedwork_e2e::{
    command_route, documented_operations, expected_operations, query_route, with_id, Answer,
    Project, Service,
};

use serde_json::json;

use crate::{postgres, project, sqlite};

#[track_caller]
fn expect(answer: &Answer, status: u16, what: &str) {
    assert_eq!(answer.status, status, "{what}: {}", answer.body);
}

#[track_caller]
fn expect_problem(answer: &Answer, status: u16, kind: &str, what: &str) {
    expect(answer, status, what);
    assert_eq!(
        answer.header("content-type"),
        Some("application/problem+json"),
        "{what}"
    );
    if !kind.is_empty() {
        assert_eq!(
            answer.body["type"],
            format!("https://seedwork.dev/problems/{kind}"),
            "{what}: {}",
            answer.body
        );
    }
}

/// What every service answers the same way: health, the OpenAPI document, unknown routes.
fn common(service: &Service, project: &Project) {
    expect(&service.call("GET", "/health", &[], None), 200, "health");
    let document = service.call("GET", "/openapi.json", &[], None);
    expect(&document, 200, "the OpenAPI document");
    assert!(
        document.body["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "OpenAPI 3.1"
    );
    assert_eq!(
        documented_operations(&document.body),
        expected_operations(&project.model),
        "/openapi.json lists exactly the routes of the spec"
    );
    expect_problem(
        &service.call("GET", "/no/such/route", &[], None),
        404,
        "not-found",
        "an unknown route",
    );
}

fn path(project: &Project, command: &str, id: &str) -> (String, String) {
    let (method, path) = command_route(&project.model, command);
    (method, with_id(&path, id))
}

const PIZZERIA_TOKENS: &str = "k1tchen=mario:kitchen;dr1ver=luigi:delivery;b0ss=anna:manager";

fn pizzeria(service: &Service, project: &Project) {
    common(service, project);
    let kitchen = [("authorization", "Bearer k1tchen")];
    let driver = [("authorization", "Bearer dr1ver")];
    let manager = [("authorization", "Bearer b0ss")];
    let order = json!({
        "customer_name": "Mario Rossi",
        "customer_phone": "+12125550123",
        "customer_address": "123 Main St, Springfield",
        "pizzas": [
            {"name": "Margherita", "size": "Large", "quantity": 1, "toppings": ["extra_cheese"]},
            {"name": "Pepperoni", "size": "Medium", "quantity": 1, "toppings": []}
        ],
        "payment_method": "Card"
    });
    let (method, place) = command_route(&project.model, "PlaceOrder");
    let placed = service.call(&method, &place, &[], Some(&order));
    expect(&placed, 201, "placing an order");
    assert_eq!(placed.header("etag"), Some("\"1\""));
    let id = placed.body["order_id"].as_str().unwrap().to_owned();

    let view = service.call(
        "GET",
        &with_id(&query_route(&project.model, "GetOrderById"), &id),
        &[],
        None,
    );
    expect(&view, 200, "the order tracker");
    assert_eq!(
        view.body["total_amount"],
        json!(34.51),
        "priced by the rule: {}",
        view.body
    );

    let (method, cook) = path(project, "StartCooking", &id);
    let cooking = json!({"chef": "chef_mario"});
    expect_problem(
        &service.call(&method, &cook, &[], Some(&cooking)),
        401,
        "unauthorized",
        "cooking without a token",
    );
    expect_problem(
        &service.call(&method, &cook, &driver, Some(&cooking)),
        403,
        "forbidden",
        "a driver cooking",
    );
    let started = service.call(
        &method,
        &cook,
        &[kitchen[0], ("if-match", "\"1\"")],
        Some(&cooking),
    );
    expect(&started, 200, "the kitchen starts cooking");
    assert_eq!(started.header("etag"), Some("\"2\""));

    let (method, ready) = path(project, "MarkOrderReady", &id);
    expect_problem(
        &service.call(&method, &ready, &[kitchen[0], ("if-match", "\"1\"")], None),
        409,
        "conflict",
        "a stale If-Match",
    );
    let (deliver_method, deliver) = path(project, "DeliverOrder", &id);
    let refused = service.call(&deliver_method, &deliver, &driver, None);
    expect_problem(
        &refused,
        422,
        "lifecycle",
        "delivering an order still in the oven",
    );
    assert!(
        refused.body["detail"]
            .as_str()
            .unwrap()
            .contains("it is Cooking"),
        "{}",
        refused.body
    );
    expect(
        &service.call(&method, &ready, &[kitchen[0], ("if-match", "\"2\"")], None),
        200,
        "the order is ready",
    );

    // The policy scheduled the delivery, after the commit, on another aggregate.
    let pending = service.call(
        "GET",
        &query_route(&project.model, "ListPendingDeliveries"),
        &driver,
        None,
    );
    expect(&pending, 200, "the drivers' list");
    assert!(
        pending.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|row| row["order_id"] == id.as_str()),
        "the policy scheduled a delivery: {}",
        pending.body
    );
    let queue = service.call(
        "GET",
        &query_route(&project.model, "GetKitchenQueue"),
        &kitchen,
        None,
    );
    expect(&queue, 200, "the kitchen queue");
    assert_eq!(
        queue.body["total"], 0,
        "a ready order left the queue: {}",
        queue.body
    );

    expect(
        &service.call(&deliver_method, &deliver, &driver, None),
        200,
        "the driver delivers",
    );
    let profile = service.call(
        "GET",
        &with_id(
            &query_route(&project.model, "GetCustomerProfile"),
            "+12125550123",
        ),
        &manager,
        None,
    );
    expect(&profile, 200, "the customer's profile");
    assert_eq!(profile.body["customer_name"], "Mario Rossi");

    let (method, cancel) = path(project, "CancelOrder", &id);
    expect_problem(
        &service.call(
            &method,
            &cancel,
            &[],
            Some(&json!({"reason": "changed my mind"})),
        ),
        422,
        "lifecycle",
        "cancelling a delivered order",
    );
    let unknown = uuid::Uuid::new_v4().to_string();
    let (method, cook_unknown) = path(project, "StartCooking", &unknown);
    expect_problem(
        &service.call(&method, &cook_unknown, &kitchen, Some(&cooking)),
        404,
        "not-found",
        "an unknown order",
    );
    let invalid = json!({"customer_name": "M", "customer_phone": "12", "customer_address": "x", "pizzas": [], "payment_method": "Card"});
    let problem = service.call("POST", &place, &[], Some(&invalid));
    expect_problem(&problem, 422, "validation", "an invalid order");
    assert_eq!(
        problem.body["errors"].as_array().unwrap().len(),
        4,
        "every broken constraint: {}",
        problem.body
    );
    let mut huge = order.clone();
    huge["customer_address"] = json!("x".repeat(70 * 1024));
    expect_problem(
        &service.call("POST", &place, &[], Some(&huge)),
        413,
        "payload-too-large",
        "a body over the limit",
    );
}

const BANK_TOKENS: &str = "";

fn bank(service: &Service, project: &Project) {
    common(service, project);
    let id = format!("acc-{}", uuid::Uuid::new_v4().simple());
    let (method, create) = command_route(&project.model, "CreateAccount");
    let opening = json!({"account_id": id, "balance": 100});
    expect(
        &service.call(&method, &create, &[], Some(&opening)),
        201,
        "opening an account",
    );
    expect_problem(
        &service.call(&method, &create, &[], Some(&opening)),
        409,
        "conflict",
        "opening it twice",
    );
    let (method, deposit) = path(project, "DepositMoney", &id);
    expect(
        &service.call(&method, &deposit, &[], Some(&json!({"amount": 50}))),
        200,
        "a deposit",
    );
    let (method, withdraw) = path(project, "WithdrawMoney", &id);
    let refused = service.call(&method, &withdraw, &[], Some(&json!({"amount": 500})));
    expect_problem(&refused, 422, "domain-rule", "an overdraft");
    assert!(
        refused.body["detail"]
            .as_str()
            .unwrap()
            .starts_with("Insufficient funds"),
        "{}",
        refused.body
    );
    let balance = service.call(
        "GET",
        &with_id(&query_route(&project.model, "GetAccountBalance"), &id),
        &[],
        None,
    );
    expect(&balance, 200, "the balance");
    assert_eq!(
        balance.body["balance"].as_f64(),
        Some(150.0),
        "{}",
        balance.body
    );
    let (close_method, close) = path(project, "CloseAccount", &id);
    expect_problem(
        &service.call(&close_method, &close, &[], None),
        422,
        "domain-rule",
        "closing with money left",
    );
    expect(
        &service.call(&method, &withdraw, &[], Some(&json!({"amount": 150}))),
        200,
        "emptying the account",
    );
    expect(
        &service.call(&close_method, &close, &[], None),
        200,
        "closing it",
    );
    let (method, deposit) = path(project, "DepositMoney", &id);
    let closed = service.call(&method, &deposit, &[], Some(&json!({"amount": 1})));
    expect_problem(&closed, 422, "lifecycle", "a deposit to a closed account");
    let list = service.call(
        "GET",
        &format!(
            "{}?page_size=5",
            query_route(&project.model, "ListAccountBalances")
        ),
        &[],
        None,
    );
    expect(&list, 200, "the balances");
    assert!(list.body["total"].as_u64().unwrap() >= 1);
    expect_problem(
        &service.call(&method, &deposit, &[], Some(&json!({"amount": 0}))),
        422,
        "validation",
        "a deposit of nothing",
    );
}

const ESHOP_TOKENS: &str = "";

fn eshop(service: &Service, project: &Project) {
    common(service, project);
    let buyer = uuid::Uuid::new_v4().to_string();
    let order = json!({
        "buyer_id": buyer,
        "address": {"street": "1 Infinite Loop", "city": "Cupertino", "state": "CA", "country": "USA", "zip_code": "95014"},
        "order_items": [
            {"product_id": 1, "product_name": ".NET Bot Black Hoodie", "unit_price": 19.5, "discount": 0, "units": 1},
            {"product_id": 1, "product_name": ".NET Bot Black Hoodie", "unit_price": 19.5, "discount": 2, "units": 1},
            {"product_id": 2, "product_name": "Roslyn Red Sheet", "unit_price": 8.5, "discount": 0, "units": 2}
        ],
        "card_type": "Visa",
        "card_number": "4012888888881881",
        "card_holder_name": "Ann Buyer",
        "card_expiration": "2035-12-31T00:00:00Z",
        "card_security_number": "123"
    });
    let (method, create) = command_route(&project.model, "CreateOrder");
    let key = [("idempotency-key", "order-once")];
    let created = service.call(&method, &create, &key, Some(&order));
    expect(&created, 201, "creating an order");
    let again = service.call(&method, &create, &key, Some(&order));
    expect(&again, 201, "the same request again");
    assert_eq!(again.body, created.body, "a repeated key is answered once");
    expect_problem(
        &service.call(&method, &create, &[], Some(&order)),
        400,
        "malformed-request",
        "no idempotency key",
    );
    let id = created.body["order_id"].as_str().unwrap().to_owned();
    let summary = service.call(
        "GET",
        &with_id(&query_route(&project.model, "GetOrder"), &id),
        &[],
        None,
    );
    expect(&summary, 200, "the order summary");
    // Two hoodies less the higher discount (2), and two sheets.
    assert_eq!(summary.body["total"], json!(54.0), "{}", summary.body);
    let mine = service.call(
        "GET",
        &format!(
            "{}?buyer_id={buyer}",
            query_route(&project.model, "GetOrders")
        ),
        &[],
        None,
    );
    expect(&mine, 200, "the buyer's orders");
    assert_eq!(mine.body["total"], 1, "{}", mine.body);
    let (pay_method, pay) = path(project, "MarkOrderAsPaid", &id);
    expect(&service.call(&pay_method, &pay, &[], None), 200, "paying");
    let (method, ship) = path(project, "ShipOrder", &id);
    expect(&service.call(&method, &ship, &[], None), 200, "shipping");
    expect_problem(
        &service.call(&pay_method, &pay, &[], None),
        422,
        "lifecycle",
        "paying a shipped order",
    );
    // The policy made the buyer: its payment method can be verified now.
    let (method, verify) = path(project, "VerifyOrAddPaymentMethod", &buyer);
    let verified = service.call(
        &method,
        &verify,
        &[],
        Some(&json!({
            "order_id": id,
            "card_type": "Visa",
            "card_number": "4012888888881881",
            "security_number": "123",
            "card_holder_name": "Ann Buyer",
            "expiration": "2035-12-31T00:00:00Z"
        })),
    );
    expect(&verified, 200, "the buyer the policy created");
    let mut expired = order.clone();
    expired["card_expiration"] = json!("2020-01-01T00:00:00Z");
    let refused = service.call(
        &method_of(project, "CreateOrder"),
        &create,
        &[("idempotency-key", "expired")],
        Some(&expired),
    );
    expect_problem(&refused, 422, "validation", "an expired card");
    assert_eq!(refused.body["errors"][0]["path"], "card_expiration");
}

fn method_of(project: &Project, command: &str) -> String {
    command_route(&project.model, command).0
}

fn on_sqlite(name: &'static str, tokens: &str, scenario: fn(&Service, &Project)) {
    let project = project(name);
    let data = tempfile::tempdir().unwrap();
    let database = sqlite(&data);
    let service = project.serve(&database, tokens);
    scenario(&service, project);
    service.stop();
    // Restarted over the same file, it still knows what happened.
    let service = project.serve(&database, tokens);
    common(&service, project);
    service.stop();
}

async fn on_postgres(name: &'static str, tokens: &str, scenario: fn(&Service, &Project)) {
    let database = postgres().await;
    let project = tokio::task::spawn_blocking(move || project(name))
        .await
        .unwrap();
    let tokens = tokens.to_owned();
    tokio::task::spawn_blocking(move || {
        let service = project.serve(&database, &tokens);
        scenario(&service, project);
        service.stop();
    })
    .await
    .unwrap();
}

#[test]
fn pizzeria_serves_over_http_on_sqlite() {
    on_sqlite("pizzeria", PIZZERIA_TOKENS, pizzeria);
}

#[tokio::test]
async fn pizzeria_serves_over_http_on_postgres() {
    on_postgres("pizzeria", PIZZERIA_TOKENS, pizzeria).await;
}

#[test]
fn bank_serves_over_http_on_sqlite() {
    on_sqlite("bank", BANK_TOKENS, bank);
}

#[tokio::test]
async fn bank_serves_over_http_on_postgres() {
    on_postgres("bank", BANK_TOKENS, bank).await;
}

#[test]
fn eshop_ordering_serves_over_http_on_sqlite() {
    on_sqlite("eshop-ordering", ESHOP_TOKENS, eshop);
}

#[tokio::test]
async fn eshop_ordering_serves_over_http_on_postgres() {
    on_postgres("eshop-ordering", ESHOP_TOKENS, eshop).await;
}
