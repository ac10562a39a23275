//! The questions the pizzeria answers, and the shapes of the answers. Queries never touch
//! the orders themselves: they are answered from read models kept up to date by events.

use seedwork::query;
use serde::{Deserialize, Serialize};

use crate::domain::{Money, OrderId, OrderStatus, Pizza};

/// An order as the customer app tracks it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderView {
    /// The order.
    pub order_id: OrderId,
    /// Who ordered.
    pub customer_name: String,
    /// What they ordered, as `2 × large Margherita`.
    pub pizzas: Vec<String>,
    /// What it costs.
    pub total: Money,
    /// Where it is in its life.
    pub status: OrderStatus,
    /// The chef cooking it, once one does.
    pub chef: Option<String>,
}

/// Where a ticket on the kitchen display is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TicketStatus {
    /// Not started yet.
    Waiting,
    /// In the oven.
    Cooking,
}

/// One order on the kitchen display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KitchenTicket {
    /// The order.
    pub order_id: OrderId,
    /// What to cook.
    pub pizzas: Vec<Pizza>,
    /// Waiting or cooking.
    pub status: TicketStatus,
    /// Who is cooking it.
    pub chef: Option<String>,
}

/// The revenue figures of delivered orders.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revenue {
    /// How many orders were delivered.
    pub orders: u32,
    /// What they brought in.
    pub amount: Money,
}

/// A pizza the customer can order today, with its prices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MenuEntry {
    /// Its name.
    pub name: String,
    /// Small, medium and large prices.
    pub prices: [Money; 3],
}

/// Tracks one order (the document's `GetOrderByIdQuery`).
#[query(output = OrderView)]
pub struct GetOrder {
    /// The order.
    pub order_id: OrderId,
}

/// The orders the kitchen has to cook, oldest first (`GetKitchenQueueQuery`).
#[query(output = Vec<KitchenTicket>, roles = ["kitchen"])]
pub struct GetKitchenQueue;

/// The pizzas that can be ordered today (`GetMenuQuery`).
#[query(output = Vec<MenuEntry>)]
pub struct GetMenu;

/// What delivered orders brought in.
#[query(output = Revenue, roles = ["manager"])]
pub struct GetRevenue;
