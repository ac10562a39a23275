//! Validation: a bad request is refused before any handler runs, with every broken field
//! at once; value objects cannot be built invalid, from Rust or from JSON.

mod common;

use common::{customer, pizzeria, place_order};
use pizzeria_macros::application::GetOrder;
use pizzeria_macros::domain::{CancelOrder, Customer, OrderId, OrderStatus, Pizza, Size};
use seedwork::{Command, ErrorKind};

fn paths(errors: &[seedwork::FieldError]) -> Vec<&str> {
    errors.iter().map(|error| error.path.as_str()).collect()
}

#[tokio::test]
async fn a_bad_order_reports_every_field_and_changes_nothing() {
    let (pizzeria, outbox) = pizzeria();
    let order_id = OrderId::new();
    let mut order = place_order(order_id);
    order.customer_name = "X".into();
    order.customer_phone = "555-PIZZA".into();
    order.customer_address = "here".into();
    order.pizzas.clear();

    let error = pizzeria
        .mediator()
        .send(order, &customer())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Validation);
    assert_eq!(error.status(), 422);
    assert_eq!(
        paths(error.field_errors()),
        [
            "customer_name",
            "customer_phone",
            "customer_address",
            "pizzas"
        ]
    );
    let messages: Vec<String> = error.field_errors().iter().map(|e| e.to_string()).collect();
    assert_eq!(
        messages,
        [
            "customer_name: must be at least 2 characters long, got 1",
            r"customer_phone: must match the pattern ^\+?1?[2-9]\d{9}$",
            "customer_address: must be at least 10 characters long, got 4",
            "pizzas: must have at least 1 item, got 0",
        ]
    );

    let lookup = pizzeria
        .mediator()
        .query(GetOrder { order_id }, &customer())
        .await
        .unwrap_err();
    assert_eq!(lookup.kind(), ErrorKind::NotFound);
    assert!(pizzeria.orders().load(&order_id).await.unwrap().is_none());
    assert!(outbox.sent().is_empty());
}

#[test]
fn an_order_has_one_to_twenty_pizza_lines() {
    let mut order = place_order(OrderId::new());
    assert!(order.validate().is_ok());
    order.pizzas = vec![Pizza::new("Margherita".into(), Size::Small, 1).unwrap(); 21];
    let errors = order.validate().unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].to_string(),
        "pizzas: must have at most 20 items, got 21"
    );
}

#[test]
fn a_customer_is_valid_or_does_not_exist() {
    let error = Customer::new("M".into(), "12345".into(), "short".into()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Validation);
    assert_eq!(paths(error.field_errors()), ["name", "phone", "address"]);

    for phone in ["+15555550123", "15555550123", "5555550123", "+2125550123"] {
        let customer = Customer::new("Mario".into(), phone.into(), "12 Via Roma, Napoli".into());
        assert!(customer.is_ok(), "{phone}: {customer:?}");
    }
    // The document's own sample number does not match the document's own pattern: after
    // "+1" the first digit must be 2-9 and nine more digits must follow.
    assert!(Customer::new(
        "Mario".into(),
        "+1234567890".into(),
        "12 Via Roma, Napoli".into()
    )
    .is_err());

    let json =
        serde_json::json!({"name": "Mario", "phone": "nope", "address": "12 Via Roma, Napoli"});
    let refused = serde_json::from_value::<Customer>(json).unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("phone: must match the pattern"),
        "{refused}"
    );
}

#[test]
fn a_pizza_line_is_valid_or_does_not_exist() {
    let error = Pizza::new(String::new(), Size::Large, 0).unwrap_err();
    assert_eq!(paths(error.field_errors()), ["name", "quantity"]);
    let eleven = Pizza::new("Margherita".into(), Size::Large, 11).unwrap_err();
    assert_eq!(
        eleven.field_errors()[0].to_string(),
        "quantity: must be at most 10, got 11"
    );

    let json = serde_json::json!({"name": "Pepperoni", "size": "medium", "quantity": 2});
    let pizza: Pizza = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(pizza.to_string(), "2 × medium Pepperoni");
    assert_eq!(serde_json::to_value(&pizza).unwrap(), json);
    let zero = serde_json::json!({"name": "Pepperoni", "size": "medium", "quantity": 0});
    assert!(serde_json::from_value::<Pizza>(zero).is_err());
    let huge = serde_json::json!({"name": "Pepperoni", "size": "huge", "quantity": 1});
    assert!(serde_json::from_value::<Pizza>(huge).is_err());
}

#[test]
fn an_order_from_json_gets_an_id_when_it_has_none() {
    let json = serde_json::json!({
        "customer_name": "Mario Rossi",
        "customer_phone": "+15555550123",
        "customer_address": "12 Via Roma, Little Italy",
        "pizzas": [{"name": "Margherita", "size": "large", "quantity": 1}],
        "payment_method": "cash"
    });
    let first: pizzeria_macros::domain::PlaceOrder = serde_json::from_value(json.clone()).unwrap();
    let second: pizzeria_macros::domain::PlaceOrder = serde_json::from_value(json).unwrap();
    assert_ne!(first.order_id, second.order_id);
    assert!(first.validate().is_ok());
}

#[tokio::test]
async fn a_cancellation_needs_a_reason() {
    let (pizzeria, _) = pizzeria();
    let order_id = common::order_in(&pizzeria, OrderStatus::Placed).await;
    let error = pizzeria
        .mediator()
        .send(
            CancelOrder {
                order_id,
                reason: String::new(),
            },
            &customer(),
        )
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Validation);
    assert_eq!(paths(error.field_errors()), ["reason"]);
    let order = pizzeria.orders().load(&order_id).await.unwrap().unwrap();
    assert_eq!(order.state.status(), OrderStatus::Placed);
}
