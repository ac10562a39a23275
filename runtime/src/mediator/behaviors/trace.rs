use async_trait::async_trait;
use tracing::Instrument;

use crate::error::Result;
use crate::mediator::{Behavior, Next, Reply, Request};

/// Opens a `tracing` span per request naming the message, its kind, the aggregate it
/// addresses and the correlation id, and logs how the request ended.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tracing;

#[async_trait]
impl Behavior for Tracing {
    async fn handle(&self, request: &Request<'_>, next: Next<'_>) -> Result<Reply> {
        let span = tracing::info_span!(
            "request",
            kind = request.kind().as_str(),
            name = request.name(),
            aggregate_id = request.target().unwrap_or(""),
            correlation_id = %request.metadata().correlation_id,
            request_id = %request.metadata().request_id,
        );
        async move {
            let result = next.run(request).await;
            match &result {
                Ok(_) => tracing::debug!("handled"),
                Err(error) => tracing::info!(error_kind = ?error.kind(), %error, "refused"),
            }
            result
        }
        .instrument(span)
        .await
    }
}
