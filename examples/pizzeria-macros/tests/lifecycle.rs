//! The order's lifecycle through the mediator: the happy path, the cancellations it allows,
//! and every transition it refuses.

mod common;

use std::sync::Arc;

use common::{chef, customer, driver, order_in, order_placed, pizzeria, place_order};
use pizzeria_macros::domain::{
    CancelOrder, DeliverOrder, MarkReady, Menu, Money, Order, OrderEvent, OrderId, OrderStatus,
    StartCooking,
};
use seedwork::testkit::AggregateTest;
use seedwork::{DomainEvent, Error, ErrorKind, Metadata};

#[tokio::test]
async fn an_order_goes_from_placed_to_delivered() {
    let (pizzeria, _) = pizzeria();
    let mediator = pizzeria.mediator();
    let order_id = OrderId::new();

    let placed = mediator
        .send(place_order(order_id), &customer())
        .await
        .unwrap();
    assert_eq!(placed.version, 1);
    let Some(OrderEvent::OrderPlaced { bill, .. }) = placed.payloads().next() else {
        panic!("expected OrderPlaced, got {:?}", placed.events);
    };
    assert_eq!(bill.total, Money::cents(3451));

    let cooking = mediator
        .send(StartCooking { order_id }, &chef())
        .await
        .unwrap();
    assert_eq!(cooking.version, 2);
    assert_eq!(
        cooking.payloads().collect::<Vec<_>>(),
        [&OrderEvent::CookingStarted {
            chef: "chef-luigi".into()
        }]
    );

    let ready = mediator
        .send(MarkReady { order_id }, &chef())
        .await
        .unwrap();
    assert_eq!(
        ready.payloads().collect::<Vec<_>>(),
        [&OrderEvent::OrderReady {
            customer_phone: common::PHONE.into()
        }]
    );

    let delivered = mediator
        .send(DeliverOrder { order_id }, &driver())
        .await
        .unwrap();
    assert_eq!(delivered.version, 4);
    let event = &delivered.events[0];
    assert_eq!(
        event.payload,
        OrderEvent::OrderDelivered {
            total: Money::cents(3451)
        }
    );
    // The document calls delivery `OrderCompleted`, and that is the stored name.
    assert_eq!(event.payload.event_type(), "OrderCompleted");

    let order = pizzeria.orders().load(&order_id).await.unwrap().unwrap();
    assert_eq!(order.version, 4);
    assert_eq!(order.state.status(), OrderStatus::Delivered);
    assert_eq!(order.state.chef(), Some("chef-luigi"));
    assert_eq!(order.state.customer().unwrap().name(), "Mario Rossi");
    assert_eq!(order.state.pizzas().len(), 2);
}

#[tokio::test]
async fn an_order_can_be_cancelled_until_it_is_ready() {
    let (pizzeria, _) = pizzeria();
    for status in [OrderStatus::Placed, OrderStatus::Cooking] {
        let order_id = order_in(&pizzeria, status).await;
        let cancel = CancelOrder {
            order_id,
            reason: "the party moved".into(),
        };
        pizzeria.mediator().send(cancel, &customer()).await.unwrap();
        let order = pizzeria.orders().load(&order_id).await.unwrap().unwrap();
        assert_eq!(
            order.state.status(),
            OrderStatus::Cancelled,
            "from {status}"
        );
        assert_eq!(order.state.cancellation_reason(), Some("the party moved"));
    }
}

/// The five commands that move an order on, by state: everything else is refused.
const ALLOWED: &[(OrderStatus, &str)] = &[
    (OrderStatus::Placed, "StartCooking"),
    (OrderStatus::Placed, "CancelOrder"),
    (OrderStatus::Cooking, "MarkReady"),
    (OrderStatus::Cooking, "CancelOrder"),
    (OrderStatus::Ready, "DeliverOrder"),
];

/// Sends the command called `name` to `order_id` as someone who holds every staff role.
async fn send_as_staff(
    pizzeria: &pizzeria_macros::infrastructure::Pizzeria,
    name: &str,
    order_id: OrderId,
) -> Result<u64, Error> {
    let staff = Metadata::new().with_principal(
        seedwork::Principal::new("mario")
            .with_role("kitchen")
            .with_role("delivery"),
    );
    let mediator = pizzeria.mediator();
    let outcome = match name {
        "StartCooking" => mediator.send(StartCooking { order_id }, &staff).await,
        "MarkReady" => mediator.send(MarkReady { order_id }, &staff).await,
        "DeliverOrder" => mediator.send(DeliverOrder { order_id }, &staff).await,
        "CancelOrder" => {
            let cancel = CancelOrder {
                order_id,
                reason: "too slow".into(),
            };
            mediator.send(cancel, &staff).await
        }
        other => panic!("no command {other}"),
    };
    outcome.map(|outcome| outcome.version)
}

