//! The generated HTTP tests, planned in Rust: every command of every aggregate sent through
//! the router in-process, as the given/when/then tests send it to the aggregate, and what a
//! client gets wrong answered as it should be (400, 401, 403, 404, 409, 413, 415, 422), the
//! queries, `/health` and `/openapi.json`.
//!
//! A request is a command's sample (see [`scenarios`](super::scenarios)) serialized as JSON,
//! without the id when the id travels in the path. The invalid body of an aggregate breaks
//! every constraint of its first creating command that seedwork can break with one value,
//! nested value objects included, and the answer must list each of them.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::model::{Aggregate, Command, Field, IdKind, Model, QueryKind, Source, TypeKind};

use super::api::path_parameter;
use super::samples::{id_sample, Constraints, Samples};
use super::scenarios::{plan, Case};
use super::view::Imports;

/// One request.
#[derive(Debug, Serialize)]
struct Call {
    /// `POST`, `PUT`…
    method: String,
    /// An expression for the path, a `&str` (`"/orders"`, `&format!("/orders/{id}/cooking")`).
    path: String,
    /// An expression for the JSON body, if the request has one.
    body: Option<String>,
}

/// One HTTP test: requests that set the scene (sent with every role), then the request
/// under test and what it must be answered with.
#[derive(Debug, Serialize)]
struct HttpCase {
    name: String,
    doc: String,
    /// An expression for the aggregate id the paths and bodies name (`id`).
    id: Option<String>,
    setup: Vec<Call>,
    call: Call,
    /// The bearer token of the request under test: `everything`, `nothing` or none.
    token: Option<&'static str>,
    /// `If-Match` of the request under test.
    if_match: Option<String>,
    status: u16,
    /// Text the problem's detail contains.
    detail: Option<String>,
    /// JSON-pointer mutations of the body (`/pizzas/0/quantity`, a JSON expression).
    mutations: Vec<(String, String)>,
    /// The error paths the problem must list, exactly.
    error_paths: Vec<String>,
}

/// The HTTP tests of the project.
#[derive(Debug, Serialize)]
pub(crate) struct HttpPlan {
    imports: Vec<String>,
    /// Every role a command or query requires: the `everything` token holds them all.
    roles: Vec<String>,
    cases: Vec<HttpCase>,
    /// A request with a malformed body, for the 400, 413 and 415 tests: the path of a
    /// command that takes a body.
    body_route: Option<Call>,
    /// The id expression the body route's path names, if it names one.
    body_route_id: Option<String>,
    /// One test per idempotent creating command: a repeated key is answered once, and the
    /// key is required.
    idempotent: Vec<HttpCase>,
    /// Some request path uses `key_text`.
    key_text: bool,
    /// Some request body leaves the id out (`json_without`).
    without: bool,
}

fn path_expression(command: &Command) -> String {
    if command.creates {
        return super::filters::rust_literal(&command.http.path);
    }
    match path_parameter(&command.http.path) {
        Some(parameter) => format!(
            "&format!({})",
            super::filters::rust_literal(
                &command
                    .http
                    .path
                    .replace(&format!("{{{parameter}}}"), "{id}")
            )
        ),
        None => super::filters::rust_literal(&command.http.path),
    }
}

/// The request that sends `expression`, a sample of `command`.
fn call(aggregate: &Aggregate, command: &Command, expression: &str) -> Call {
    let body = if command.creates {
        Some(format!("json(&valid({expression}))"))
    } else if command.fields.is_empty() {
        None
    } else {
        Some(format!(
            "json_without(&valid({expression}), {})",
            super::filters::rust_literal(&aggregate.id.field)
        ))
    };
    Call {
        method: command.http.method.clone(),
        path: path_expression(command),
        body,
    }
}

fn case(name: String, doc: String, setup: Vec<Call>, call: Call, status: u16) -> HttpCase {
    HttpCase {
        name,
        doc,
        id: None,
        setup,
        call,
        token: Some("everything"),
        if_match: None,
        status,
        detail: None,
        mutations: Vec::new(),
        error_paths: Vec::new(),
    }
}

