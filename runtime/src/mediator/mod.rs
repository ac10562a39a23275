//! The mediator: one entry point that routes commands, queries and events to their handlers
//! through a pipeline of behaviours.
//!
//! Handlers are registered on a [`MediatorBuilder`]; registration mistakes (two handlers for one
//! command) are reported by [`MediatorBuilder::build`], before the first request is served.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use tracing::Instrument;

use crate::aggregate::{Aggregate, CommandOutcome};
use crate::error::{Error, FieldError, Result};
use crate::event::{DomainEvent, EventEnvelope};
use crate::message::{
    AggregateCommand, Command, CommandHandler, EventHandler, Policy, Query, QueryHandler,
};
use crate::metadata::Metadata;
use crate::repository::Repository;

pub mod behaviors;
mod pipeline;

pub use pipeline::{Behavior, Next, Reply, Request, RequestKind};
use pipeline::{BoxFuture, Codec, Inspect, Terminal};

/// How many policies may follow one another, each reacting to an event the previous one's
/// command recorded, before the mediator stops the chain. Real chains are short (an order is
/// ready → a delivery is scheduled); a long one is almost always a cycle of policies
/// (an event → a command that records that event again), which would never end.
pub const MAX_POLICY_DEPTH: usize = 8;

tokio::task_local! {
    /// How many policies led to the request being handled in this task.
    static POLICY_DEPTH: usize;
}

/// Publishes a committed command's events once the command has succeeded.
type AfterCommit<C> = for<'a> fn(&'a Mediator, &'a <C as Command>::Output) -> BoxFuture<'a, ()>;

struct CommandEntry<C: Command> {
    handler: Arc<dyn CommandHandler<C>>,
    target: fn(&C) -> Option<String>,
    after_commit: Option<AfterCommit<C>>,
}

struct QueryEntry<Q: Query> {
    handler: Arc<dyn QueryHandler<Q>>,
}

type ErasedEventHandler = Arc<dyn Any + Send + Sync>;

struct Inner {
    commands: HashMap<TypeId, Arc<dyn Any + Send + Sync>>,
    queries: HashMap<TypeId, Arc<dyn Any + Send + Sync>>,
    events: HashMap<TypeId, Vec<ErasedEventHandler>>,
    policies: HashMap<TypeId, Vec<ErasedEventHandler>>,
    behaviors: Vec<Arc<dyn Behavior>>,
}

/// An aggregate that knows the commands it handles, so that all of them can be registered
/// with [`MediatorBuilder::aggregate`] at once.
///
/// `#[aggregate]` implements it with one [`MediatorBuilder::aggregate_command`] per
/// `#[handle]` method.
pub trait RegisterCommands: Aggregate {
    /// Registers `repository` as the handler of each of the aggregate's commands.
    fn register_commands(
        builder: MediatorBuilder,
        repository: Arc<dyn Repository<Self>>,
    ) -> MediatorBuilder;
}

/// Routes commands to their one handler, queries to theirs, and events to every listener.
///
/// Cheap to clone: clones share the handlers.
///
/// ```
/// use seedwork::{async_trait, Command, CommandHandler, Mediator, Metadata, Result};
///
/// #[derive(Clone)]
/// struct Ping;
/// impl Command for Ping {
///     const NAME: &'static str = "Ping";
///     type Output = String;
/// }
///
/// struct Pong;
/// #[async_trait]
/// impl CommandHandler<Ping> for Pong {
///     async fn handle(&self, _: Ping, _: &Metadata) -> Result<String> {
///         Ok("pong".into())
///     }
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let mediator = Mediator::builder().command::<Ping>(Pong).build()?;
/// assert_eq!(mediator.send(Ping, &Metadata::new()).await?, "pong");
///
/// // Two handlers for one command is a mistake reported when building, not when sending.
/// assert!(Mediator::builder().command::<Ping>(Pong).command::<Ping>(Pong).build().is_err());
/// # Ok::<(), seedwork::Error>(()) }).unwrap();
/// ```
#[derive(Clone)]
pub struct Mediator {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Mediator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mediator")
            .field("commands", &self.inner.commands.len())
            .field("queries", &self.inner.queries.len())
            .field("event_types", &self.inner.events.len())
            .field("behaviors", &self.inner.behaviors.len())
            .finish()
    }
}

