//! What the HTTP templates see: for each command its request body, route and answers; for
//! each query its route; the value objects whose constraints a request body checks; and the
//! routes the OpenAPI document must list.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::model::{Aggregate, Command, Field, Model, QueryKind, Source};

use super::view::Imports;

/// A problem answer an operation documents.
#[derive(Debug, Serialize)]
struct Answer {
    status: u16,
    description: String,
}

fn answer(status: u16, description: impl Into<String>) -> Answer {
    Answer {
        status,
        description: description.into(),
    }
}

/// An OpenAPI link from the answer to a command: an operation that takes the aggregate's id
/// from the answer's body, so a client (or a stateful tester) knows what can follow.
#[derive(Debug, Serialize)]
struct Link {
    /// The target's operation id, also the link's name.
    operation_id: String,
    /// The target's path parameter.
    parameter: String,
    /// The runtime expression of the value (`$response.body#/order_id`).
    value: String,
    description: String,
}

/// The links from every accepted command of `aggregate`: each command on an existing
/// aggregate, and each query that finds a row its events key by the aggregate's id.
fn links(model: &Model, aggregate: &Aggregate) -> Vec<Link> {
    let value = format!("$response.body#/{}", aggregate.id.field);
    let words = &aggregate.names.words;
    let commands = aggregate
        .commands
        .iter()
        .filter(|command| !command.creates)
        .filter_map(|command| {
            Some(Link {
                operation_id: command.names.snake.clone(),
                parameter: path_parameter(&command.http.path)?,
                value: value.clone(),
                description: format!("`{}` on this {words}.", command.names.name),
            })
        });
    // A read model whose rows this aggregate's events key by its id.
    let queries = model
        .read_models
        .iter()
        .filter(|read_model| {
            read_model.key.ty.rust == aggregate.id.type_name
                && read_model.updates.iter().any(|update| {
                    update.event.aggregate == aggregate.names.name
                        && update.key_from == Source::AggregateId
                })
        })
        .flat_map(|read_model| {
            read_model
                .queries
                .iter()
                .filter(|query| query.kind == QueryKind::Get)
                .filter_map(|query| {
                    Some(Link {
                        operation_id: query.names.snake.clone(),
                        parameter: path_parameter(&query.http.path)?,
                        value: value.clone(),
                        description: format!("The {} row of this {words}.", read_model.names.words),
                    })
                })
        });
    commands.chain(queries).collect()
}

/// A field whose value objects the request check walks into.
#[derive(Debug, Serialize)]
struct Nested<'a> {
    field: &'a str,
}

/// The HTTP face of one command.
#[derive(Debug, Serialize)]
struct CommandApi<'a> {
    command: &'a Command,
    /// The request body type (`PlaceOrderRequest`).
    request: String,
    /// The body carries the aggregate's id: `required` (the caller chooses it) or `optional`
    /// (the service assigns one when it is left out); absent for commands on an existing one.
    id_in_body: Option<&'static str>,
    /// The handler takes a body: the command has fields, or the id travels in it.
    has_body: bool,
    /// The name of the path's parameter, for a command on an existing aggregate.
    path_param: Option<String>,
    /// `CREATED` or `OK`.
    status: &'static str,
    /// Fields that hold value objects or entities.
    nested: Vec<Nested<'a>>,
    /// The problems the operation may answer with.
    problems: Vec<Answer>,
    /// The operation needs a bearer token.
    secured: bool,
}

/// The HTTP routes of one aggregate.
#[derive(Debug, Serialize)]
pub(crate) struct AggregateApiView<'a> {
    imports: Vec<String>,
    /// The answer type of its commands (`OrderAccepted`).
    accepted: String,
    commands: Vec<CommandApi<'a>>,
    /// What may follow any accepted command of the aggregate.
    links: Vec<Link>,
}

/// Whether the Rust type `rust` mentions a value object or an entity of `model`.
pub(crate) fn holds_value_objects(model: &Model, rust: &str) -> bool {
    let names: BTreeSet<&str> = model
        .value_objects
        .iter()
        .map(|v| v.names.name.as_str())
        .chain(
            model
                .aggregates
                .iter()
                .flat_map(|a| a.entities.iter().map(|e| e.names.name.as_str())),
        )
        .collect();
    let Ok(ty) = syn::parse_str::<syn::Type>(rust) else {
        return false;
    };
    let mut found = false;
    walk(&ty, &mut |ident| found |= names.contains(ident));
    found
}

fn walk(ty: &syn::Type, visit: &mut impl FnMut(&str)) {
    if let syn::Type::Path(path) = ty {
        for segment in &path.path.segments {
            visit(&segment.ident.to_string());
            if let syn::PathArguments::AngleBracketed(args) = &segment.arguments {
                for arg in &args.args {
                    if let syn::GenericArgument::Type(inner) = arg {
                        walk(inner, visit);
                    }
                }
            }
        }
    }
}

/// The name of the one `{parameter}` of `path`, if any.
pub(crate) fn path_parameter(path: &str) -> Option<String> {
    path.split('/')
        .find_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .map(ToOwned::to_owned)
}

