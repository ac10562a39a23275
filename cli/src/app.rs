//! The command line: arguments (clap) and one function per subcommand.
//!
//! Each command returns an exit code or an [`Error`]; `main` only prints the error. Spec
//! diagnostics are printed here, with miette on a terminal and as JSON with `--format json`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::check::Checked;
use crate::diagnostic::{Rendered, SourceFile};
use crate::error::Error;
use crate::model::Model;
use crate::pipeline::{render_project, RuntimeSource};
use crate::render::templates::TemplateSet;
use crate::write::{apply, drift, plan, ApplyOptions, PlanOptions};

/// The spec file a project keeps at its root.
pub const SPEC_FILE: &str = "domain.toml";

/// Generate a DDD/CQRS service from a TOML domain spec, and keep it in step with the spec.
#[derive(Debug, Parser)]
#[command(name = "seedwork", version, about, long_about = None)]
#[command(after_help = "Start with `seedwork init --example pizzeria`, then \
`seedwork new pizzeria --spec domain.toml`.\nThe spec format: docs/spec.md; `seedwork schema` for editors.")]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
// Flattened argument groups (`ProjectArgs`, `RenderArgs`) document their own fields.
#[allow(missing_docs)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a starter spec.
    #[command(after_help = "Example:\n  seedwork init --example bank --output bank.toml")]
    Init {
        /// Which bundled example to start from.
        #[arg(long, value_enum, default_value = "pizzeria")]
        example: Example,
        /// Where to write it.
        #[arg(long, short, default_value = SPEC_FILE)]
        output: PathBuf,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Check a spec: exit 0 when it has no errors, 1 with diagnostics.
    #[command(after_help = "Example:\n  seedwork validate domain.toml --format json")]
    Validate {
        /// The spec.
        spec: PathBuf,
        /// How to print diagnostics.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Fail on warnings too.
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Scaffold a complete crate from a spec into a new (or empty) directory.
    #[command(
        after_help = "Example:\n  seedwork new pizzeria --spec examples/pizzeria/domain.toml"
    )]
    New {
        /// The project directory; it must be empty or not exist.
        dir: PathBuf,
        /// The spec; it is copied to `<dir>/domain.toml`.
        #[arg(long)]
        spec: PathBuf,
        /// Generate into a non-empty directory (user files already there are kept).
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        render: RenderArgs,
    },
    /// Regenerate the generated files of a project from its spec; user files are never touched.
    #[command(
        after_help = "Examples:\n  seedwork generate\n  seedwork generate --dry-run\n  \
seedwork generate --project examples/bank --force"
    )]
    Generate {
        #[command(flatten)]
        project: ProjectArgs,
        /// Only list what would change.
        #[arg(long)]
        dry_run: bool,
        /// Overwrite generated files edited by hand, and delete stale ones that were edited.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        render: RenderArgs,
    },
    /// Exit 0 when the generated files match the spec; otherwise print a diff and exit 1.
    #[command(after_help = "Example (CI):\n  seedwork check --project examples/pizzeria")]
    Check {
        #[command(flatten)]
        project: ProjectArgs,
        #[command(flatten)]
        render: RenderArgs,
    },
    /// Print the JSON Schema of the spec format, for editors.
    #[command(after_help = "Example:\n  seedwork schema > seedwork.schema.json")]
    Schema,
    /// Draw a spec: aggregates, commands, events, lifecycles, policies and read models.
    #[command(
        after_help = "Example:\n  seedwork graph domain.toml --format dot | dot -Tsvg > domain.svg"
    )]
    Graph {
        /// The spec.
        #[arg(default_value = SPEC_FILE)]
        spec: PathBuf,
        /// Diagram language.
        #[arg(long, value_enum, default_value = "mermaid")]
        format: GraphFormat,
    },
    /// Work with the code templates.
    #[command(subcommand)]
    Templates(TemplatesCommand),
}

/// `seedwork templates …`.
#[derive(Debug, Subcommand)]
pub enum TemplatesCommand {
    /// Copy the built-in templates to a directory to edit them; use it with `--templates`.
    #[command(after_help = "Example:\n  seedwork templates eject my-templates\n  \
seedwork generate --templates my-templates")]
    Eject {
        /// Where to copy them; existing files are never overwritten.
        #[arg(default_value = "templates")]
        dir: PathBuf,
    },
    /// List the template names.
    List,
}

