//! What the templates see besides the model: a few values computed from it in Rust, so the
//! templates stay loops and conditionals. Everything here is a pure function of the
//! [`Model`]; each value says which model field it could become if the checker computed it.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::model::{Aggregate, Applied, Command, Event, FieldSource, IdKind, Model, Source, Type};

/// The import path of the names that field types use unqualified.
fn external(name: &str) -> Option<&'static str> {
    Some(match name {
        "Decimal" => "rust_decimal::Decimal",
        "BTreeMap" => "std::collections::BTreeMap",
        "NaiveDate" => "chrono::NaiveDate",
        "NaiveTime" => "chrono::NaiveTime",
        "DateTime" => "chrono::DateTime",
        "Utc" => "chrono::Utc",
        "Uuid" => "uuid::Uuid",
        _ => return None,
    })
}

/// Collects the `use` paths a module needs for the types it mentions.
pub(crate) struct Imports<'m> {
    model: &'m Model,
    /// `crate` inside the generated crate, the library's name in its integration tests.
    root: String,
    /// The module being written (`generated::domain::order`); its own items need no import.
    module: Option<String>,
    paths: BTreeSet<String>,
}

impl<'m> Imports<'m> {
    /// Imports for the module at `module` (below the crate root) of the generated crate.
    pub(crate) fn inside(model: &'m Model, module: &str) -> Self {
        Self {
            model,
            root: "crate".to_owned(),
            module: Some(module.to_owned()),
            paths: BTreeSet::new(),
        }
    }

    /// Imports for an integration test of the generated crate.
    pub(crate) fn outside(model: &'m Model) -> Self {
        Self {
            model,
            root: model.context.lib_name.clone(),
            module: None,
            paths: BTreeSet::new(),
        }
    }

    /// Every name the Rust type `rust` uses unqualified.
    pub(crate) fn ty(&mut self, rust: &str) {
        if let Ok(ty) = syn::parse_str::<syn::Type>(rust) {
            self.walk(&ty);
        }
    }

    /// A generated type, by name (`Order`, `OrderEvent`, `PlaceOrder`, `Address`).
    pub(crate) fn name(&mut self, name: &str) {
        if let Some(home) = self.model.home_of(name) {
            if self.module.as_deref() != Some(home) {
                self.paths.insert(format!("{}::{home}::{name}", self.root));
            }
        } else if let Some(path) = external(name) {
            self.paths.insert(path.to_owned());
        }
    }

    /// Any other path (`seedwork::ErrorKind`).
    pub(crate) fn path(&mut self, path: impl Into<String>) {
        self.paths.insert(path.into());
    }

    fn walk(&mut self, ty: &syn::Type) {
        match ty {
            syn::Type::Path(path) if path.qself.is_none() => {
                if let [segment] = path.path.segments.iter().collect::<Vec<_>>().as_slice() {
                    self.name(&segment.ident.to_string());
                }
                for segment in &path.path.segments {
                    if let syn::PathArguments::AngleBracketed(args) = &segment.arguments {
                        for arg in &args.args {
                            if let syn::GenericArgument::Type(inner) = arg {
                                self.walk(inner);
                            }
                        }
                    }
                }
            }
            syn::Type::Reference(reference) => self.walk(&reference.elem),
            syn::Type::Slice(slice) => self.walk(&slice.elem),
            syn::Type::Array(array) => self.walk(&array.elem),
            syn::Type::Tuple(tuple) => tuple.elems.iter().for_each(|elem| self.walk(elem)),
            _ => {}
        }
    }

    /// The collected paths, sorted.
    pub(crate) fn finish(self) -> Vec<String> {
        self.paths.into_iter().collect()
    }
}

/// An event field as a handler fills it (a [`FieldSource`] and whether it is cloned).
#[derive(Debug, Serialize)]
pub(crate) struct SourceView<'a> {
    #[serde(flatten)]
    source: &'a FieldSource,
    /// The value is not `Copy`, so it is cloned out of the command, the id or the state.
    /// (Could be `FieldSource::clone` in the model, as `Mapped::clone` is.)
    clone: bool,
}

/// One event a handler proposes.
#[derive(Debug, Serialize)]
pub(crate) struct EmitView<'a> {
    /// The event's name (its variant).
    event: &'a str,
    /// Its fields, in the event's order.
    fields: Vec<SourceView<'a>>,
}

/// A command handler.
#[derive(Debug, Serialize)]
pub(crate) struct HandlerView<'a> {
    command: &'a Command,
    emits: Vec<EmitView<'a>>,
}

/// A state field an event sets, and whether the apply method clones it (it also goes into
/// the event handed to the `applied` rule). (Could be `Applied::clone` in the model.)
#[derive(Debug, Serialize)]
pub(crate) struct AppliedView<'a> {
    #[serde(flatten)]
    applied: &'a Applied,
    clone: bool,
}

/// The apply method of one event.
#[derive(Debug, Serialize)]
pub(crate) struct ApplierView<'a> {
    event: &'a Event,
    applies: Vec<AppliedView<'a>>,
    /// The method takes more parameters than clippy's `too_many_arguments` allows.
    many_arguments: bool,
}