/// The problems every operation with a JSON body may answer with, besides its own.
fn body_problems(problems: &mut Vec<Answer>, path: bool) {
    problems.push(answer(
        400,
        if path {
            "The body is not JSON, or the path or a header is malformed."
        } else {
            "The body is not JSON, or a header is malformed."
        },
    ));
    problems.push(answer(413, "The body is larger than the service accepts."));
    problems.push(answer(415, "The body is not sent as `application/json`."));
}

/// 401: every request is authenticated, so an unknown bearer token is refused even where no
/// role is required.
fn unauthorized(requires_roles: bool) -> Answer {
    answer(
        401,
        if requires_roles {
            "The caller is not signed in, or its token is unknown."
        } else {
            "The bearer token is unknown (a request without one is served)."
        },
    )
}

/// 500: the service could not complete the request (its store failed); the details are in
/// its log, never in the answer.
fn internal_error() -> Answer {
    answer(
        500,
        "The service could not complete the request; the details are in its log.",
    )
}

fn command_api<'a>(
    model: &'a Model,
    aggregate: &'a Aggregate,
    command: &'a Command,
) -> CommandApi<'a> {
    let words = &aggregate.names.words;
    let id_in_body = command.creates.then_some(if aggregate.id.server_assigned {
        "optional"
    } else {
        "required"
    });
    let has_body = !command.fields.is_empty() || id_in_body.is_some();
    let path_param = (!command.creates)
        .then(|| path_parameter(&command.http.path))
        .flatten();
    let mut problems = Vec::new();
    if has_body {
        body_problems(&mut problems, path_param.is_some());
    } else {
        problems.push(answer(400, "A header or the path is malformed."));
    }
    problems.push(unauthorized(!command.roles.is_empty()));
    if !command.roles.is_empty() {
        problems.push(answer(
            403,
            format!(
                "The caller lacks the role {}.",
                command
                    .roles
                    .iter()
                    .map(|r| format!("`{r}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        ));
    }
    if command.creates {
        problems.push(answer(409, format!("The {words} already exists, or a request with this idempotency key is still running.")));
    } else {
        problems.push(answer(404, format!("There is no such {words}.")));
        problems.push(answer(409, format!("The {words} is not at the version `If-Match` names, or a request with this idempotency key is still running.")));
    }
    problems.push(answer(
        422,
        "A field breaks its constraints (every broken one is listed), or a business rule or the lifecycle refuses the command.",
    ));
    problems.push(internal_error());
    CommandApi {
        command,
        request: format!("{}Request", command.names.name),
        id_in_body,
        has_body,
        path_param,
        status: if command.creates { "CREATED" } else { "OK" },
        nested: command
            .fields
            .iter()
            .filter(|f| holds_value_objects(model, &f.ty.rust))
            .map(|f| Nested { field: &f.name })
            .collect(),
        problems,
        secured: !command.roles.is_empty(),
    }
}

/// The view of `aggregate`'s API module.
pub(crate) fn aggregate_api_view<'a>(
    model: &'a Model,
    aggregate: &'a Aggregate,
) -> AggregateApiView<'a> {
    let mut imports = Imports::inside(model, &format!("generated::api::{}", aggregate.names.snake));
    imports.name(&aggregate.names.name);
    imports.name(&aggregate.id.type_name);
    for command in &aggregate.commands {
        imports.name(&command.names.name);
        command.fields.iter().for_each(|f| imports.ty(&f.ty.rust));
    }
    let commands: Vec<CommandApi<'_>> = aggregate
        .commands
        .iter()
        .map(|command| command_api(model, aggregate, command))
        .collect();
    if commands.iter().any(|c| !c.nested.is_empty()) {
        imports.path("crate::generated::api::checks::Check");
    }
    if commands.iter().any(|c| c.has_body) {
        imports.path("seedwork::http::CheckFields");
        imports.path("seedwork::http::JsonBody");
        imports.path("seedwork::Command");
        imports.path("seedwork::FieldError");
    }
    if commands.iter().any(|c| c.path_param.is_some()) {
        imports.path("seedwork::http::ApiPath");
    }
    AggregateApiView {
        imports: imports.finish(),
        accepted: format!("{}Accepted", aggregate.names.name),
        commands,
        links: links(model, aggregate),
    }
}

/// The HTTP face of one query.
#[derive(Debug, Serialize)]
struct QueryApi<'a> {
    query: &'a crate::model::Query,
    /// The read model it reads.
    read_model: &'a str,
    /// What it answers (`OrderView`, `OrderViewPage`).
    output: String,
    /// The path parameter of a `get` query, and the key's type.
    path_param: Option<String>,
    key_type: &'a str,
    /// The key field of the read model (the get query's field).
    key_field: &'a str,
    problems: Vec<Answer>,
    secured: bool,
}

/// An operation of the OpenAPI document: what the generated test expects it to list.
#[derive(Debug, Serialize)]
struct Route {
    /// `POST /orders`.
    operation: String,
}

/// What the project-wide API templates see.
#[derive(Debug, Serialize)]
pub(crate) struct ApiView<'a> {
    /// `use` paths of `api/queries.rs`.
    queries_imports: Vec<String>,
    queries: Vec<QueryApi<'a>>,
    /// Every operation, in the order the router registers them.
    routes: Vec<Route>,
    /// Some operation needs a bearer token.
    secured: bool,
    /// `use` paths of `api/checks.rs`.
    checks_imports: Vec<String>,
    /// The value objects and entities `api/checks.rs` walks into, with the fields that hold
    /// more of them.
    checked: Vec<Checked<'a>>,
    /// Some request body holds value objects or entities, so `api/checks.rs` exists.
    pub(crate) nested: bool,
}

