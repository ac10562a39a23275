//! Telling the customer: a confirmation when the order is placed, a text when it is ready.
//!
//! The application owns the port ([`SmsGateway`]); the infrastructure plugs in an adapter
//! (a console in development, an outbox in tests, a provider such as Twilio in production).

use std::sync::Arc;

use seedwork::{async_trait, EventEnvelope, EventHandler, Result};
use serde::{Deserialize, Serialize};

use crate::domain::OrderEvent;

/// One text message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sms {
    /// The phone number it goes to.
    pub to: String,
    /// What it says.
    pub text: String,
}

/// Sends text messages.
#[async_trait]
pub trait SmsGateway: Send + Sync + 'static {
    /// Sends `sms`, or says why it could not.
    async fn send(&self, sms: Sms) -> Result<()>;
}

/// Texts the customer when the order is placed (the document's
/// `CustomerConfirmationHandler`) and when it is ready (`CustomerNotificationHandler`), in
/// the document's words.
#[derive(Clone)]
pub struct CustomerNotifier(pub Arc<dyn SmsGateway>);

impl std::fmt::Debug for CustomerNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("CustomerNotifier").finish_non_exhaustive()
    }
}

#[async_trait]
impl EventHandler<OrderEvent> for CustomerNotifier {
    async fn handle(&self, event: &EventEnvelope<OrderEvent>) -> Result<()> {
        let id = &event.aggregate_id;
        let sms = match &event.payload {
            OrderEvent::OrderPlaced { customer, bill, .. } => Sms {
                to: customer.phone().to_owned(),
                text: format!(
                    "Hi {}! Your pizza order #{id} has been confirmed. Total: {}.",
                    customer.name(),
                    bill.total
                ),
            },
            OrderEvent::OrderReady { customer_phone } => Sms {
                to: customer_phone.clone(),
                text: format!(
                    "Your order #{id} is ready for pickup at Mario's Pizzeria! \
                     Please arrive within 15 minutes to keep your pizzas hot."
                ),
            },
            _ => return Ok(()),
        };
        self.0.send(sms).await
    }
}
