use std::time::Duration;

use async_trait::async_trait;

use crate::error::Result;
use crate::mediator::{Behavior, Next, Reply, Request, RequestKind};

/// Runs a command again when it lost an optimistic-concurrency race.
///
/// Each attempt reloads the aggregate, so the retried command decides on fresh state. The
/// wait doubles from `initial_backoff` up to `max_backoff`, with jitter so racing writers
/// spread out. Other errors and queries are never retried, nor is a command whose caller
/// named the version it expects ([`Metadata::expected_version`](crate::Metadata)): the
/// caller has to see the new state first.
///
/// ```
/// use std::time::Duration;
/// use seedwork::behaviors::RetryOnConflict;
/// let retry = RetryOnConflict::new(5).with_backoff(Duration::from_millis(2), Duration::from_millis(50));
/// assert_eq!(retry.attempts(), 5);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct RetryOnConflict {
    attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
}

impl Default for RetryOnConflict {
    fn default() -> Self {
        Self::new(3)
    }
}

impl RetryOnConflict {
    /// At most `attempts` tries in all (1 means no retry), with a 5 ms to 200 ms backoff.
    pub fn new(attempts: u32) -> Self {
        Self {
            attempts: attempts.max(1),
            initial_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(200),
        }
    }

    /// Sets the first wait and the longest wait between attempts.
    #[must_use]
    pub fn with_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max.max(initial);
        self
    }

    /// The largest number of tries.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let doubled = self
            .initial_backoff
            .saturating_mul(1u32 << attempt.min(16))
            .min(self.max_backoff);
        // Jitter in [50%, 100%] of the wait, from the randomness of a v4 uuid.
        let random = uuid::Uuid::new_v4().as_u128() as u64 % 1000;
        doubled.mul_f64(0.5 + random as f64 / 2000.0)
    }
}

#[async_trait]
impl Behavior for RetryOnConflict {
    async fn handle(&self, request: &Request<'_>, next: Next<'_>) -> Result<Reply> {
        if request.kind() != RequestKind::Command || request.metadata().expected_version.is_some() {
            return next.run(request).await;
        }
        let mut attempt = 0;
        loop {
            attempt += 1;
            match next.run(request).await {
                Err(error) if error.is_conflict() && attempt < self.attempts => {
                    tracing::debug!(attempt, command = request.name(), %error, "retrying after conflict");
                    tokio::time::sleep(self.backoff(attempt - 1)).await;
                }
                result => return result,
            }
        }
    }
}
