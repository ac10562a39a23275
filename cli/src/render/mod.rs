//! Rendering: the validated [`Model`] → a [`FileSet`] of a complete generated crate.
//!
//! [`OUTPUTS`] says which template renders to which path, with which ownership, once for the
//! project or once per aggregate. Every template sees the same context:
//!
//! | key | what |
//! |---|---|
//! | `model` | the whole [`Model`], as is |
//! | `options` | the [`RenderOptions`] |
//! | `project` | values computed from the model for the project-wide files (imports) |
//! | `aggregate` | per-aggregate templates only: the [`Aggregate`](crate::model::Aggregate) |
//! | `view` | per-aggregate templates only: handlers with their event fields' sources, appliers, imports |
//! | `tests` | per-aggregate templates only: the planned tests (see [`scenarios`](self)) |
//! | `endpoints` | per-aggregate templates only: the HTTP routes of its commands |
//! | `api` | the queries' routes, the value objects a request check walks, every route |
//! | `read_side` | the read models' rows, versions and event arms, and their queries |
//! | `policies` | each policy's event pattern and command fields |
//! | `http_tests` | the planned HTTP tests of the whole API |
//!
//! Rendering never touches the disk and is deterministic: no clock, no paths but those in
//! [`RenderOptions`], no hash-map iteration. [`crate::verify`] then parses and formats the
//! result.

mod api;
pub mod filters;
mod http_tests;
mod integration;
mod policies;
mod read_side;
mod samples;
mod scenarios;
pub mod templates;
mod view;

use serde::Serialize;

use crate::files::{FileSet, Ownership};
use crate::model::Model;

pub use templates::{eject, TemplateError, TemplateSet};

/// What rendering needs besides the model, decided by the CLI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenderOptions {
    /// The right-hand side of the generated `Cargo.toml`'s `seedwork` dependency, as TOML:
    /// `{ path = "../../runtime", features = ["sqlite"] }` or `{ version = "0.1", features = ["sqlite"] }`.
    pub runtime_dependency: String,
}

/// Why rendering failed.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// A template does not parse, or failed while rendering.
    #[error("template `{template}`{}: {message}", origin.as_ref().map(|o| format!(" ({o})")).unwrap_or_default())]
    Template {
        /// The template's name.
        template: String,
        /// Where an overridden template was read from.
        origin: Option<String>,
        /// Tera's message with all its causes.
        message: String,
    },
    /// The template set lacks a template that rendering needs.
    #[error("the template set has no `{0}`")]
    MissingTemplate(String),
    /// Two outputs landed on one path (an aggregate named like a fixed module, say `types`).
    #[error("both `{first}` and `{second}` render to `{path}`; rename the aggregate")]
    PathClash {
        /// The path.
        path: String,
        /// The template rendered there first.
        first: String,
        /// The template that rendered there again.
        second: String,
    },
}

/// How many files a template renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One file for the project, at this path.
    Project(&'static str),
    /// One file per aggregate: prefix, the aggregate's `snake_case` name, suffix.
    PerAggregate(&'static str, &'static str),
}

/// When a project-wide file exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// Always.
    Always,
    /// The model has enums or value objects.
    HasTypes,
    /// The model has queries.
    HasQueries,
    /// Some request body holds value objects or entities.
    HasNestedBodies,
}

/// One template and the files it renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Output {
    /// The template's name.
    pub template: &'static str,
    /// Where it renders to.
    pub scope: Scope,
    /// Who owns the files.
    pub ownership: Ownership,
    /// Whether it renders at all.
    pub when: When,
}

const fn output(template: &'static str, scope: Scope, ownership: Ownership, when: When) -> Output {
    Output {
        template,
        scope,
        ownership,
        when,
    }
}

