//! What can be asked of an order.
//!
//! With the macros a command is bound to the aggregate that handles it
//! (`#[command(aggregate = Order)]`) and each `#[handle]` method is typed by the command it
//! takes, so the commands sit in the domain next to the order: the domain still depends on
//! nothing outside itself. Their constraints are the document's `PlaceOrderDto`, checked by
//! the mediator's validation behaviour before any handler runs, with every field error at
//! once. The kitchen's commands need the `kitchen` role, delivery the `delivery` role.

use seedwork::command;

use super::menu::Pizza;
use super::order::{Order, OrderId, PaymentMethod};

/// A customer orders pizzas.
#[command(aggregate = Order, creates)]
pub struct PlaceOrder {
    /// The new order's id; a request that leaves it out gets a fresh one.
    #[id(generate)]
    pub order_id: OrderId,
    /// Who orders.
    #[validate(length(min = 2, max = 100))]
    pub customer_name: String,
    /// Where the text messages go.
    #[validate(pattern = r"^\+?1?[2-9]\d{9}$")]
    pub customer_phone: String,
    /// Where the pizzas go.
    #[validate(length(min = 10, max = 200))]
    pub customer_address: String,
    /// What they order: 1 to 20 lines.
    #[validate(items(min = 1, max = 20))]
    pub pizzas: Vec<Pizza>,
    /// How they pay.
    pub payment_method: PaymentMethod,
}

/// A chef puts the order in the oven.
#[command(aggregate = Order, roles = ["kitchen"])]
pub struct StartCooking {
    /// The order.
    #[id]
    pub order_id: OrderId,
}

/// A chef takes the order out of the oven and boxes it.
#[command(aggregate = Order, roles = ["kitchen"])]
pub struct MarkReady {
    /// The order.
    #[id]
    pub order_id: OrderId,
}

/// A driver hands the order to the customer.
#[command(aggregate = Order, roles = ["delivery"])]
pub struct DeliverOrder {
    /// The order.
    #[id]
    pub order_id: OrderId,
}

/// The order is called off.
#[command(aggregate = Order)]
pub struct CancelOrder {
    /// The order.
    #[id]
    pub order_id: OrderId,
    /// Why, in a few words.
    #[validate(length(min = 3, max = 200))]
    pub reason: String,
}