/// A JSON value that breaks `constraints` of a field of kind `kind`, if one value can.
fn breaking_value(constraints: &Constraints, field: &Field) -> Option<String> {
    let kind = if field.ty.kind == TypeKind::Option {
        return None;
    } else {
        field.ty.kind
    };
    constraints.breaking_json(kind, &field.ty.spec)
}

/// Mutations that break the constraints of `fields` under `at` (a JSON pointer), with the
/// error paths they cause; one level into value objects and the first item of lists of them.
fn mutations(
    model: &Model,
    fields: &[Field],
    at: &str,
    error_at: &str,
    depth: usize,
    out: &mut Vec<(String, String, String)>,
) {
    for field in fields {
        let pointer = format!("{at}/{}", field.name);
        let path = if error_at.is_empty() {
            field.name.clone()
        } else {
            format!("{error_at}.{}", field.name)
        };
        let constraints = Constraints::parse(&field.validate);
        let inner = composite_fields(model, &field.ty);
        if depth < 2 {
            if let Some((list, nested)) = &inner {
                let count = constraints.sample_count();
                if !list {
                    mutations(model, nested, &pointer, &path, depth + 1, out);
                    continue;
                }
                if count > 0 {
                    let before = out.len();
                    mutations(
                        model,
                        nested,
                        &format!("{pointer}/0"),
                        &format!("{path}[0]"),
                        depth + 1,
                        out,
                    );
                    if out.len() > before {
                        continue;
                    }
                }
            }
        }
        if let Some(value) = breaking_value(&constraints, field) {
            out.push((pointer, value, path));
        }
    }
}

/// The fields of the value object or entity `ty` is, or holds in a `Vec` (then `true`).
fn composite_fields<'m>(model: &'m Model, ty: &crate::model::Type) -> Option<(bool, &'m [Field])> {
    let (list, name) = match ty.kind {
        TypeKind::ValueObject | TypeKind::Entity => (false, ty.spec.as_str()),
        TypeKind::List => (true, ty.spec.strip_prefix("Vec<")?.strip_suffix('>')?),
        _ => return None,
    };
    model
        .value_objects
        .iter()
        .chain(model.aggregates.iter().flat_map(|a| a.entities.iter()))
        .find(|v| v.names.name == name)
        .map(|v| (list, v.fields.as_slice()))
}

