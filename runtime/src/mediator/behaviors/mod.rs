//! The standard pipeline behaviours. Add them with [`MediatorBuilder::layer`](super::MediatorBuilder::layer),
//! outermost first: tracing, authorization, validation, idempotency, retry.

mod authorization;
mod idempotency;
mod retry;
mod trace;
mod validation;

pub use authorization::Authorization;
pub use idempotency::Idempotency;
pub use retry::RetryOnConflict;
pub use trace::Tracing;
pub use validation::Validation;
