//! Who asked, and in answer to what: the request context that travels with every message.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An authenticated caller and the roles it holds.
///
/// ```
/// use seedwork::Principal;
/// let chef = Principal::new("mario").with_role("kitchen");
/// assert!(chef.has_role("kitchen"));
/// assert!(!chef.has_role("manager"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    /// A stable identifier of the caller (user name, subject claim, service name).
    pub id: String,
    /// The roles the caller holds.
    #[serde(default)]
    pub roles: Vec<String>,
    /// The service itself is acting (a policy), not an outside caller: it may send any of
    /// its own commands, whatever roles they require.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub service: bool,
}

impl Principal {
    /// A principal with no roles.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            roles: Vec::new(),
            service: false,
        }
    }

    /// The service itself, acting as `name` (a policy): authorized for every command.
    ///
    /// ```
    /// use seedwork::Principal;
    /// let policy = Principal::service("ScheduleDelivery");
    /// assert!(policy.service);
    /// assert_eq!(policy.id, "service:ScheduleDelivery");
    /// ```
    pub fn service(name: &str) -> Self {
        Self {
            id: format!("service:{name}"),
            roles: Vec::new(),
            service: true,
        }
    }

    /// Adds a role.
    #[must_use]
    pub fn with_role(mut self, role: impl Into<String>) -> Self {
        self.roles.push(role.into());
        self
    }

    /// True when the principal holds `role`.
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|held| held == role)
    }
}

/// The context of one request: who sent it, which conversation it belongs to, what caused it.
///
/// Correlation ids tie every message of one user action together; causation ids point at the
/// message that directly caused this one. Both are copied into the metadata of every event
/// the request records, so the event log can be traced back to the request.
///
/// ```
/// use seedwork::{Metadata, Principal};
/// let first = Metadata::new().with_principal(Principal::new("ann"));
/// let follow_up = first.caused_by(first.request_id);
/// assert_eq!(follow_up.correlation_id, first.correlation_id);
/// assert_eq!(follow_up.causation_id, Some(first.request_id));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// Unique id of this request.
    pub request_id: Uuid,
    /// The conversation this request belongs to.
    pub correlation_id: Uuid,
    /// The message that caused this request, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub causation_id: Option<Uuid>,
    /// The caller, when authenticated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<Principal>,
    /// A client-chosen key that makes a command idempotent (an `Idempotency-Key` header, say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// The version of the aggregate the caller last saw (an `If-Match` header): a command on
    /// an aggregate at any other version is refused as a conflict instead of deciding on
    /// state the caller has not seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_version: Option<u64>,
}

impl Default for Metadata {
    fn default() -> Self {
        Self::new()
    }
}

impl Metadata {
    /// A fresh request that starts its own conversation.
    pub fn new() -> Self {
        let id = Uuid::new_v4();
        Self {
            request_id: id,
            correlation_id: id,
            causation_id: None,
            principal: None,
            idempotency_key: None,
            expected_version: None,
        }
    }

    /// Sets the caller.
    #[must_use]
    pub fn with_principal(mut self, principal: Principal) -> Self {
        self.principal = Some(principal);
        self
    }

    /// Sets the idempotency key.
    #[must_use]
    pub fn with_idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// Sets the version the caller expects the aggregate to be at.
    #[must_use]
    pub fn with_expected_version(mut self, version: u64) -> Self {
        self.expected_version = Some(version);
        self
    }

    /// The request a policy named `policy` makes in reaction to `event`: in the event's
    /// conversation, caused by the event, sent by the service itself, and idempotent per
    /// event and policy (a redelivered event does not run the policy's command twice).
    ///
    /// ```
    /// use seedwork::{EventEnvelope, Metadata};
    /// # let event = EventEnvelope {
    /// #     event_id: uuid::Uuid::new_v4(), aggregate_type: "Order".into(), aggregate_id: "1".into(),
    /// #     version: 3, payload: (), metadata: Metadata::new(), recorded_at: std::time::SystemTime::now(),
    /// # };
    /// let request = Metadata::for_policy("ScheduleDelivery", &event);
    /// assert_eq!(request.causation_id, Some(event.event_id));
    /// assert_eq!(request.correlation_id, event.metadata.correlation_id);
    /// assert!(request.principal.unwrap().service);
    /// ```
    pub fn for_policy<E>(policy: &str, event: &crate::EventEnvelope<E>) -> Self {
        Self {
            request_id: Uuid::new_v4(),
            correlation_id: event.metadata.correlation_id,
            causation_id: Some(event.event_id),
            principal: Some(Principal::service(policy)),
            idempotency_key: Some(format!("{policy}:{}", event.event_id)),
            expected_version: None,
        }
    }

    /// A new request in the same conversation, caused by message `cause`, by the same caller.
    #[must_use]
    pub fn caused_by(&self, cause: Uuid) -> Self {
        Self {
            request_id: Uuid::new_v4(),
            correlation_id: self.correlation_id,
            causation_id: Some(cause),
            principal: self.principal.clone(),
            idempotency_key: None,
            expected_version: None,
        }
    }
}