/// Every file of a generated project, and its template.
pub const OUTPUTS: &[Output] = &[
    output(
        "Cargo.toml.tera",
        Scope::Project("Cargo.toml"),
        Ownership::User,
        When::Always,
    ),
    output(
        "gitignore.tera",
        Scope::Project(".gitignore"),
        Ownership::User,
        When::Always,
    ),
    output(
        "src/lib.rs.tera",
        Scope::Project("src/lib.rs"),
        Ownership::User,
        When::Always,
    ),
    output(
        "src/main.rs.tera",
        Scope::Project("src/main.rs"),
        Ownership::User,
        When::Always,
    ),
    output(
        "src/generated/mod.rs.tera",
        Scope::Project("src/generated/mod.rs"),
        Ownership::Generated,
        When::Always,
    ),
    output(
        "src/generated/domain/mod.rs.tera",
        Scope::Project("src/generated/domain/mod.rs"),
        Ownership::Generated,
        When::Always,
    ),
    output(
        "src/generated/domain/types.rs.tera",
        Scope::Project("src/generated/domain/types.rs"),
        Ownership::Generated,
        When::HasTypes,
    ),
    output(
        "src/generated/application/mod.rs.tera",
        Scope::Project("src/generated/application/mod.rs"),
        Ownership::Generated,
        When::Always,
    ),
    output(
        "src/generated/application/read_models.rs.tera",
        Scope::Project("src/generated/application/read_models.rs"),
        Ownership::Generated,
        When::Always,
    ),
    output(
        "src/generated/application/policies.rs.tera",
        Scope::Project("src/generated/application/policies.rs"),
        Ownership::Generated,
        When::Always,
    ),
    output(
        "src/generated/application/integration.rs.tera",
        Scope::Project("src/generated/application/integration.rs"),
        Ownership::Generated,
        When::Always,
    ),
    output(
        "src/generated/infrastructure/mod.rs.tera",
        Scope::Project("src/generated/infrastructure/mod.rs"),
        Ownership::Generated,
        When::Always,
    ),
    output(
        "src/generated/api/mod.rs.tera",
        Scope::Project("src/generated/api/mod.rs"),
        Ownership::Generated,
        When::Always,
    ),
    output(
        "src/generated/api/queries.rs.tera",
        Scope::Project("src/generated/api/queries.rs"),
        Ownership::Generated,
        When::HasQueries,
    ),
    output(
        "src/generated/api/checks.rs.tera",
        Scope::Project("src/generated/api/checks.rs"),
        Ownership::Generated,
        When::HasNestedBodies,
    ),
    output(
        "src/generated/service.rs.tera",
        Scope::Project("src/generated/service.rs"),
        Ownership::Generated,
        When::Always,
    ),
    output(
        "src/rules/mod.rs.tera",
        Scope::Project("src/rules/mod.rs"),
        Ownership::Generated,
        When::Always,
    ),
    output(
        "src/generated/domain/aggregate.rs.tera",
        Scope::PerAggregate("src/generated/domain/", ".rs"),
        Ownership::Generated,
        When::Always,
    ),
    output(
        "src/generated/api/aggregate.rs.tera",
        Scope::PerAggregate("src/generated/api/", ".rs"),
        Ownership::Generated,
        When::Always,
    ),
    output(
        "src/rules/aggregate.rs.tera",
        Scope::PerAggregate("src/rules/", ".rs"),
        Ownership::User,
        When::Always,
    ),
    output(
        "tests/generated_aggregate.rs.tera",
        Scope::PerAggregate("tests/generated_", ".rs"),
        Ownership::Generated,
        When::Always,
    ),
    output(
        "tests/generated_api.rs.tera",
        Scope::Project("tests/generated_api.rs"),
        Ownership::Generated,
        When::Always,
    ),
];

/// The template that renders the file at `path` of a generated project, if any.
///
/// ```
/// use seedwork_cli::render::template_for_path;
/// assert_eq!(template_for_path("src/generated/domain/order.rs"), Some("src/generated/domain/aggregate.rs.tera"));
/// assert_eq!(template_for_path("src/generated/domain/mod.rs"), Some("src/generated/domain/mod.rs.tera"));
/// assert_eq!(template_for_path("README.md"), None);
/// ```
pub fn template_for_path(path: &str) -> Option<&'static str> {
    let fixed = OUTPUTS
        .iter()
        .find(|o| matches!(o.scope, Scope::Project(fixed) if fixed == path));
    let per_aggregate = || {
        OUTPUTS.iter().find(|o| match o.scope {
            Scope::PerAggregate(prefix, suffix) => path
                .strip_prefix(prefix)
                .and_then(|rest| rest.strip_suffix(suffix))
                .is_some_and(|name| !name.is_empty() && !name.contains('/')),
            Scope::Project(_) => false,
        })
    };
    fixed.or_else(per_aggregate).map(|o| o.template)
}

/// The context keys whose values change from one aggregate to the next.
const PER_AGGREGATE_KEYS: [&str; 4] = ["aggregate", "view", "tests", "endpoints"];