#[tokio::test]
async fn every_refused_transition_says_what_and_why() {
    let (pizzeria, _) = pizzeria();
    let states = [
        OrderStatus::Placed,
        OrderStatus::Cooking,
        OrderStatus::Ready,
        OrderStatus::Delivered,
        OrderStatus::Cancelled,
    ];
    let commands = [
        ("StartCooking", "start cooking"),
        ("MarkReady", "mark ready"),
        ("DeliverOrder", "deliver order"),
        ("CancelOrder", "cancel order"),
    ];
    let mut refused = 0;
    for state in states {
        for (command, action) in commands {
            let order_id = order_in(&pizzeria, state).await;
            let before = pizzeria.orders().load(&order_id).await.unwrap().unwrap();
            let result = send_as_staff(&pizzeria, command, order_id).await;
            if ALLOWED.contains(&(state, command)) {
                assert!(result.is_ok(), "{command} in {state}: {result:?}");
                continue;
            }
            refused += 1;
            let error = result.expect_err(&format!("{command} in {state} must be refused"));
            assert_eq!(error.kind(), ErrorKind::Domain, "{command} in {state}");
            assert_eq!(error.status(), 422);
            assert_eq!(
                error.to_string(),
                format!("cannot {action} Order {order_id}: it is {state}")
            );
            let after = pizzeria.orders().load(&order_id).await.unwrap().unwrap();
            assert_eq!(after.version, before.version, "a refusal records nothing");
            assert_eq!(after.state.status(), state);
        }
    }
    assert_eq!(refused, states.len() * commands.len() - ALLOWED.len());
}

#[tokio::test]
async fn an_order_is_placed_once_and_acted_on_only_once_it_exists() {
    let (pizzeria, _) = pizzeria();
    let order_id = order_in(&pizzeria, OrderStatus::Placed).await;
    let again = pizzeria
        .mediator()
        .send(place_order(order_id), &customer())
        .await
        .unwrap_err();
    assert_eq!(again.kind(), ErrorKind::Conflict, "{again}");

    let unknown = OrderId::new();
    let missing = pizzeria
        .mediator()
        .send(StartCooking { order_id: unknown }, &chef())
        .await
        .unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    assert_eq!(missing.to_string(), format!("Order {unknown} not found"));
}

#[tokio::test]
async fn the_test_kit_gives_a_history_and_checks_the_outcome() {
    let id = OrderId::new();
    let menu = Arc::new(Menu::marios());
    AggregateTest::<Order>::state_stored(id, menu.clone())
        .when(place_order(id))
        .await
        .then_events([order_placed()])
        .then_state(|order| assert_eq!(order.bill().total, Money::cents(3451)));

    AggregateTest::<Order>::state_stored(id, menu.clone())
        .given([order_placed()])
        .await
        .with_metadata(chef())
        .when(StartCooking { order_id: id })
        .await
        .then_events([OrderEvent::CookingStarted {
            chef: "chef-luigi".into(),
        }]);

    // The document's rule: an order cannot skip from placed to delivered.
    AggregateTest::<Order>::state_stored(id, menu.clone())
        .given([order_placed()])
        .await
        .when(DeliverOrder { order_id: id })
        .await
        .then_error(ErrorKind::Domain)
        .then_error_message(&format!("cannot deliver order Order {id}: it is Placed"));

    AggregateTest::<Order>::event_sourced(id, menu)
        .given([
            order_placed(),
            OrderEvent::CookingStarted {
                chef: "chef-luigi".into(),
            },
            OrderEvent::OrderReady {
                customer_phone: common::PHONE.into(),
            },
            OrderEvent::OrderDelivered {
                total: Money::cents(3451),
            },
        ])
        .await
        .when(StartCooking { order_id: id })
        .await
        .then_error(ErrorKind::Domain)
        .then_error_message(&format!("cannot start cooking Order {id}: it is Delivered"));
}