/// Where a project and its spec are.
#[derive(Debug, clap::Args)]
pub struct ProjectArgs {
    /// The project root.
    #[arg(long, default_value = ".")]
    pub project: PathBuf,
    /// The spec; default `<project>/domain.toml`.
    #[arg(long)]
    pub spec: Option<PathBuf>,
}

impl ProjectArgs {
    fn spec_path(&self) -> PathBuf {
        self.spec
            .clone()
            .unwrap_or_else(|| self.project.join(SPEC_FILE))
    }
}

/// Options of rendering.
#[derive(Debug, clap::Args)]
pub struct RenderArgs {
    /// A directory of template overrides, by name (see `seedwork templates list`).
    #[arg(long)]
    pub templates: Option<PathBuf>,
    /// The `seedwork` runtime for a new project's Cargo.toml: a path to its source, or a
    /// version. Default: the source this binary was built from, if present.
    #[arg(long)]
    pub runtime: Option<String>,
}

impl RenderArgs {
    fn templates(&self) -> Result<TemplateSet, Error> {
        Ok(match &self.templates {
            Some(dir) => TemplateSet::with_overrides(dir)?,
            None => TemplateSet::embedded(),
        })
    }

    fn runtime(&self) -> RuntimeSource {
        match &self.runtime {
            Some(value) if Path::new(value).join("Cargo.toml").is_file() => {
                let path = Path::new(value);
                RuntimeSource::Path(path.canonicalize().unwrap_or_else(|_| path.to_path_buf()))
            }
            Some(version) => RuntimeSource::Version(version.clone()),
            None => RuntimeSource::default_for_this_build(),
        }
    }
}

/// The bundled example specs.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Example {
    /// Mario's Pizzeria: orders from placement to delivery.
    Pizzeria,
    /// An event-sourced bank account.
    Bank,
    /// The eShop ordering service.
    Eshop,
}

impl Example {
    /// The example's spec text.
    pub fn spec(self) -> &'static str {
        match self {
            Example::Pizzeria => include_str!("../../examples/pizzeria/domain.toml"),
            Example::Bank => include_str!("../../examples/bank/domain.toml"),
            Example::Eshop => include_str!("../../examples/eshop-ordering/domain.toml"),
        }
    }
}

/// How to print diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people: the source line and a marker under the value.
    Text,
    /// For tools and editors.
    Json,
}