/// Renders every file of the project `model` describes. The result is not formatted yet:
/// [`crate::verify::check_and_format`] parses and formats it.
pub fn render(
    model: &Model,
    templates: &TemplateSet,
    options: &RenderOptions,
) -> Result<FileSet, RenderError> {
    let tera = engine(templates)?;
    let project = view::project_view(model);
    let api = api::api_view(model);
    let mut files = FileSet::default();
    let mut origins: std::collections::BTreeMap<String, &'static str> = Default::default();
    let mut add = |files: &mut FileSet, path: String, output: &Output, contents: String| {
        if let Some(first) = origins.insert(path.clone(), output.template) {
            return Err(RenderError::PathClash {
                path,
                first: first.to_owned(),
                second: output.template.to_owned(),
            });
        }
        files.insert(path, output.ownership, contents);
        Ok(())
    };
    // The model goes into the context once: per-aggregate values replace each other in it,
    // so rendering stays linear in the size of the model. Values are moved in and out of the
    // context (`Context::insert` would serialize a `Value` into a copy of itself).
    let mut context = tera::Context::new();
    let base = [
        ("model", tera::to_value(model)),
        ("options", tera::to_value(options)),
        ("project", tera::to_value(&project)),
        ("api", tera::to_value(&api)),
        (
            "read_side",
            tera::to_value(read_side::read_side_view(model)),
        ),
        ("policies", tera::to_value(policies::policies_view(model))),
        (
            "integration",
            tera::to_value(integration::integration_view(model)),
        ),
        ("http_tests", tera::to_value(http_tests::http_plan(model))),
    ];
    for (key, value) in base {
        let value = value.map_err(template_error(templates, "(the context)"))?;
        put(&mut context, key, value);
    }
    let mut per_aggregate: Vec<[tera::Value; 4]> = model
        .aggregates
        .iter()
        .map(|aggregate| {
            Ok([
                tera::to_value(aggregate)?,
                tera::to_value(view::aggregate_view(model, aggregate))?,
                tera::to_value(scenarios::plan(model, aggregate))?,
                tera::to_value(api::aggregate_api_view(model, aggregate))?,
            ])
        })
        .collect::<Result<_, serde_json::Error>>()
        .map_err(template_error(templates, "(the context)"))?;
    for output in OUTPUTS {
        let wanted = match output.when {
            When::Always => true,
            When::HasTypes => project.has_types,
            When::HasQueries => model.read_models.iter().any(|r| !r.queries.is_empty()),
            When::HasNestedBodies => api.nested,
        };
        if !wanted {
            continue;
        }
        match output.scope {
            Scope::Project(path) => {
                for key in PER_AGGREGATE_KEYS {
                    put(&mut context, key, tera::Value::Null);
                }
                let contents = tera
                    .render(output.template, &context)
                    .map_err(template_error(templates, output.template))?;
                add(&mut files, path.to_owned(), output, contents)?;
            }
            Scope::PerAggregate(prefix, suffix) => {
                for (aggregate, values) in model.aggregates.iter().zip(&mut per_aggregate) {
                    for (key, value) in PER_AGGREGATE_KEYS.iter().zip(values.iter_mut()) {
                        put(&mut context, key, std::mem::take(value));
                    }
                    let rendered = tera.render(output.template, &context);
                    // The values go back for the next template.
                    for (key, value) in PER_AGGREGATE_KEYS.iter().zip(values.iter_mut()) {
                        *value = context.remove(key).unwrap_or_default();
                    }
                    let contents = rendered.map_err(template_error(templates, output.template))?;
                    let path = format!("{prefix}{}{suffix}", aggregate.names.snake);
                    add(&mut files, path, output, contents)?;
                }
            }
        }
    }
    Ok(files)
}

/// Sets `key` to `value` in `context`, moving it in: what `Context::insert` does without
/// serializing the value into a copy first.
fn put(context: &mut tera::Context, key: &str, value: tera::Value) {
    let mut one = tera::Map::new();
    one.insert(key.to_owned(), value);
    if let Ok(one) = tera::Context::from_value(tera::Value::Object(one)) {
        context.extend(one);
    }
}

/// A tera instance with every template of `templates` and the filters.
fn engine(templates: &TemplateSet) -> Result<tera::Tera, RenderError> {
    let mut tera = tera::Tera::default();
    tera.autoescape_on(Vec::new());
    filters::register(&mut tera);
    for output in OUTPUTS {
        if templates.get(output.template).is_none() {
            return Err(RenderError::MissingTemplate(output.template.to_owned()));
        }
    }
    let raw: Vec<(&str, &str)> = templates
        .iter()
        .map(|(name, template)| (name, template.text.as_str()))
        .collect();
    tera.add_raw_templates(raw).map_err(|error| {
        // Tera names the template that failed to parse in its message.
        RenderError::Template {
            template: failing_template(&error, templates).unwrap_or_else(|| "?".to_owned()),
            origin: None,
            message: chain(&error),
        }
    })?;
    Ok(tera)
}

/// Turns an error into a [`RenderError::Template`] about `template`.
fn template_error<E: std::error::Error>(
    templates: &TemplateSet,
    template: &str,
) -> impl FnOnce(E) -> RenderError {
    let origin = origin(templates, template);
    let template = template.to_owned();
    move |error| RenderError::Template {
        template,
        origin,
        message: chain(&error),
    }
}

fn origin(templates: &TemplateSet, name: &str) -> Option<String> {
    match &templates.get(name)?.origin {
        templates::Origin::Embedded => None,
        templates::Origin::Override(path) => Some(path.display().to_string()),
    }
}

/// The name of the template a parse error is about, found in its message.
fn failing_template(error: &tera::Error, templates: &TemplateSet) -> Option<String> {
    let text = chain(error);
    templates
        .iter()
        .map(|(name, _)| name)
        .filter(|name| text.contains(&format!("'{name}'")))
        .max_by_key(|name| name.len())
        .map(ToOwned::to_owned)
}

/// An error and all its causes, one per line.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str("\n  ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