/// Collects handlers and behaviours, then checks them in [`build`](Self::build).
#[derive(Default)]
pub struct MediatorBuilder {
    commands: HashMap<TypeId, Arc<dyn Any + Send + Sync>>,
    queries: HashMap<TypeId, Arc<dyn Any + Send + Sync>>,
    events: HashMap<TypeId, Vec<ErasedEventHandler>>,
    policies: HashMap<TypeId, Vec<ErasedEventHandler>>,
    behaviors: Vec<Arc<dyn Behavior>>,
    mistakes: Vec<String>,
}

impl std::fmt::Debug for MediatorBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediatorBuilder")
            .field("commands", &self.commands.len())
            .field("mistakes", &self.mistakes)
            .finish_non_exhaustive()
    }
}

impl MediatorBuilder {
    /// Registers the one handler of command `C`.
    #[must_use]
    pub fn command<C: Command>(self, handler: impl CommandHandler<C>) -> Self {
        self.command_entry(CommandEntry::<C> {
            handler: Arc::new(handler),
            target: |_| None,
            after_commit: None,
        })
    }

    /// Registers `repository` as the handler of the aggregate command `C`: the command is
    /// executed on its aggregate, and its events are published to the event handlers after
    /// they are stored.
    #[must_use]
    pub fn aggregate_command<C: AggregateCommand>(
        self,
        repository: Arc<dyn Repository<C::Aggregate>>,
    ) -> Self {
        self.command_entry(CommandEntry::<C> {
            handler: Arc::new(AggregateHandler::<C::Aggregate> { repository }),
            target: |command| Some(command.aggregate_id().to_string()),
            after_commit: Some(publish_outcome::<C::Aggregate>),
        })
    }

    /// Registers `repository` as the handler of every command aggregate `A` handles, in one
    /// call; `#[aggregate]` implements [`RegisterCommands`] for the aggregates it writes.
    #[must_use]
    pub fn aggregate<A: RegisterCommands>(self, repository: Arc<dyn Repository<A>>) -> Self {
        A::register_commands(self, repository)
    }

    fn command_entry<C: Command>(mut self, entry: CommandEntry<C>) -> Self {
        if self
            .commands
            .insert(TypeId::of::<C>(), Arc::new(entry))
            .is_some()
        {
            self.mistakes.push(format!(
                "command `{}` has two handlers; a command must have exactly one",
                C::NAME
            ));
        }
        self
    }

    /// Registers the one handler of query `Q`.
    #[must_use]
    pub fn query<Q: Query>(mut self, handler: impl QueryHandler<Q>) -> Self {
        let entry: Arc<dyn Any + Send + Sync> = Arc::new(QueryEntry::<Q> {
            handler: Arc::new(handler),
        });
        if self.queries.insert(TypeId::of::<Q>(), entry).is_some() {
            self.mistakes.push(format!(
                "query `{}` has two handlers; a query must have exactly one",
                Q::NAME
            ));
        }
        self
    }

    /// Adds a listener for events of type `E`; any number may listen.
    #[must_use]
    pub fn event<E: DomainEvent>(mut self, handler: impl EventHandler<E>) -> Self {
        let handler: Arc<dyn EventHandler<E>> = Arc::new(handler);
        self.events
            .entry(TypeId::of::<E>())
            .or_default()
            .push(Arc::new(handler));
        self
    }

    /// Adds a policy that reacts to committed events of type `E`, usually by sending a
    /// command through the mediator (to another aggregate, say). Policies run after the event
    /// handlers of the event, once the write that recorded it has committed.
    #[must_use]
    pub fn policy<E: DomainEvent>(mut self, policy: impl Policy<E>) -> Self {
        let policy: Arc<dyn Policy<E>> = Arc::new(policy);
        self.policies
            .entry(TypeId::of::<E>())
            .or_default()
            .push(Arc::new(policy));
        self
    }