/// Diagram languages.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum GraphFormat {
    /// Mermaid, for Markdown.
    Mermaid,
    /// Graphviz.
    Dot,
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode, Error> {
    match cli.command {
        Command::Init {
            example,
            output,
            force,
        } => init(example, &output, force),
        Command::Validate {
            spec,
            format,
            deny_warnings,
        } => validate(&spec, format, deny_warnings),
        Command::New {
            dir,
            spec,
            force,
            render,
        } => new(&dir, &spec, force, &render),
        Command::Generate {
            project,
            dry_run,
            force,
            render,
        } => generate(&project, dry_run, force, &render),
        Command::Check { project, render } => check(&project, &render),
        Command::Schema => {
            print!("{}", crate::schema::json_schema_pretty());
            Ok(ExitCode::SUCCESS)
        }
        Command::Graph { spec, format } => {
            let model = load_model(&spec, Format::Text)?;
            let diagram = match format {
                GraphFormat::Mermaid => crate::graph::mermaid(&model),
                GraphFormat::Dot => crate::graph::dot(&model),
            };
            print!("{diagram}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Templates(TemplatesCommand::Eject { dir }) => {
            let written = crate::render::templates::eject(&dir)?;
            eprintln!("copied {} templates to {}", written.len(), dir.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Templates(TemplatesCommand::List) => {
            for (name, _) in crate::render::templates::EMBEDDED {
                println!("{name}");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn init(example: Example, output: &Path, force: bool) -> Result<ExitCode, Error> {
    if output.exists() && !force {
        return Err(Error::Refused(format!(
            "{} already exists; pass --force to overwrite it",
            output.display()
        )));
    }
    // The bundled examples point at the schema inside this repository; a starter spec
    // points at one next to it (`seedwork schema > seedwork.schema.json`).
    let text = example.spec().replace(
        "#:schema ../../cli/seedwork.schema.json",
        "#:schema ./seedwork.schema.json",
    );
    std::fs::write(output, text).map_err(|e| Error::io(output, e))?;
    eprintln!(
        "wrote {}; check it with `seedwork validate {}`",
        output.display(),
        output.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn read_spec(path: &Path) -> Result<(SourceFile, Checked), Error> {
    crate::check::load(path).map_err(|e| Error::io(path, e))
}

/// Prints diagnostics to stderr (text) or stdout (JSON).
fn print_diagnostics(source: &SourceFile, checked: &Checked, format: Format) {
    match format {
        Format::Json => {
            let json = checked.diagnostics.to_json(source);
            println!(
                "{}",
                serde_json::to_string_pretty(&json).unwrap_or_default()
            );
        }
        Format::Text => {
            if checked.diagnostics.is_empty() {
                return;
            }
            let handler = if std::io::stderr().is_terminal() {
                miette::GraphicalReportHandler::new()
            } else {
                miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
            };
            let mut out = String::new();
            for diagnostic in checked.diagnostics.sorted() {
                let rendered = Rendered::new(diagnostic.clone(), source);
                let (line, column) = source.line_column(diagnostic.span.start);
                out.push_str(&format!("{}:{line}:{column}\n", source.name));
                if handler.render_report(&mut out, &rendered).is_err() {
                    out.push_str(&diagnostic.message);
                }
                out.push('\n');
            }
            let (errors, warnings) = checked.diagnostics.counts();
            out.push_str(&format!(
                "{}: {errors} error(s), {warnings} warning(s)\n",
                source.name
            ));
            let _ = std::io::stderr().write_all(out.as_bytes());
        }
    }
}

/// Reads and checks a spec, printing its diagnostics; the model, or the spec's errors.
fn load_model(path: &Path, format: Format) -> Result<Model, Error> {
    let (source, checked) = read_spec(path)?;
    print_diagnostics(&source, &checked, format);
    let (errors, _) = checked.diagnostics.counts();
    checked.model.ok_or(Error::InvalidSpec {
        path: source.name.clone(),
        errors,
    })
}

fn validate(path: &Path, format: Format, deny_warnings: bool) -> Result<ExitCode, Error> {
    let (source, checked) = read_spec(path)?;
    print_diagnostics(&source, &checked, format);
    let (errors, warnings) = checked.diagnostics.counts();
    let failed = errors > 0 || (deny_warnings && warnings > 0);
    if format == Format::Text && !failed {
        eprintln!("{} is valid", source.name);
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn new(dir: &Path, spec: &Path, force: bool, render: &RenderArgs) -> Result<ExitCode, Error> {
    let non_empty = dir
        .read_dir()
        .map(|mut entries| entries.next().is_some())
        .unwrap_or(false);
    if non_empty && !force {
        return Err(Error::Refused(format!(
            "{} is not empty; pass --force to generate into it (files already there that the \
             generator owns are overwritten, user files are kept)",
            dir.display()
        )));
    }
    let model = load_model(spec, Format::Text)?;
    let spec_text = std::fs::read_to_string(spec).map_err(|e| Error::io(spec, e))?;
    let templates = render.templates()?;
    let mut files = render_project(&model, &templates, &render.runtime(), dir)?;
    files.insert(SPEC_FILE, crate::files::Ownership::User, spec_text);
    let plan = plan(dir, &files, &PlanOptions { force })?;
    let report = apply(dir, &plan, &ApplyOptions::default())?;
    eprint!("{report}");
    eprintln!(
        "created {} from {}; next: `cd {} && cargo run`",
        dir.display(),
        spec.display(),
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn generate(
    project: &ProjectArgs,
    dry_run: bool,
    force: bool,
    render: &RenderArgs,
) -> Result<ExitCode, Error> {
    let spec = project.spec_path();
    let model = load_model(&spec, Format::Text)?;
    let templates = render.templates()?;
    let files = render_project(&model, &templates, &render.runtime(), &project.project)?;
    let plan = plan(&project.project, &files, &PlanOptions { force })?;
    if dry_run {
        print!("{plan}");
        return Ok(ExitCode::SUCCESS);
    }
    let report = apply(&project.project, &plan, &ApplyOptions::default())?;
    eprint!("{report}");
    Ok(ExitCode::SUCCESS)
}

fn check(project: &ProjectArgs, render: &RenderArgs) -> Result<ExitCode, Error> {
    let spec = project.spec_path();
    let model = load_model(&spec, Format::Text)?;
    let templates = render.templates()?;
    let files = render_project(&model, &templates, &render.runtime(), &project.project)?;
    let report = drift(&project.project, &files)?;
    if report.is_clean() {
        eprintln!(
            "{}: the generated files match {}",
            project.project.display(),
            spec.display()
        );
        Ok(ExitCode::SUCCESS)
    } else {
        print!("{report}");
        Ok(ExitCode::FAILURE)
    }
}
