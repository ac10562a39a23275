//! After commit: one order event reaches every handler — the order tracker, the kitchen
//! display, the customer's texts, the revenue figures — and the queries answer from them.

mod common;

use common::{chef, customer, driver, manager, order_in, pizzeria, place_order, PHONE};
use pizzeria_macros::application::{
    GetKitchenQueue, GetMenu, GetOrder, GetRevenue, Sms, TicketStatus,
};
use pizzeria_macros::domain::{
    CancelOrder, DeliverOrder, MarkReady, Money, OrderId, OrderStatus, Pizza, Size, StartCooking,
};
use seedwork::ErrorKind;

#[tokio::test]
async fn one_event_reaches_several_handlers() {
    let (pizzeria, outbox) = pizzeria();
    let mediator = pizzeria.mediator();
    let order_id = OrderId::new();
    mediator
        .send(place_order(order_id), &customer())
        .await
        .unwrap();

    // OrderPlaced → the order tracker …
    let view = mediator
        .query(GetOrder { order_id }, &customer())
        .await
        .unwrap();
    assert_eq!(view.status, OrderStatus::Placed);
    assert_eq!(view.customer_name, "Mario Rossi");
    assert_eq!(view.total, Money::cents(3451));
    assert_eq!(
        view.pizzas,
        ["1 × large Margherita", "1 × medium Pepperoni"]
    );
    // … the kitchen display …
    let queue = mediator.query(GetKitchenQueue, &chef()).await.unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].order_id, order_id);
    assert_eq!(queue[0].status, TicketStatus::Waiting);
    assert_eq!(queue[0].pizzas.len(), 2);
    // … and the customer's confirmation.
    assert_eq!(
        outbox.sent(),
        [Sms {
            to: PHONE.into(),
            text: format!(
                "Hi Mario Rossi! Your pizza order #{order_id} has been confirmed. Total: $34.51."
            ),
        }]
    );
}

#[tokio::test]
async fn the_read_models_follow_the_order_through_its_life() {
    let (pizzeria, outbox) = pizzeria();
    let mediator = pizzeria.mediator();
    let order_id = order_in(&pizzeria, OrderStatus::Placed).await;

    mediator
        .send(StartCooking { order_id }, &chef())
        .await
        .unwrap();
    let queue = mediator.query(GetKitchenQueue, &chef()).await.unwrap();
    assert_eq!(queue[0].status, TicketStatus::Cooking);
    assert_eq!(queue[0].chef.as_deref(), Some("chef-luigi"));
    let view = pizzeria.read_models().order(order_id).unwrap().unwrap();
    assert_eq!(view.status, OrderStatus::Cooking);
    assert_eq!(view.chef.as_deref(), Some("chef-luigi"));

    mediator
        .send(MarkReady { order_id }, &chef())
        .await
        .unwrap();
    assert!(mediator
        .query(GetKitchenQueue, &chef())
        .await
        .unwrap()
        .is_empty());
    let ready = outbox.sent().pop().unwrap();
    assert_eq!(ready.to, PHONE);
    assert_eq!(
        ready.text,
        format!(
            "Your order #{order_id} is ready for pickup at Mario's Pizzeria! \
             Please arrive within 15 minutes to keep your pizzas hot."
        )
    );
    assert_eq!(outbox.sent().len(), 2);

    let before = mediator.query(GetRevenue, &manager()).await.unwrap();
    assert_eq!(before.orders, 0);
    mediator
        .send(DeliverOrder { order_id }, &driver())
        .await
        .unwrap();
    let revenue = mediator.query(GetRevenue, &manager()).await.unwrap();
    assert_eq!(revenue.orders, 1);
    assert_eq!(revenue.amount, Money::cents(3451));
    let view = mediator
        .query(GetOrder { order_id }, &customer())
        .await
        .unwrap();
    assert_eq!(view.status, OrderStatus::Delivered);
    assert_eq!(outbox.sent().len(), 2, "delivery sends no text");
}

#[tokio::test]
async fn the_kitchen_cooks_oldest_first_and_drops_cancelled_orders() {
    let (pizzeria, _) = pizzeria();
    let mediator = pizzeria.mediator();
    let first = order_in(&pizzeria, OrderStatus::Placed).await;
    let second = order_in(&pizzeria, OrderStatus::Placed).await;
    let third = order_in(&pizzeria, OrderStatus::Placed).await;
    let ids = |queue: Vec<pizzeria_macros::application::KitchenTicket>| {
        queue
            .iter()
            .map(|ticket| ticket.order_id)
            .collect::<Vec<_>>()
    };
    let queue = mediator.query(GetKitchenQueue, &chef()).await.unwrap();
    assert_eq!(ids(queue), [first, second, third]);

    mediator
        .send(
            CancelOrder {
                order_id: second,
                reason: "wrong address".into(),
            },
            &customer(),
        )
        .await
        .unwrap();
    let queue = mediator.query(GetKitchenQueue, &chef()).await.unwrap();
    assert_eq!(ids(queue), [first, third]);
    let view = pizzeria.read_models().order(second).unwrap().unwrap();
    assert_eq!(view.status, OrderStatus::Cancelled);
    assert_eq!(pizzeria.read_models().revenue().unwrap().orders, 0);
}

#[tokio::test]
async fn refused_commands_reach_no_handler() {
    let (pizzeria, outbox) = pizzeria();
    let mediator = pizzeria.mediator();
    let order_id = order_in(&pizzeria, OrderStatus::Delivered).await;
    let texts = outbox.sent();
    let view = pizzeria.read_models().order(order_id).unwrap();

    let refused = mediator
        .send(MarkReady { order_id }, &chef())
        .await
        .unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::Domain);
    let late = mediator
        .send(
            CancelOrder {
                order_id,
                reason: "cold pizza".into(),
            },
            &customer(),
        )
        .await
        .unwrap_err();
    assert_eq!(late.kind(), ErrorKind::Domain);

    assert_eq!(outbox.sent(), texts);
    assert_eq!(pizzeria.read_models().order(order_id).unwrap(), view);
    assert_eq!(pizzeria.read_models().revenue().unwrap().orders, 1);
}

#[tokio::test]
async fn an_unavailable_pizza_is_refused_and_never_reaches_the_kitchen() {
    let (pizzeria, outbox) = pizzeria();
    let mediator = pizzeria.mediator();
    let mut order = place_order(OrderId::new());
    order
        .pizzas
        .push(Pizza::new("Diavola".into(), Size::Small, 1).unwrap());
    let error = mediator.send(order, &customer()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Domain);
    assert_eq!(error.to_string(), "Pizza 'Diavola' is not available");
    assert!(mediator
        .query(GetKitchenQueue, &chef())
        .await
        .unwrap()
        .is_empty());
    assert!(outbox.sent().is_empty());

    let menu = mediator.query(GetMenu, &customer()).await.unwrap();
    let names: Vec<&str> = menu.iter().map(|entry| entry.name.as_str()).collect();
    assert_eq!(names, ["Margherita", "Pepperoni", "Quattro Formaggi"]);
    assert_eq!(
        menu[0].prices,
        [899, 1199, 1599].map(Money::cents),
        "small, medium, large"
    );
}
