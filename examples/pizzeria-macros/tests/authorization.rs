//! Roles: the kitchen cooks, drivers deliver, the manager reads the revenue; anyone may
//! order, cancel, track an order and read the menu.

mod common;

use common::{chef, customer, driver, manager, order_in, pizzeria};
use pizzeria_macros::application::{GetKitchenQueue, GetMenu, GetOrder, GetRevenue};
use pizzeria_macros::domain::{DeliverOrder, MarkReady, OrderStatus, StartCooking};
use seedwork::{Command, ErrorKind, Metadata, Query};

#[test]
fn the_commands_and_queries_name_their_roles() {
    let order_id = pizzeria_macros::domain::OrderId::new();
    assert_eq!(StartCooking { order_id }.required_roles(), ["kitchen"]);
    assert_eq!(MarkReady { order_id }.required_roles(), ["kitchen"]);
    assert_eq!(DeliverOrder { order_id }.required_roles(), ["delivery"]);
    assert!(common::place_order(order_id).required_roles().is_empty());
    assert_eq!(GetKitchenQueue.required_roles(), ["kitchen"]);
    assert_eq!(GetRevenue.required_roles(), ["manager"]);
    assert!(GetMenu.required_roles().is_empty());
}

#[tokio::test]
async fn only_the_kitchen_starts_cooking() {
    let (pizzeria, outbox) = pizzeria();
    let order_id = order_in(&pizzeria, OrderStatus::Placed).await;
    let mediator = pizzeria.mediator();

    let anonymous = mediator
        .send(StartCooking { order_id }, &Metadata::new())
        .await
        .unwrap_err();
    assert_eq!(anonymous.kind(), ErrorKind::Unauthorized);
    assert_eq!(anonymous.status(), 401);

    let forbidden = mediator
        .send(StartCooking { order_id }, &customer())
        .await
        .unwrap_err();
    assert_eq!(forbidden.kind(), ErrorKind::Forbidden);
    assert_eq!(forbidden.status(), 403);
    assert_eq!(
        forbidden.to_string(),
        "forbidden: command `StartCooking` requires one of the roles kitchen; `mario-rossi` has none of them"
    );

    let driver_refused = mediator
        .send(StartCooking { order_id }, &driver())
        .await
        .unwrap_err();
    assert_eq!(driver_refused.kind(), ErrorKind::Forbidden);

    // Nothing happened to the order, and nobody was texted beyond the confirmation.
    let order = pizzeria.orders().load(&order_id).await.unwrap().unwrap();
    assert_eq!(order.state.status(), OrderStatus::Placed);
    assert_eq!(order.version, 1);
    assert_eq!(outbox.sent().len(), 1);

    mediator
        .send(StartCooking { order_id }, &chef())
        .await
        .unwrap();
    let refused = mediator
        .send(MarkReady { order_id }, &customer())
        .await
        .unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::Forbidden);
    mediator
        .send(MarkReady { order_id }, &chef())
        .await
        .unwrap();
}

#[tokio::test]
async fn only_a_driver_delivers() {
    let (pizzeria, _) = pizzeria();
    let order_id = order_in(&pizzeria, OrderStatus::Ready).await;
    let mediator = pizzeria.mediator();
    let chef_refused = mediator
        .send(DeliverOrder { order_id }, &chef())
        .await
        .unwrap_err();
    assert_eq!(chef_refused.kind(), ErrorKind::Forbidden);
    mediator
        .send(DeliverOrder { order_id }, &driver())
        .await
        .unwrap();
}

#[tokio::test]
async fn staff_queries_need_staff_roles() {
    let (pizzeria, _) = pizzeria();
    let order_id = order_in(&pizzeria, OrderStatus::Placed).await;
    let mediator = pizzeria.mediator();

    let queue = mediator
        .query(GetKitchenQueue, &customer())
        .await
        .unwrap_err();
    assert_eq!(queue.kind(), ErrorKind::Forbidden);
    assert_eq!(
        mediator
            .query(GetKitchenQueue, &chef())
            .await
            .unwrap()
            .len(),
        1
    );

    let revenue = mediator.query(GetRevenue, &chef()).await.unwrap_err();
    assert_eq!(revenue.kind(), ErrorKind::Forbidden);
    assert_eq!(
        mediator.query(GetRevenue, &manager()).await.unwrap().orders,
        0
    );

    let anyone = Metadata::new();
    assert!(!mediator.query(GetMenu, &anyone).await.unwrap().is_empty());
    let view = mediator
        .query(GetOrder { order_id }, &anyone)
        .await
        .unwrap();
    assert_eq!(view.status, OrderStatus::Placed);
}
