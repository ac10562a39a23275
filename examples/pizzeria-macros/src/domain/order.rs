//! The order aggregate: its lifecycle, the events that record it, and the rules it keeps.
//!
//! ```text
//! Placed ──StartCooking──▶ Cooking ──MarkReady──▶ Ready ──DeliverOrder──▶ Delivered
//!    │                        │
//!    └───────CancelOrder──────┴──────▶ Cancelled
//! ```
//!
//! The lifecycle is declared on the handlers (`#[handle(from = …, to = …)]`): a command
//! that arrives in any other state is refused before its handler runs, with a message such
//! as "cannot start cooking Order 7f…: it is Delivered".

use std::fmt;
use std::sync::Arc;

use seedwork::{aggregate, aggregate_id, event, CommandContext};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::commands::{CancelOrder, DeliverOrder, MarkReady, PlaceOrder, StartCooking};
use super::customer::Customer;
use super::menu::{Bill, Menu, Money, Pizza};

/// The typed id of an order.
#[aggregate_id]
pub struct OrderId(Uuid);

/// Where an order is in its life.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OrderStatus {
    /// Received and paid for; waiting for the kitchen.
    #[default]
    Placed,
    /// In the oven.
    Cooking,
    /// Boxed and waiting for the driver.
    Ready,
    /// At the customer's door.
    Delivered,
    /// Called off before it was ready.
    Cancelled,
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// How the customer pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PaymentMethod {
    /// Cash on delivery.
    Cash,
    /// Card on delivery.
    Card,
    /// Paid online when ordering.
    Online,
}

/// What happened to an order. The names are stable: they are stored with every event.
#[event]
pub enum OrderEvent {
    /// The customer placed the order; its bill is fixed from here on.
    OrderPlaced {
        /// Who ordered.
        customer: Customer,
        /// What they ordered.
        pizzas: Vec<Pizza>,
        /// How they pay.
        payment_method: PaymentMethod,
        /// What it costs.
        bill: Bill,
    },
    /// A chef put the order in the oven.
    CookingStarted {
        /// The chef, as the kitchen signed in.
        chef: String,
    },
    /// The order is ready. It carries the phone so the customer can be told without a
    /// lookup.
    OrderReady {
        /// Where the "ready" text message goes.
        customer_phone: String,
    },
    /// The order reached the customer. The document calls this event `OrderCompleted`, and
    /// so does the event log.
    #[event(name = "OrderCompleted")]
    OrderDelivered {
        /// What the customer paid, for the revenue figures.
        total: Money,
    },
    /// The order was called off before it was ready.
    OrderCancelled {
        /// Why.
        reason: String,
    },
}

/// Why an order refuses a command, besides being in the wrong state.
#[derive(Debug, thiserror::Error)]
pub enum OrderError {
    /// A pizza that is not on the menu today.
    #[error("Pizza '{0}' is not available")]
    PizzaNotAvailable(String),
    /// Customer details that break the customer's constraints.
    #[error("{0}")]
    InvalidCustomer(seedwork::Error),
}

impl From<OrderError> for seedwork::Error {
    fn from(error: OrderError) -> Self {
        match error {
            // Already a validation error naming each field.
            OrderError::InvalidCustomer(invalid) => invalid,
            rule => seedwork::Error::domain(rule.to_string()),
        }
    }
}

/// An order of Mario's Pizzeria.
///
/// The current state is saved with a version column (`storage = state_stored`), as the
/// document's order repository saves one record per order; the events still go to every
/// event handler after the save commits.
#[aggregate(
    id = OrderId,
    event = OrderEvent,
    error = OrderError,
    status = status,
    storage = state_stored,
    services = Arc<Menu>
)]
#[derive(Debug, Default)]
pub struct Order {
    status: OrderStatus,
    customer: Option<Customer>,
    pizzas: Vec<Pizza>,
    payment_method: Option<PaymentMethod>,
    bill: Bill,
    chef: Option<String>,
    cancellation_reason: Option<String>,
}

