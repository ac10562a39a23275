//! Adapters of the [`SmsGateway`] port.

use std::sync::Mutex;

use seedwork::{async_trait, Error, Result};

use crate::application::{Sms, SmsGateway};

/// Prints every text message instead of sending it: the development adapter (the
/// document's `ConsoleNotificationService`).
#[derive(Debug, Clone, Copy, Default)]
pub struct ConsoleSms;

#[async_trait]
impl SmsGateway for ConsoleSms {
    async fn send(&self, sms: Sms) -> Result<()> {
        println!("    📱 SMS to {}: {}", sms.to, sms.text);
        Ok(())
    }
}

/// Keeps every text message in memory, for tests and demos that check what was sent.
#[derive(Debug, Default)]
pub struct SmsOutbox {
    sent: Mutex<Vec<Sms>>,
}

impl SmsOutbox {
    /// Every message sent so far, oldest first.
    pub fn sent(&self) -> Vec<Sms> {
        self.sent
            .lock()
            .map(|sent| sent.clone())
            .unwrap_or_default()
    }
}

#[async_trait]
impl SmsGateway for SmsOutbox {
    async fn send(&self, sms: Sms) -> Result<()> {
        self.sent
            .lock()
            .map_err(|_| Error::infrastructure("SMS outbox lock poisoned"))?
            .push(sms);
        Ok(())
    }
}