/// Plans the HTTP tests of `model`.
pub(crate) fn http_plan(model: &Model) -> HttpPlan {
    let mut imports = Imports::outside(model);
    let mut cases = Vec::new();
    let mut body_route = None;
    let mut body_route_id = None;
    let mut idempotent = Vec::new();
    let mut used_commands: BTreeSet<String> = BTreeSet::new();
    for aggregate in &model.aggregates {
        let tests = plan(model, aggregate);
        let words = &aggregate.names.words;
        let calls_of = |path: &[usize]| -> Vec<Call> {
            path.iter()
                .filter_map(|index| {
                    let command = aggregate.commands.get(*index)?;
                    Some(call(aggregate, command, tests.expressions.get(index)?))
                })
                .collect()
        };
        // Field-less commands on an existing aggregate send no body: their samples go unused.
        let mut used = |case: &Case| {
            for index in case.path.iter().chain([&case.index]) {
                if let Some(command) = aggregate.commands.get(*index) {
                    if command.creates || !command.fields.is_empty() {
                        used_commands.insert(command.names.name.clone());
                    }
                }
            }
        };
        let id = id_sample(&aggregate.id.type_name, aggregate.id.kind);
        let first = cases.len();
        let snake = &aggregate.names.snake;
        let mut first_action: Option<&Case> = None;
        let mut guarded: Option<&Case> = None;
        for test in &tests.cases {
            let Some(command) = aggregate.commands.get(test.index) else {
                continue;
            };
            let request = call(aggregate, command, &test.command);
            used(test);
            if test.succeeds {
                if !command.creates && first_action.is_none() {
                    first_action = Some(test);
                }
                if !command.roles.is_empty() && guarded.is_none() {
                    guarded = Some(test);
                }
                if command.idempotent && command.creates {
                    let mut once = case(
                        format!("{snake}_{}_is_answered_once_per_key", command.names.snake),
                        format!(
                            "`{}` is idempotent: a request repeated with its `Idempotency-Key` gets the first answer, and one without a key is answered 400.",
                            command.names.name
                        ),
                        Vec::new(),
                        call(aggregate, command, &test.command),
                        201,
                    );
                    once.id = Some(id.clone());
                    idempotent.push(once);
                }
                if body_route.is_none() && request.body.is_some() {
                    body_route = Some(call(aggregate, command, &test.command));
                    body_route_id = (!command.creates).then(|| id.clone());
                }
                cases.push(case(
                    format!("{snake}_{}_over_http", test.name),
                    format!(
                        "`{} {}` is answered {} as `{}` is accepted by the {words}.",
                        command.http.method,
                        command.http.path,
                        if command.creates { 201 } else { 200 },
                        command.names.name
                    ),
                    calls_of(&test.path),
                    request,
                    if command.creates { 201 } else { 200 },
                ));
            } else {
                let mut http = case(
                    format!("{snake}_{}_over_http", test.name),
                    format!(
                        "`{} {}` is answered 422 when the {words} is not in a state `{}` is accepted in.",
                        command.http.method, command.http.path, command.names.name
                    ),
                    calls_of(&test.path),
                    request,
                    422,
                );
                http.detail = test.refusal_text().map(ToOwned::to_owned);
                cases.push(http);
            }
        }
        if let Some(test) = first_action {
            if let Some(command) = aggregate.commands.get(test.index) {
                cases.push(case(
                    format!(
                        "{snake}_{}_of_an_unknown_{snake}_is_404",
                        command.names.snake
                    ),
                    format!(
                        "`{}` on a {words} that does not exist is answered 404.",
                        command.names.name
                    ),
                    Vec::new(),
                    call(aggregate, command, &test.command),
                    404,
                ));
                let mut stale = case(
                    format!("{snake}_{}_with_a_stale_if_match_is_409", command.names.snake),
                    format!(
                        "`{}` with an `If-Match` that is not the {words}'s version is answered 409.",
                        command.names.name
                    ),
                    calls_of(&test.path),
                    call(aggregate, command, &test.command),
                    409,
                );
                stale.if_match = Some("\"999\"".to_owned());
                cases.push(stale);
            }
        }
        if let Some(test) = guarded {
            if let Some(command) = aggregate.commands.get(test.index) {
                let mut anonymous = case(
                    format!("{snake}_{}_without_a_token_is_401", command.names.snake),
                    format!(
                        "`{}` without a bearer token is answered 401.",
                        command.names.name
                    ),
                    calls_of(&test.path),
                    call(aggregate, command, &test.command),
                    401,
                );
                anonymous.token = None;
                cases.push(anonymous);
                let mut forbidden = case(
                    format!("{snake}_{}_without_its_role_is_403", command.names.snake),
                    format!(
                        "`{}` from a caller without the role {} is answered 403.",
                        command.names.name,
                        command
                            .roles
                            .iter()
                            .map(|r| format!("`{r}`"))
                            .collect::<Vec<_>>()
                            .join(" or ")
                    ),
                    calls_of(&test.path),
                    call(aggregate, command, &test.command),
                    403,
                );
                forbidden.token = Some("nothing");
                cases.push(forbidden);
            }
        }
        // The first creating command with constraints: every one broken at once.
        let invalid = tests.cases.iter().find_map(|test| {
            let command = aggregate.commands.get(test.index)?;
            if !command.creates || !test.succeeds {
                return None;
            }
            let mut found = Vec::new();
            mutations(model, &command.fields, "", "", 0, &mut found);
            (!found.is_empty()).then_some((test, command, found))
        });
        if let Some((test, command, found)) = invalid {
            let mut http = case(
                format!("{snake}_{}_with_broken_constraints_is_422", command.names.snake),
                format!(
                    "`{}` with every constraint it can break broken at once is answered 422, listing each.",
                    command.names.name
                ),
                Vec::new(),
                call(aggregate, command, &test.command),
                422,
            );
            let paths: BTreeSet<String> = found.iter().map(|(_, _, path)| path.clone()).collect();
            http.mutations = found
                .into_iter()
                .map(|(pointer, value, _)| (pointer, value))
                .collect();
            http.error_paths = paths.into_iter().collect();
            cases.push(http);
        }
        for http in cases.iter_mut().skip(first) {
            http.id = Some(id.clone());
        }
    }

    // Queries: an unknown key, a row a creating command makes, lists and their pages.
    for read_model in &model.read_models {
        for query in &read_model.queries {
            let snake = &query.names.snake;
            let path = &query.http.path;
            match query.kind {
                QueryKind::Get => {
                    let key_sample = key_sample(model, &read_model.key);
                    let expression = match path_parameter(path) {
                        Some(parameter) => format!(
                            "&format!({}, key_text(&{key_sample}).expect(\"the key serializes\"))",
                            super::filters::rust_literal(
                                &path.replace(&format!("{{{parameter}}}"), "{}")
                            )
                        ),
                        None => super::filters::rust_literal(path),
                    };
                    cases.push(case(
                        format!("{snake}_of_an_unknown_key_is_404"),
                        format!("`GET {path}` for a key no row has is answered 404."),
                        Vec::new(),
                        Call {
                            method: "GET".to_owned(),
                            path: expression,
                            body: None,
                        },
                        404,
                    ));
                    if let Some((id, setup, get)) = row_after_creation(model, read_model, query) {
                        let mut found = case(
                            format!("{snake}_finds_the_row_a_command_made"),
                            format!("`GET {path}` finds the row the command that created the aggregate made, in the same write."),
                            vec![setup],
                            get,
                            200,
                        );
                        found.id = Some(id);
                        cases.push(found);
                    }
                }
                QueryKind::List => {
                    cases.push(case(
                        format!("{snake}_answers_a_page"),
                        format!("`GET {path}` answers a page of rows."),
                        Vec::new(),
                        Call {
                            method: "GET".to_owned(),
                            path: super::filters::rust_literal(&format!(
                                "{path}?page=1&page_size=5"
                            )),
                            body: None,
                        },
                        200,
                    ));
                    cases.push(case(
                        format!("{snake}_refuses_a_page_size_of_zero"),
                        format!("`GET {path}?page_size=0` is answered 422."),
                        Vec::new(),
                        Call {
                            method: "GET".to_owned(),
                            path: super::filters::rust_literal(&format!("{path}?page_size=0")),
                            body: None,
                        },
                        422,
                    ));
                }
            }
            if !query.roles.is_empty() {
                let mut anonymous = case(
                    format!("{snake}_without_a_token_is_401"),
                    format!("`GET {path}` without a bearer token is answered 401."),
                    Vec::new(),
                    Call {
                        method: "GET".to_owned(),
                        path: match query.kind {
                            QueryKind::List => super::filters::rust_literal(path),
                            QueryKind::Get => {
                                let key_sample = key_sample(model, &read_model.key);
                                match path_parameter(path) {
                                    Some(parameter) => format!(
                                        "&format!({}, key_text(&{key_sample}).expect(\"the key serializes\"))",
                                        super::filters::rust_literal(&path.replace(&format!("{{{parameter}}}"), "{}"))
                                    ),
                                    None => super::filters::rust_literal(path),
                                }
                            }
                        },
                        body: None,
                    },
                    401,
                );
                anonymous.token = None;
                cases.push(anonymous);
            }
        }
    }

    // The sample types and commands the requests name.
    let mut samples = Samples::new(model);
    for aggregate in &model.aggregates {
        imports.name(&aggregate.id.type_name);
        for command in &aggregate.commands {
            if used_commands.contains(&command.names.name) {
                imports.name(&command.names.name);
                command.fields.iter().for_each(|f| {
                    let _ = samples.field(f);
                });
            }
        }
    }
    for read_model in &model.read_models {
        for query in &read_model.queries {
            if query.kind == QueryKind::Get {
                let _ = samples.field(&read_model.key);
            }
        }
    }
    samples.used.iter().for_each(|t| imports.name(t));
    let roles: BTreeSet<String> = model
        .aggregates
        .iter()
        .flat_map(|a| a.commands.iter().flat_map(|c| c.roles.iter().cloned()))
        .chain(
            model
                .read_models
                .iter()
                .flat_map(|r| r.queries.iter().flat_map(|q| q.roles.iter().cloned())),
        )
        .collect();
    let calls = || {
        cases
            .iter()
            .flat_map(|case| case.setup.iter().chain([&case.call]))
    };
    let key_text = calls().any(|call| call.path.contains("key_text("));
    let without = calls().any(|call| {
        call.body
            .as_deref()
            .is_some_and(|body| body.starts_with("json_without("))
    });
    HttpPlan {
        imports: imports.finish(),
        roles: roles.into_iter().collect(),
        cases,
        body_route,
        body_route_id,
        idempotent,
        key_text,
        without,
    }
}