#[aggregate]
impl Order {
    /// Checks the pizzas against the menu, prices them, and records the order.
    #[handle(to = Placed)]
    fn place(
        &self,
        command: PlaceOrder,
        context: &CommandContext<'_, Self>,
    ) -> Result<OrderEvent, OrderError> {
        let menu = context.services;
        let bill = menu.bill(&command.pizzas)?;
        let customer = Customer::new(
            command.customer_name,
            command.customer_phone,
            command.customer_address,
        )
        .map_err(OrderError::InvalidCustomer)?;
        Ok(OrderEvent::OrderPlaced {
            customer,
            pizzas: command.pizzas,
            payment_method: command.payment_method,
            bill,
        })
    }

    /// The signed-in chef starts cooking.
    #[handle(from = Placed, to = Cooking)]
    fn start_cooking(&self, _: StartCooking, context: &CommandContext<'_, Self>) -> OrderEvent {
        let chef = context
            .metadata
            .principal
            .as_ref()
            .map_or_else(|| "the kitchen".to_owned(), |chef| chef.id.clone());
        OrderEvent::CookingStarted { chef }
    }

    /// Out of the oven and boxed.
    #[handle(from = Cooking, to = Ready)]
    fn mark_ready(&self, _: MarkReady) -> OrderEvent {
        OrderEvent::OrderReady {
            customer_phone: self
                .customer()
                .map(Customer::phone)
                .unwrap_or_default()
                .to_owned(),
        }
    }

    /// Handed to the customer.
    #[handle(from = Ready, to = Delivered)]
    fn deliver(&self, _: DeliverOrder) -> OrderEvent {
        OrderEvent::OrderDelivered {
            total: self.bill.total,
        }
    }

    /// Called off; only before the order is ready.
    #[handle(from = [Placed, Cooking], to = Cancelled)]
    fn cancel(&self, command: CancelOrder) -> OrderEvent {
        OrderEvent::OrderCancelled {
            reason: command.reason,
        }
    }

    #[apply(OrderPlaced)]
    fn placed(
        &mut self,
        customer: Customer,
        pizzas: Vec<Pizza>,
        payment_method: PaymentMethod,
        bill: Bill,
    ) {
        self.status = OrderStatus::Placed;
        self.customer = Some(customer);
        self.pizzas = pizzas;
        self.payment_method = Some(payment_method);
        self.bill = bill;
    }

    #[apply(CookingStarted)]
    fn cooking_started(&mut self, chef: &str) {
        self.status = OrderStatus::Cooking;
        self.chef = Some(chef.to_owned());
    }

    #[apply(OrderReady)]
    fn ready(&mut self) {
        self.status = OrderStatus::Ready;
    }

    #[apply(OrderDelivered)]
    fn delivered(&mut self) {
        self.status = OrderStatus::Delivered;
    }

    #[apply(OrderCancelled)]
    fn cancelled(&mut self, reason: &str) {
        self.status = OrderStatus::Cancelled;
        self.cancellation_reason = Some(reason.to_owned());
    }

    /// Where the order is in its life.
    pub fn status(&self) -> OrderStatus {
        self.status
    }

    /// Who ordered; `None` only before the order is placed.
    pub fn customer(&self) -> Option<&Customer> {
        self.customer.as_ref()
    }

    /// What was ordered.
    pub fn pizzas(&self) -> &[Pizza] {
        &self.pizzas
    }

    /// How the customer pays.
    pub fn payment_method(&self) -> Option<PaymentMethod> {
        self.payment_method
    }

    /// What it costs.
    pub fn bill(&self) -> Bill {
        self.bill
    }

    /// The chef who cooked it.
    pub fn chef(&self) -> Option<&str> {
        self.chef.as_deref()
    }

    /// Why it was cancelled, if it was.
    pub fn cancellation_reason(&self) -> Option<&str> {
        self.cancellation_reason.as_deref()
    }
}