    /// Adds a behaviour around every request. The first added is the outermost layer.
    ///
    /// A sensible order is tracing, authorization, validation, idempotency, retry.
    #[must_use]
    pub fn layer(mut self, behavior: impl Behavior) -> Self {
        self.behaviors.push(Arc::new(behavior));
        self
    }

    /// Checks the registrations and builds the mediator.
    pub fn build(self) -> Result<Mediator> {
        if !self.mistakes.is_empty() {
            return Err(Error::Configuration(self.mistakes.join("; ")));
        }
        Ok(Mediator {
            inner: Arc::new(Inner {
                commands: self.commands,
                queries: self.queries,
                events: self.events,
                policies: self.policies,
                behaviors: self.behaviors,
            }),
        })
    }
}

struct CommandMessage<'a, C>(&'a C);

impl<C: Command> Inspect for CommandMessage<'_, C> {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        self.0.validate()
    }
    fn required_roles(&self) -> &'static [&'static str] {
        self.0.required_roles()
    }
}

struct QueryMessage<'a, Q>(&'a Q);

impl<Q: Query> Inspect for QueryMessage<'_, Q> {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        self.0.validate()
    }
    fn required_roles(&self) -> &'static [&'static str] {
        self.0.required_roles()
    }
}

fn encode_output<C: Command>(value: &(dyn Any + Send)) -> Result<serde_json::Value> {
    let output = value.downcast_ref::<C::Output>().ok_or_else(|| {
        Error::Configuration(format!("reply of {} has an unexpected type", C::NAME))
    })?;
    Ok(serde_json::to_value(output)?)
}

fn decode_output<C: Command>(json: serde_json::Value) -> Result<Reply> {
    let output: C::Output = serde_json::from_value(json).map_err(|error| {
        Error::Infrastructure(format!(
            "stored reply of {} cannot be decoded: {error}",
            C::NAME
        ))
    })?;
    Ok(Reply::new(output))
}

impl Mediator {
    /// Starts registering handlers.
    pub fn builder() -> MediatorBuilder {
        MediatorBuilder::default()
    }

