//! What the tests share: the people who send requests, a sample order, and a helper that
//! walks an order to a given state through the mediator.
// Each test file uses a different part of this module.
#![allow(dead_code)]

use std::sync::Arc;

use pizzeria_macros::domain::{
    CancelOrder, Customer, DeliverOrder, MarkReady, Menu, OrderEvent, OrderId, OrderStatus,
    PaymentMethod, Pizza, PlaceOrder, Size, StartCooking,
};
use pizzeria_macros::infrastructure::{Pizzeria, SmsOutbox};
use seedwork::{Metadata, Principal};

/// The customer's phone: valid under the document's pattern.
pub const PHONE: &str = "+15555550123";

/// A signed-in customer.
pub fn customer() -> Metadata {
    Metadata::new().with_principal(Principal::new("mario-rossi").with_role("customer"))
}

/// A chef.
pub fn chef() -> Metadata {
    Metadata::new().with_principal(Principal::new("chef-luigi").with_role("kitchen"))
}

/// A driver.
pub fn driver() -> Metadata {
    Metadata::new().with_principal(Principal::new("driver-toad").with_role("delivery"))
}

/// The owner.
pub fn manager() -> Metadata {
    Metadata::new().with_principal(Principal::new("mario").with_role("manager"))
}

/// The document's example order: a large Margherita and a medium Pepperoni, $34.51.
pub fn place_order(order_id: OrderId) -> PlaceOrder {
    PlaceOrder {
        order_id,
        customer_name: "Mario Rossi".into(),
        customer_phone: PHONE.into(),
        customer_address: "12 Via Roma, Little Italy".into(),
        pizzas: vec![
            Pizza::new("Margherita".into(), Size::Large, 1).expect("a valid pizza"),
            Pizza::new("Pepperoni".into(), Size::Medium, 1).expect("a valid pizza"),
        ],
        payment_method: PaymentMethod::Card,
    }
}

/// The event that [`place_order`] records.
pub fn order_placed() -> OrderEvent {
    let command = place_order(OrderId::new());
    OrderEvent::OrderPlaced {
        customer: Customer::new(
            command.customer_name,
            command.customer_phone,
            command.customer_address,
        )
        .expect("a valid customer"),
        bill: Menu::marios()
            .bill(&command.pizzas)
            .expect("pizzas on the menu"),
        pizzas: command.pizzas,
        payment_method: command.payment_method,
    }
}

/// A pizzeria on in-memory stores whose text messages land in the returned outbox.
pub fn pizzeria() -> (Pizzeria, Arc<SmsOutbox>) {
    let outbox = Arc::new(SmsOutbox::default());
    let pizzeria = Pizzeria::in_memory(outbox.clone()).expect("the pizzeria is wired");
    (pizzeria, outbox)
}

/// Places a new order and walks it to `status` through the mediator.
pub async fn order_in(pizzeria: &Pizzeria, status: OrderStatus) -> OrderId {
    let id = OrderId::new();
    let mediator = pizzeria.mediator();
    mediator
        .send(place_order(id), &customer())
        .await
        .expect("the order is placed");
    let path: &[OrderStatus] = match status {
        OrderStatus::Placed => &[],
        OrderStatus::Cooking => &[OrderStatus::Cooking],
        OrderStatus::Ready => &[OrderStatus::Cooking, OrderStatus::Ready],
        OrderStatus::Delivered => &[
            OrderStatus::Cooking,
            OrderStatus::Ready,
            OrderStatus::Delivered,
        ],
        OrderStatus::Cancelled => &[OrderStatus::Cancelled],
    };
    for step in path {
        match step {
            OrderStatus::Cooking => mediator.send(StartCooking { order_id: id }, &chef()).await,
            OrderStatus::Ready => mediator.send(MarkReady { order_id: id }, &chef()).await,
            OrderStatus::Delivered => {
                mediator
                    .send(DeliverOrder { order_id: id }, &driver())
                    .await
            }
            OrderStatus::Cancelled => {
                let cancel = CancelOrder {
                    order_id: id,
                    reason: "ordered by mistake".into(),
                };
                mediator.send(cancel, &customer()).await
            }
            OrderStatus::Placed => unreachable!("an order is placed only once"),
        }
        .unwrap_or_else(|error| panic!("cannot move the order to {step}: {error}"));
    }
    id
}