/// A value object or entity with the fields its check recurses into.
#[derive(Debug, Serialize)]
struct Checked<'a> {
    name: &'a str,
    nested: Vec<&'a str>,
}

fn query_api<'a>(
    read_model: &'a crate::model::ReadModel,
    query: &'a crate::model::Query,
) -> QueryApi<'a> {
    let words = &read_model.names.words;
    let mut problems = vec![answer(
        400,
        match query.kind {
            QueryKind::Get => "The key in the path is malformed.",
            QueryKind::List => "A query parameter is malformed.",
        },
    )];
    problems.push(unauthorized(!query.roles.is_empty()));
    if !query.roles.is_empty() {
        problems.push(answer(
            403,
            "The caller lacks the roles the query requires.",
        ));
    }
    match query.kind {
        QueryKind::Get => problems.push(answer(404, format!("There is no such {words}."))),
        QueryKind::List => problems.push(answer(422, "The page or the page size is out of range.")),
    }
    problems.push(internal_error());
    QueryApi {
        query,
        read_model: &read_model.names.name,
        output: match query.kind {
            QueryKind::Get => read_model.names.name.clone(),
            QueryKind::List => format!("{}Page", read_model.names.name),
        },
        path_param: (query.kind == QueryKind::Get)
            .then(|| path_parameter(&query.http.path))
            .flatten(),
        key_type: &read_model.key.ty.rust,
        key_field: &read_model.key.name,
        problems,
        secured: !query.roles.is_empty(),
    }
}

/// The view of the project-wide API files.
pub(crate) fn api_view(model: &Model) -> ApiView<'_> {
    let mut queries_imports = Imports::inside(model, "generated::api::queries");
    let mut queries = Vec::new();
    for read_model in &model.read_models {
        for query in &read_model.queries {
            let api = query_api(read_model, query);
            queries_imports.path(format!(
                "crate::generated::application::read_models::{}",
                query.names.name
            ));
            queries_imports.path(format!(
                "crate::generated::application::read_models::{}",
                api.output
            ));
            match query.kind {
                QueryKind::Get => {
                    queries_imports.ty(&read_model.key.ty.rust);
                    queries_imports.path("seedwork::http::ApiPath");
                }
                QueryKind::List => queries_imports.path("seedwork::http::ApiQuery"),
            }
            queries.push(api);
        }
    }
    let mut routes = Vec::new();
    for aggregate in &model.aggregates {
        for command in &aggregate.commands {
            routes.push(Route {
                operation: format!("{} {}", command.http.method, command.http.path),
            });
        }
    }
    for query in &queries {
        routes.push(Route {
            operation: format!("GET {}", query.query.http.path),
        });
    }
    for path in ["/health", "/openapi.json"] {
        routes.push(Route {
            operation: format!("GET {path}"),
        });
    }
    let mut checks_imports = Imports::inside(model, "generated::api::checks");
    let mut checked = Vec::new();
    let value_objects = model
        .value_objects
        .iter()
        .chain(model.aggregates.iter().flat_map(|a| a.entities.iter()));
    for value_object in value_objects {
        checks_imports.name(&value_object.names.name);
        checked.push(Checked {
            name: &value_object.names.name,
            nested: value_object
                .fields
                .iter()
                .filter(|f| holds_value_objects(model, &f.ty.rust))
                .map(|f: &Field| f.name.as_str())
                .collect(),
        });
    }
    for aggregate in &model.aggregates {
        checks_imports.name(&aggregate.id.type_name);
    }
    for name in [
        "Decimal",
        "NaiveDate",
        "NaiveTime",
        "DateTime",
        "Utc",
        "Uuid",
        "BTreeMap",
    ] {
        checks_imports.name(name);
    }
    for e in &model.enums {
        checks_imports.name(&e.names.name);
    }
    let nested = model.aggregates.iter().any(|aggregate| {
        aggregate.commands.iter().any(|command| {
            command
                .fields
                .iter()
                .any(|f| holds_value_objects(model, &f.ty.rust))
        })
    });
    ApiView {
        nested,
        secured: model
            .aggregates
            .iter()
            .flat_map(|a| a.commands.iter())
            .any(|c| !c.roles.is_empty())
            || queries.iter().any(|q| q.secured),
        queries_imports: queries_imports.finish(),
        queries,
        routes,
        checks_imports: checks_imports.finish(),
        checked,
    }
}