/// An expression for a key of `field`'s type that no test creates.
fn key_sample(model: &Model, field: &Field) -> String {
    if let Some(aggregate) = model
        .aggregates
        .iter()
        .find(|a| a.id.type_name == field.ty.rust)
    {
        return match aggregate.id.kind {
            IdKind::Uuid => format!("{}::new()", aggregate.id.type_name),
            _ => id_sample(&aggregate.id.type_name, aggregate.id.kind).replace("sample", "nobody"),
        };
    }
    let mut samples = Samples::new(model);
    samples
        .field(field)
        .unwrap_or_else(|_| "String::from(\"nobody\")".to_owned())
}

/// The creating command whose event puts a row keyed by the aggregate's id into
/// `read_model`, and the `GET` that finds it.
fn row_after_creation(
    model: &Model,
    read_model: &crate::model::ReadModel,
    query: &crate::model::Query,
) -> Option<(String, Call, Call)> {
    let parameter = path_parameter(&query.http.path)?;
    for aggregate in &model.aggregates {
        // Planning an aggregate's tests is costly: only plan those that can put the row.
        let keyed_by_id = read_model.updates.iter().any(|update| {
            update.event.aggregate == aggregate.names.name && update.key_from == Source::AggregateId
        });
        if !keyed_by_id {
            continue;
        }
        let tests = plan(model, aggregate);
        for test in &tests.cases {
            let command = aggregate.commands.get(test.index)?;
            if !command.creates || !test.succeeds {
                continue;
            }
            // The row is there after the command when its last event that touches the read
            // model puts the row rather than removes it.
            let makes_row = command.emits.iter().fold(false, |row, emitted| {
                let puts = read_model.updates.iter().any(|update| {
                    update.event.aggregate == aggregate.names.name
                        && update.event.event == emitted.event
                        && update.key_from == Source::AggregateId
                });
                let removes = read_model.removed_by.iter().any(|removal| {
                    removal.aggregate == aggregate.names.name && removal.event == emitted.event
                });
                (row || puts) && !removes
            });
            if makes_row {
                let get = Call {
                    method: "GET".to_owned(),
                    path: format!(
                        "&format!({})",
                        super::filters::rust_literal(
                            &query.http.path.replace(&format!("{{{parameter}}}"), "{id}")
                        )
                    ),
                    body: None,
                };
                let id = id_sample(&aggregate.id.type_name, aggregate.id.kind);
                return Some((id, call(aggregate, command, &test.command), get));
            }
        }
    }
    None
}
