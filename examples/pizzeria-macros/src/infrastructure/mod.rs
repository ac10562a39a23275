//! The infrastructure layer: text-message adapters and the wiring of everything into one
//! mediator over the stores of the environment.

pub mod pizzeria;
pub mod sms;

pub use pizzeria::Pizzeria;
pub use sms::{ConsoleSms, SmsOutbox};
