//! The domain layer: the order, its customer, the menu and its prices.
//!
//! Nothing here knows about read models, text messages, the mediator's pipeline or where
//! orders are stored; the layers outside depend on this one, never the other way round.

pub mod commands;
pub mod customer;
pub mod menu;
pub mod order;

pub use commands::{CancelOrder, DeliverOrder, MarkReady, PlaceOrder, StartCooking};
pub use customer::Customer;
pub use menu::{Bill, Menu, MenuItem, Money, Pizza, Size};
pub use order::{Order, OrderError, OrderEvent, OrderId, OrderStatus, PaymentMethod};