    /// Sends `command` to its handler through the pipeline.
    pub async fn send<C: Command>(&self, command: C, metadata: &Metadata) -> Result<C::Output> {
        let entry = self
            .inner
            .commands
            .get(&TypeId::of::<C>())
            .and_then(|entry| entry.downcast_ref::<CommandEntry<C>>())
            .ok_or_else(|| {
                Error::Configuration(format!(
                    "no handler is registered for command `{}`",
                    C::NAME
                ))
            })?;
        let request = Request {
            name: C::NAME,
            kind: RequestKind::Command,
            target: (entry.target)(&command),
            metadata,
            message: &CommandMessage(&command),
            codec: Some(Codec {
                encode: encode_output::<C>,
                decode: decode_output::<C>,
            }),
        };
        let terminal = || -> BoxFuture<'_, Result<Reply>> {
            Box::pin(async {
                let output = entry.handler.handle(command.clone(), metadata).await?;
                if let Some(after_commit) = entry.after_commit {
                    after_commit(self, &output).await;
                }
                Ok(Reply::new(output))
            })
        };
        self.run(&request, &terminal).await?.into_typed(C::NAME)
    }

    /// Asks `query` of its handler through the pipeline.
    pub async fn query<Q: Query>(&self, query: Q, metadata: &Metadata) -> Result<Q::Output> {
        let entry = self
            .inner
            .queries
            .get(&TypeId::of::<Q>())
            .and_then(|entry| entry.downcast_ref::<QueryEntry<Q>>())
            .ok_or_else(|| {
                Error::Configuration(format!("no handler is registered for query `{}`", Q::NAME))
            })?;
        let request = Request {
            name: Q::NAME,
            kind: RequestKind::Query,
            target: None,
            metadata,
            message: &QueryMessage(&query),
            codec: None,
        };
        let terminal = || -> BoxFuture<'_, Result<Reply>> {
            Box::pin(async { Ok(Reply::new(entry.handler.handle(&query, metadata).await?)) })
        };
        self.run(&request, &terminal).await?.into_typed(Q::NAME)
    }

    async fn run<'a>(
        &'a self,
        request: &'a Request<'a>,
        terminal: &'a Terminal<'a>,
    ) -> Result<Reply> {
        Next {
            rest: &self.inner.behaviors,
            terminal,
        }
        .run(request)
        .await
    }

    /// Delivers a committed event to every handler of its type, then to every policy.
    ///
    /// A failing handler or policy does not stop the others and does not undo the commit;
    /// its error is logged and returned, together with any other's, as one error.
    pub async fn publish<E: DomainEvent>(&self, event: &EventEnvelope<E>) -> Result<()> {
        let mut failures = Vec::new();
        let handlers = self.inner.events.get(&TypeId::of::<E>());
        for handler in handlers.into_iter().flatten() {
            let Some(handler) = handler.downcast_ref::<Arc<dyn EventHandler<E>>>() else {
                continue;
            };
            let span = tracing::info_span!(
                "event",
                event_type = event.payload.event_type(),
                aggregate_id = %event.aggregate_id,
                version = event.version,
            );
            if let Err(error) = handler.handle(event).instrument(span).await {
                tracing::error!(
                    event_type = event.payload.event_type(),
                    aggregate_id = %event.aggregate_id,
                    %error,
                    "event handler failed"
                );
                failures.push(error.to_string());
            }
        }
        let policies = self.inner.policies.get(&TypeId::of::<E>());
        let depth = POLICY_DEPTH.try_with(|depth| *depth).unwrap_or(0);
        let policies = match policies {
            Some(policies) if !policies.is_empty() && depth >= MAX_POLICY_DEPTH => {
                tracing::error!(
                    event_type = event.payload.event_type(),
                    aggregate_id = %event.aggregate_id,
                    depth,
                    "policies stopped: {MAX_POLICY_DEPTH} policies followed one another, each reacting to the event the previous one caused (do the policies form a cycle?)"
                );
                failures.push(format!(
                    "the policies of {} were not run: a chain of {MAX_POLICY_DEPTH} policies led to it",
                    event.payload.event_type()
                ));
                None
            }
            policies => policies,
        };
        for policy in policies.into_iter().flatten() {
            let Some(policy) = policy.downcast_ref::<Arc<dyn Policy<E>>>() else {
                continue;
            };
            let span = tracing::info_span!(
                "policy",
                policy = policy.name(),
                event_type = event.payload.event_type(),
                aggregate_id = %event.aggregate_id,
            );
            let reacted = POLICY_DEPTH.scope(depth + 1, policy.react(event, self));
            if let Err(error) = reacted.instrument(span).await {
                tracing::error!(
                    policy = policy.name(),
                    event_type = event.payload.event_type(),
                    aggregate_id = %event.aggregate_id,
                    %error,
                    "policy failed"
                );
                failures.push(format!("policy {}: {error}", policy.name()));
            }
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(Error::Infrastructure(format!(
                "{} event handler(s) failed: {}",
                failures.len(),
                failures.join("; ")
            )))
        }
    }
}

/// Executes aggregate commands through a repository.
struct AggregateHandler<A: Aggregate> {
    repository: Arc<dyn Repository<A>>,
}

#[async_trait]
impl<C: AggregateCommand> CommandHandler<C> for AggregateHandler<C::Aggregate> {
    async fn handle(
        &self,
        command: C,
        metadata: &Metadata,
    ) -> Result<CommandOutcome<C::Aggregate>> {
        let id = command.aggregate_id();
        self.repository
            .execute(id, command.into_command(), metadata)
            .await
    }
}

/// Publishes the events of a committed command. Failures are logged by `publish`; the
/// command has committed and its caller is told it succeeded.
fn publish_outcome<'a, A: Aggregate>(
    mediator: &'a Mediator,
    outcome: &'a CommandOutcome<A>,
) -> BoxFuture<'a, ()> {
    Box::pin(async move {
        for event in &outcome.events {
            // Errors were logged per handler inside `publish`.
            let _ = mediator.publish(event).await;
        }
    })
}
