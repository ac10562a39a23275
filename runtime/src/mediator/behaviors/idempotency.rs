use std::sync::Arc;

use async_trait::async_trait;

use crate::error::{Error, Result};
use crate::mediator::{Behavior, Next, Reply, Request, RequestKind};
use crate::store::{Claim, IdempotencyStore};

/// Makes commands that carry an idempotency key run at most once.
///
/// The first request with a key runs and its reply is stored; a later request with the same
/// key (for the same command name) gets the stored reply without running again. While the
/// first is still running, a duplicate is answered with a conflict. A failed command frees
/// its key so that the client may try again. Requests without a key pass untouched.
pub struct Idempotency {
    store: Arc<dyn IdempotencyStore>,
}

impl std::fmt::Debug for Idempotency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Idempotency")
    }
}

impl Idempotency {
    /// Remembers replies in `store`.
    pub fn new(store: Arc<dyn IdempotencyStore>) -> Self {
        Self { store }
    }
}

#[async_trait]
impl Behavior for Idempotency {
    async fn handle(&self, request: &Request<'_>, next: Next<'_>) -> Result<Reply> {
        let Some(key) = request.metadata().idempotency_key.as_deref() else {
            return next.run(request).await;
        };
        if request.kind() != RequestKind::Command {
            return next.run(request).await;
        }
        let scoped = format!("{}:{key}", request.name());
        match self.store.claim(&scoped).await? {
            Claim::Completed(stored) => {
                tracing::debug!(command = request.name(), key, "replaying stored reply");
                request.decode_reply(stored).unwrap_or_else(|| {
                    Err(Error::Configuration(format!(
                        "command `{}` has no reply codec",
                        request.name()
                    )))
                })
            }
            Claim::InProgress => Err(Error::Conflict {
                stream: scoped,
                reason: "a request with this idempotency key is still being processed".into(),
            }),
            Claim::Acquired => match next.run(request).await {
                Ok(reply) => {
                    match request.encode_reply(&reply) {
                        Some(Ok(json)) => self.store.complete(&scoped, json).await?,
                        Some(Err(error)) => {
                            tracing::warn!(command = request.name(), %error, "reply not stored");
                            self.store.release(&scoped).await?;
                        }
                        None => self.store.release(&scoped).await?,
                    }
                    Ok(reply)
                }
                Err(error) => {
                    if let Err(release_error) = self.store.release(&scoped).await {
                        tracing::warn!(%release_error, "idempotency key not released");
                    }
                    Err(error)
                }
            },
        }
    }
}
