//! The same pizzeria on SQLite: only the stores change, as the document swaps repositories
//! by environment. Orders outlive the connection; read models and texts behave the same.

mod common;

use std::sync::Arc;

use common::{chef, customer, driver, manager, order_in, place_order};
use pizzeria_macros::application::{GetKitchenQueue, GetOrder, GetRevenue};
use pizzeria_macros::domain::{
    CancelOrder, DeliverOrder, MarkReady, Menu, OrderId, OrderStatus, StartCooking,
};
use pizzeria_macros::infrastructure::{Pizzeria, SmsOutbox};
use seedwork::{ErrorKind, SqliteStore, StateStore, Stores, StreamId};

async fn on_sqlite(url: &str) -> (Pizzeria, Arc<SmsOutbox>, Arc<SqliteStore>) {
    let store = Arc::new(
        SqliteStore::connect(url)
            .await
            .unwrap_or_else(|error| panic!("cannot open {url}: {error}")),
    );
    let outbox = Arc::new(SmsOutbox::default());
    let pizzeria = Pizzeria::new(
        &Stores::shared(store.clone()),
        Menu::marios(),
        outbox.clone(),
    )
    .expect("the pizzeria is wired");
    (pizzeria, outbox, store)
}

#[tokio::test]
async fn the_whole_life_of_an_order_on_a_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("pizzeria.db").display());
    let order_id = OrderId::new();
    {
        let (pizzeria, outbox, _) = on_sqlite(&url).await;
        let mediator = pizzeria.mediator();
        mediator
            .send(place_order(order_id), &customer())
            .await
            .unwrap();
        assert_eq!(
            mediator
                .query(GetKitchenQueue, &chef())
                .await
                .unwrap()
                .len(),
            1
        );
        mediator
            .send(StartCooking { order_id }, &chef())
            .await
            .unwrap();
        mediator
            .send(MarkReady { order_id }, &chef())
            .await
            .unwrap();
        let late = mediator
            .send(
                CancelOrder {
                    order_id,
                    reason: "took too long".into(),
                },
                &customer(),
            )
            .await
            .unwrap_err();
        assert_eq!(late.kind(), ErrorKind::Domain);
        assert_eq!(
            late.to_string(),
            format!("cannot cancel order Order {order_id}: it is Ready")
        );
        let outcome = mediator
            .send(DeliverOrder { order_id }, &driver())
            .await
            .unwrap();
        assert_eq!(outcome.version, 4);

        let view = mediator
            .query(GetOrder { order_id }, &customer())
            .await
            .unwrap();
        assert_eq!(view.status, OrderStatus::Delivered);
        assert_eq!(
            mediator.query(GetRevenue, &manager()).await.unwrap().orders,
            1
        );
        assert_eq!(outbox.sent().len(), 2);
    }

    // A new connection, a new pizzeria: the order is where it was left.
    let (pizzeria, _, store) = on_sqlite(&url).await;
    let order = pizzeria.orders().load(&order_id).await.unwrap().unwrap();
    assert_eq!(order.version, 4);
    assert_eq!(order.state.status(), OrderStatus::Delivered);
    assert_eq!(order.state.chef(), Some("chef-luigi"));
    let row = store
        .load_state(&StreamId::new("Order", order_id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.version, 4);
    assert_eq!(row.state["status"], "Delivered");
    assert_eq!(row.state["customer"]["name"], "Mario Rossi");

    let refused = pizzeria
        .mediator()
        .send(StartCooking { order_id }, &chef())
        .await
        .unwrap_err();
    assert_eq!(
        refused.to_string(),
        format!("cannot start cooking Order {order_id}: it is Delivered")
    );
}

#[tokio::test]
async fn every_state_is_reached_in_an_in_memory_database() {
    let (pizzeria, _, _) = on_sqlite("sqlite::memory:").await;
    for status in [
        OrderStatus::Placed,
        OrderStatus::Cooking,
        OrderStatus::Ready,
        OrderStatus::Delivered,
        OrderStatus::Cancelled,
    ] {
        let order_id = order_in(&pizzeria, status).await;
        let order = pizzeria.orders().load(&order_id).await.unwrap().unwrap();
        assert_eq!(order.state.status(), status);
        let view = pizzeria.read_models().order(order_id).unwrap().unwrap();
        assert_eq!(view.status, status);
    }
}
