//! # Mario's Pizzeria, written with Seedwork's macros
//!
//! The order lifecycle of the clean-architecture document (seed 000), with every trait impl
//! written by a macro and only the pizzeria's own rules written by hand:
//!
//! - **Orders** go Placed → Cooking → Ready → Delivered, and may be Cancelled before they
//!   are Ready. The lifecycle is declared on the handlers (`#[handle(from = …, to = …)]`);
//!   a command in the wrong state is refused with "cannot start cooking Order …: it is
//!   Delivered".
//! - **Placing an order** checks every pizza against today's menu ("Pizza 'Diavola' is not
//!   available") and prices it as the document does: menu prices, 8.75 % tax, a 2.99
//!   delivery fee. That is the business rule written by hand, in [`domain::menu`].
//! - **Validation** is the document's `PlaceOrderDto`: name, phone, address and 1 to 20
//!   pizzas, every broken field reported at once. [`domain::Customer`] and
//!   [`domain::Pizza`] are value objects that cannot exist invalid.
//! - **Roles**: the kitchen starts cooking and marks orders ready, a driver delivers.
//! - **Events** reach several handlers each, after the order is saved: `OrderPlaced` goes
//!   to the order tracker, the kitchen display and the customer's confirmation text;
//!   `OrderReady` leaves the kitchen display and texts the customer; `OrderCompleted` feeds
//!   the revenue figures.
//! - **Queries** (`GetOrder`, `GetKitchenQueue`, `GetMenu`, `GetRevenue`) are answered from
//!   read models, never from the orders.
//!
//! ## Layers
//!
//! As in the document, dependencies point inward:
//!
//! | module | holds | macros used |
//! |---|---|---|
//! | [`domain`] | the order aggregate, its events and commands, customer, pizzas, menu, prices | `#[aggregate_id]`, `#[aggregate]`, `#[event]`, `#[command]`, `#[value_object]` |
//! | [`application`] | queries, read models and their projections, customer notifications | `#[query]` |
//! | [`infrastructure`] | text-message adapters, the wiring over the environment's stores | — |
//!
//! ## A first order
//!
//! ```
//! use std::sync::Arc;
//! use pizzeria_macros::application::GetOrder;
//! use pizzeria_macros::domain::{OrderId, OrderStatus, PaymentMethod, PlaceOrder, Pizza, Size};
//! use pizzeria_macros::infrastructure::{Pizzeria, SmsOutbox};
//! use seedwork::Metadata;
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let outbox = Arc::new(SmsOutbox::default());
//! let pizzeria = Pizzeria::in_memory(outbox.clone())?;
//! let order_id = OrderId::new();
//! pizzeria
//!     .mediator()
//!     .send(
//!         PlaceOrder {
//!             order_id,
//!             customer_name: "Mario Rossi".into(),
//!             customer_phone: "+15555550123".into(),
//!             customer_address: "12 Via Roma, Little Italy".into(),
//!             pizzas: vec![Pizza::new("Margherita".into(), Size::Large, 1)?],
//!             payment_method: PaymentMethod::Card,
//!         },
//!         &Metadata::new(),
//!     )
//!     .await?;
//! let view = pizzeria.mediator().query(GetOrder { order_id }, &Metadata::new()).await?;
//! assert_eq!(view.status, OrderStatus::Placed);
//! assert_eq!(view.total.to_string(), "$20.38");
//! assert_eq!(outbox.sent().len(), 1);
//! # Ok::<(), seedwork::Error>(()) }).unwrap();
//! ```
//!
//! `cargo run -p pizzeria-macros` walks an order through its whole life and shows a few
//! refusals.
#![forbid(unsafe_code)]

pub mod application;
pub mod domain;
pub mod infrastructure;