/// What the aggregate's module template sees besides the aggregate.
#[derive(Debug, Serialize)]
pub(crate) struct AggregateView<'a> {
    /// `use` paths of the types the module mentions.
    imports: Vec<String>,
    /// The id type is `Copy` (a uuid or an integer). (Could be `Id::is_copy`.)
    id_is_copy: bool,
    handlers: Vec<HandlerView<'a>>,
    appliers: Vec<ApplierView<'a>>,
}

fn field_type<'a>(
    fields: impl IntoIterator<Item = &'a crate::model::Field>,
    name: &str,
) -> Option<&'a Type> {
    fields.into_iter().find(|f| f.name == name).map(|f| &f.ty)
}

/// The view of `aggregate`'s module.
pub(crate) fn aggregate_view<'a>(model: &'a Model, aggregate: &'a Aggregate) -> AggregateView<'a> {
    let module = format!("generated::domain::{}", aggregate.names.snake);
    let mut imports = Imports::inside(model, &module);
    imports.ty(&aggregate.id.inner);
    for field in &aggregate.fields {
        imports.ty(&field.stored_rust);
    }
    for entity in &aggregate.entities {
        entity.fields.iter().for_each(|f| imports.ty(&f.ty.rust));
    }
    for event in &aggregate.events {
        event.fields.iter().for_each(|f| imports.ty(&f.ty.rust));
    }
    for command in &aggregate.commands {
        command.fields.iter().for_each(|f| imports.ty(&f.ty.rust));
    }
    let id_is_copy = aggregate.id.kind != IdKind::String;
    let state_fields = || aggregate.fields.iter().map(|f| &f.field);
    let handlers = aggregate
        .commands
        .iter()
        .map(|command| HandlerView {
            command,
            emits: command
                .emits
                .iter()
                .map(|emitted| EmitView {
                    event: &emitted.event,
                    fields: emitted
                        .fields
                        .iter()
                        .map(|source| {
                            let copy = match source.from {
                                Source::Command => field_type(&command.fields, &source.field)
                                    .is_some_and(|t| t.is_copy),
                                Source::State => field_type(state_fields(), &source.field)
                                    .is_some_and(|t| t.is_copy),
                                Source::AggregateId => id_is_copy,
                                // `Default::default()`: nothing to clone.
                                _ => true,
                            };
                            SourceView {
                                source,
                                clone: !copy,
                            }
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    let appliers = aggregate
        .events
        .iter()
        .map(|event| ApplierView {
            event,
            applies: event
                .applies
                .iter()
                .map(|applied| AppliedView {
                    applied,
                    clone: !field_type(&event.fields, &applied.field).is_some_and(|t| t.is_copy),
                })
                .collect(),
            // clippy counts `&mut self`; it allows 7.
            many_arguments: event.fields.len() + 1 > 7,
        })
        .collect();
    AggregateView {
        imports: imports.finish(),
        id_is_copy,
        handlers,
        appliers,
    }
}

/// What the project-wide templates see besides the model.
#[derive(Debug, Serialize)]
pub(crate) struct ProjectView {
    /// There are enums or value objects, so `domain/types.rs` exists.
    pub(crate) has_types: bool,
    /// `use` paths of `domain/types.rs`.
    pub(crate) types_imports: Vec<String>,
    /// `use` paths of `application/read_models.rs`.
    pub(crate) read_models_imports: Vec<String>,
    /// The crate's one-paragraph description: the first paragraph of the context's doc, its
    /// lines joined, else the title.
    pub(crate) description: String,
    /// `use` paths of `application/mod.rs` beyond the aggregates: the event enums the
    /// policies listen to.
    pub(crate) application_imports: Vec<String>,
    /// Every query, by name, in spec order.
    pub(crate) queries: Vec<String>,
}

/// The view of the project-wide files.
pub(crate) fn project_view(model: &Model) -> ProjectView {
    let mut types = Imports::inside(model, "generated::domain::types");
    for value_object in &model.value_objects {
        value_object
            .fields
            .iter()
            .for_each(|f| types.ty(&f.ty.rust));
    }
    let mut read_models = Imports::inside(model, "generated::application::read_models");
    for read_model in &model.read_models {
        read_model
            .fields
            .iter()
            .for_each(|f| read_models.ty(&f.ty.rust));
        for query in &read_model.queries {
            query
                .filters
                .iter()
                .for_each(|f| read_models.ty(&f.ty.rust));
        }
        read_models.ty(&read_model.key.ty.rust);
    }
    let first_paragraph: Vec<&str> = model
        .context
        .doc
        .iter()
        .map(|line| line.trim())
        .skip_while(|line| line.is_empty())
        .take_while(|line| !line.is_empty())
        .collect();
    let description = if first_paragraph.is_empty() {
        model.context.title.clone()
    } else {
        first_paragraph.join(" ")
    };
    let mut application = Imports::inside(model, "generated::application");
    for policy in &model.policies {
        application.name(&format!("{}Event", policy.on.aggregate));
    }
    ProjectView {
        application_imports: application.finish(),
        queries: model
            .read_models
            .iter()
            .flat_map(|r| r.queries.iter().map(|q| q.names.name.clone()))
            .collect(),
        description,
        has_types: !model.enums.is_empty() || !model.value_objects.is_empty(),
        types_imports: types.finish(),
        read_models_imports: read_models.finish(),
    }
}
