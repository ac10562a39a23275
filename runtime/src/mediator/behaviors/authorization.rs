use async_trait::async_trait;

use crate::error::{Error, Result};
use crate::mediator::{Behavior, Next, Reply, Request};

/// Enforces each message's required roles: no principal is 401, a principal without any of
/// the roles is 403. Messages that require no role pass untouched, and so does the service
/// itself ([`Principal::service`](crate::Principal::service), a policy's commands).
#[derive(Debug, Clone, Copy, Default)]
pub struct Authorization;

#[async_trait]
impl Behavior for Authorization {
    async fn handle(&self, request: &Request<'_>, next: Next<'_>) -> Result<Reply> {
        let required = request.required_roles();
        if required.is_empty() {
            return next.run(request).await;
        }
        let Some(principal) = &request.metadata().principal else {
            return Err(Error::Unauthorized(format!(
                "{} `{}` requires an authenticated caller",
                request.kind().as_str(),
                request.name()
            )));
        };
        if !principal.service && !required.iter().any(|role| principal.has_role(role)) {
            return Err(Error::Forbidden(format!(
                "{} `{}` requires one of the roles {}; `{}` has none of them",
                request.kind().as_str(),
                request.name(),
                required.join(", "),
                principal.id
            )));
        }
        next.run(request).await
    }
}
