//! The pipeline every command and query passes through: a stack of behaviours around a handler.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use async_trait::async_trait;

use crate::error::{Error, FieldError, Result};
use crate::metadata::Metadata;

pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Whether a request changes state or only reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestKind {
    /// A command: may change state, may be retried, may be idempotent.
    Command,
    /// A query: never changes state.
    Query,
}

impl RequestKind {
    /// `command` or `query`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Command => "command",
            Self::Query => "query",
        }
    }
}

/// What a behaviour may ask of the message inside a request, without knowing its type.
pub(crate) trait Inspect: Send + Sync {
    fn validate(&self) -> Result<(), Vec<FieldError>>;
    fn required_roles(&self) -> &'static [&'static str];
}

/// Turns a typed reply into JSON and back, for behaviours that store replies.
#[derive(Clone, Copy)]
pub(crate) struct Codec {
    pub(crate) encode: fn(&(dyn Any + Send)) -> Result<serde_json::Value>,
    pub(crate) decode: fn(serde_json::Value) -> Result<Reply>,
}

/// One command or query on its way through the pipeline, as behaviours see it.
pub struct Request<'a> {
    pub(crate) name: &'static str,
    pub(crate) kind: RequestKind,
    pub(crate) target: Option<String>,
    pub(crate) metadata: &'a Metadata,
    pub(crate) message: &'a dyn Inspect,
    pub(crate) codec: Option<Codec>,
}

impl Request<'_> {
    /// The message's stable name (`Deposit`, `GetBalance`).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Command or query.
    pub fn kind(&self) -> RequestKind {
        self.kind
    }

    /// The id of the aggregate a command addresses, when it addresses one.
    pub fn target(&self) -> Option<&str> {
        self.target.as_deref()
    }

    /// Who sent it and in which conversation.
    pub fn metadata(&self) -> &Metadata {
        self.metadata
    }

    /// Runs the message's own validation.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        self.message.validate()
    }

    /// The roles of which the caller must hold one.
    pub fn required_roles(&self) -> &'static [&'static str] {
        self.message.required_roles()
    }

    /// The reply as JSON, for behaviours that store replies; `None` for replies that are not
    /// serializable (query outputs).
    pub fn encode_reply(&self, reply: &Reply) -> Option<Result<serde_json::Value>> {
        self.codec.map(|codec| (codec.encode)(reply.value.as_ref()))
    }

    /// A stored JSON reply turned back into the typed reply this request expects.
    pub fn decode_reply(&self, json: serde_json::Value) -> Option<Result<Reply>> {
        self.codec.map(|codec| (codec.decode)(json))
    }
}

/// The typed answer of a handler, carried opaquely through the behaviours.
pub struct Reply {
    pub(crate) value: Box<dyn Any + Send>,
}

impl Reply {
    pub(crate) fn new<T: Send + 'static>(value: T) -> Self {
        Self {
            value: Box::new(value),
        }
    }

    pub(crate) fn into_typed<T: 'static>(self, name: &str) -> Result<T> {
        self.value.downcast::<T>().map(|boxed| *boxed).map_err(|_| {
            Error::Configuration(format!(
                "a behaviour replaced the reply of {name} with a value of another type"
            ))
        })
    }
}

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Reply(..)")
    }
}

pub(crate) type Terminal<'a> = dyn Fn() -> BoxFuture<'a, Result<Reply>> + Send + Sync + 'a;

/// The rest of the pipeline after the current behaviour. Call [`Next::run`] to continue;
/// it may be called more than once (retries) or not at all (a cached or refused request).
#[derive(Clone, Copy)]
pub struct Next<'a> {
    pub(crate) rest: &'a [Arc<dyn Behavior>],
    pub(crate) terminal: &'a Terminal<'a>,
}

impl<'a> Next<'a> {
    /// Runs the remaining behaviours and then the handler.
    pub fn run<'r>(self, request: &'r Request<'r>) -> BoxFuture<'r, Result<Reply>>
    where
        'a: 'r,
    {
        match self.rest.split_first() {
            Some((first, rest)) => first.handle(
                request,
                Next {
                    rest,
                    terminal: self.terminal,
                },
            ),
            None => (self.terminal)(),
        }
    }
}

/// A cross-cutting concern wrapped around every command and query: validation, tracing,
/// authorization, retries, idempotency, or one of your own.
///
/// Behaviours are layers: each receives the request and the rest of the pipeline, and decides
/// whether, when and how often to continue.
///
/// ```
/// use seedwork::{async_trait, Behavior, Next, Reply, Request, Result};
///
/// struct Audit;
///
/// #[async_trait]
/// impl Behavior for Audit {
///     async fn handle(&self, request: &Request<'_>, next: Next<'_>) -> Result<Reply> {
///         println!("{} {}", request.kind().as_str(), request.name());
///         next.run(request).await
///     }
/// }
/// ```
#[async_trait]
pub trait Behavior: Send + Sync + 'static {
    /// Handles `request`, usually by calling `next.run(request)` once.
    async fn handle(&self, request: &Request<'_>, next: Next<'_>) -> Result<Reply>;
}
