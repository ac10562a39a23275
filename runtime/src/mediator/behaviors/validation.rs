use async_trait::async_trait;

use crate::error::{Error, Result};
use crate::mediator::{Behavior, Next, Reply, Request};

/// Refuses a command or query whose own `validate` reports field errors, with all of them.
#[derive(Debug, Clone, Copy, Default)]
pub struct Validation;

#[async_trait]
impl Behavior for Validation {
    async fn handle(&self, request: &Request<'_>, next: Next<'_>) -> Result<Reply> {
        match request.validate() {
            Err(errors) if !errors.is_empty() => Err(Error::Validation(errors)),
            _ => next.run(request).await,
        }
    }
}
