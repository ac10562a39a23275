#!/usr/bin/env python3
"""Writes two crates with the same N aggregates: one written with Seedwork's macros, one with
the same trait impls written by hand. `run.sh` builds both and compares compile times.

Each aggregate has a typed id, a status lifecycle, three events, and three commands (one
creating, two with from-states), with length and range constraints, as a typical aggregate in
the examples has.
"""
import pathlib
import sys

HEADER = """#![allow(dead_code, missing_docs)]
"""


def macro_aggregate(i: int) -> str:
    return f"""
pub mod agg{i} {{
    use seedwork::{{aggregate, aggregate_id, command, event}};

    #[aggregate_id]
    pub struct Thing{i}Id(uuid::Uuid);

    #[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
    pub enum Status{i} {{
        #[default]
        Draft,
        Active,
        Closed,
    }}

    #[event]
    pub enum Thing{i}Event {{
        Created {{ name: String, size: u32 }},
        Activated,
        Closed {{ reason: String }},
    }}

    #[aggregate(id = Thing{i}Id, event = Thing{i}Event, status = status)]
    #[derive(Debug, Default)]
    pub struct Thing{i} {{
        status: Status{i},
        name: String,
        size: u32,
    }}

    #[command(aggregate = Thing{i}, creates)]
    pub struct Create{i} {{
        #[id]
        id: Thing{i}Id,
        #[validate(length(min = 1, max = 100))]
        name: String,
        #[validate(range(min = 1, max = 1000))]
        size: u32,
    }}

    #[command(aggregate = Thing{i})]
    pub struct Activate{i} {{
        #[id]
        id: Thing{i}Id,
    }}

    #[command(aggregate = Thing{i})]
    pub struct Close{i} {{
        #[id]
        id: Thing{i}Id,
        #[validate(length(min = 3, max = 200))]
        reason: String,
    }}

    #[aggregate]
    impl Thing{i} {{
        #[handle]
        fn create(&self, command: Create{i}) -> Thing{i}Event {{
            Thing{i}Event::Created {{ name: command.name, size: command.size }}
        }}

        #[handle(from = Draft, to = Active)]
        fn activate(&self, _: Activate{i}) -> Thing{i}Event {{
            Thing{i}Event::Activated
        }}

        #[handle(from = [Draft, Active], to = Closed)]
        fn close(&self, command: Close{i}) -> Thing{i}Event {{
            Thing{i}Event::Closed {{ reason: command.reason }}
        }}

        #[apply(Created)]
        fn created(&mut self, name: &str, size: u32) {{
            self.name = name.to_owned();
            self.size = size;
        }}

        #[apply(Activated)]
        fn activated(&mut self) {{
            self.status = Status{i}::Active;
        }}

        #[apply(Closed)]
        fn closed(&mut self) {{
            self.status = Status{i}::Closed;
        }}
    }}
}}
"""


def manual_command(i: int, name: str, fields: str, validate: str, intent: str, variant: str) -> str:
    validate_fn = f"""
        fn validate(&self) -> Result<(), Vec<FieldError>> {{
            let mut errors = Vec::new();
{validate}
            if errors.is_empty() {{ Ok(()) }} else {{ Err(errors) }}
        }}""" if validate else ""
    return f"""
    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct {name}{i} {{
        id: Thing{i}Id,
{fields}
    }}

    impl Command for {name}{i} {{
        const NAME: &'static str = "{name}{i}";
        type Output = CommandOutcome<Thing{i}>;

{validate_fn}
    }}

    impl AggregateCommand for {name}{i} {{
        type Aggregate = Thing{i};
        const INTENT: CommandIntent = CommandIntent::{intent};

        fn aggregate_id(&self) -> Thing{i}Id {{
            self.id
        }}

        fn into_command(self) -> Thing{i}Command {{
            Thing{i}Command::{variant}(self)
        }}
    }}
"""


def length_check(field: str, low: int, high: int) -> str:
    return f"""            let count = self.{field}.chars().count();
            if count < {low} {{ errors.push(FieldError::new("{field}", format!("must be at least {low} characters long, got {{count}}"))); }}
            if count > {high} {{ errors.push(FieldError::new("{field}", format!("must be at most {high} characters long, got {{count}}"))); }}"""


def manual_aggregate(i: int) -> str:
    create = manual_command(
        i, "Create", "        name: String,\n        size: u32,",
        length_check("name", 1, 100) + f"""
            if self.size < 1 {{ errors.push(FieldError::new("size", format!("must be at least 1, got {{}}", self.size))); }}
            if self.size > 1000 {{ errors.push(FieldError::new("size", format!("must be at most 1000, got {{}}", self.size))); }}""",
        "Create", "Create")
    activate = manual_command(i, "Activate", "", "", "Update", "Activate")
    close = manual_command(i, "Close", "        reason: String,", length_check("reason", 3, 200), "Update", "Close")
    return f"""
pub mod agg{i} {{
    use seedwork::{{
        Aggregate, AggregateCommand, AggregateError, Command, CommandContext, CommandIntent,
        CommandOutcome, DomainEvent, FieldError, LifecycleError, MediatorBuilder, Persisted,
        Persistence, RegisterCommands, Repository,
    }};
    use serde::{{Deserialize, Serialize}};
    use std::sync::Arc;

    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
    #[serde(transparent)]
    pub struct Thing{i}Id(uuid::Uuid);

    impl std::fmt::Display for Thing{i}Id {{
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{
            self.0.fmt(f)
        }}
    }}

    impl std::str::FromStr for Thing{i}Id {{
        type Err = uuid::Error;
        fn from_str(text: &str) -> Result<Self, Self::Err> {{
            text.parse().map(Self)
        }}
    }}

    #[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
    pub enum Status{i} {{
        #[default]
        Draft,
        Active,
        Closed,
    }}

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub enum Thing{i}Event {{
        Created {{ name: String, size: u32 }},
        Activated,
        Closed {{ reason: String }},
    }}

    impl DomainEvent for Thing{i}Event {{
        fn event_type(&self) -> &'static str {{
            match self {{
                Self::Created {{ .. }} => "Created",
                Self::Activated => "Activated",
                Self::Closed {{ .. }} => "Closed",
            }}
        }}
    }}

    #[derive(Debug, Default, Clone, Serialize, Deserialize)]
    pub struct Thing{i} {{
        status: Status{i},
        name: String,
        size: u32,
    }}
{create}{activate}{close}
    pub enum Thing{i}Command {{
        Create(Create{i}),
        Activate(Activate{i}),
        Close(Close{i}),
    }}

    impl Thing{i} {{
        fn refuse(&self, command: &str, id: &Thing{i}Id) -> AggregateError<seedwork::Error> {{
            AggregateError::WrongState(LifecycleError::new(command, "Thing{i}", id, format!("{{:?}}", self.status)))
        }}
    }}

    impl Aggregate for Thing{i} {{
        const TYPE: &'static str = "Thing{i}";
        type Id = Thing{i}Id;
        type Command = Thing{i}Command;
        type Event = Thing{i}Event;
        type Error = AggregateError<seedwork::Error>;
        type Services = ();

        async fn handle(
            &self,
            command: Thing{i}Command,
            context: &CommandContext<'_, Self>,
        ) -> Result<Vec<Thing{i}Event>, Self::Error> {{
            match command {{
                Thing{i}Command::Create(c) => Ok(vec![Thing{i}Event::Created {{ name: c.name, size: c.size }}]),
                Thing{i}Command::Activate(_) => {{
                    if !matches!(self.status, Status{i}::Draft) {{
                        return Err(self.refuse(Activate{i}::NAME, context.aggregate_id));
                    }}
                    Ok(vec![Thing{i}Event::Activated])
                }}
                Thing{i}Command::Close(c) => {{
                    if !matches!(self.status, Status{i}::Draft | Status{i}::Active) {{
                        return Err(self.refuse(Close{i}::NAME, context.aggregate_id));
                    }}
                    Ok(vec![Thing{i}Event::Closed {{ reason: c.reason }}])
                }}
            }}
        }}

        fn apply(&mut self, event: &Thing{i}Event) {{
            match event {{
                Thing{i}Event::Created {{ name, size }} => {{
                    self.name = name.clone();
                    self.size = *size;
                }}
                Thing{i}Event::Activated => self.status = Status{i}::Active,
                Thing{i}Event::Closed {{ .. }} => self.status = Status{i}::Closed,
            }}
        }}

        fn intent(command: &Thing{i}Command) -> CommandIntent {{
            match command {{
                Thing{i}Command::Create(_) => CommandIntent::Create,
                _ => CommandIntent::Update,
            }}
        }}
    }}

    impl Persisted for Thing{i} {{
        const PERSISTENCE: Persistence = Persistence::EventSourced;
    }}

    impl RegisterCommands for Thing{i} {{
        fn register_commands(builder: MediatorBuilder, repository: Arc<dyn Repository<Self>>) -> MediatorBuilder {{
            builder
                .aggregate_command::<Create{i}>(repository.clone())
                .aggregate_command::<Activate{i}>(repository.clone())
                .aggregate_command::<Close{i}>(repository)
        }}
    }}
}}
"""


def write_crate(root: pathlib.Path, name: str, runtime: pathlib.Path, body: str) -> None:
    (root / "src").mkdir(parents=True, exist_ok=True)
    (root / "Cargo.toml").write_text(f"""[package]
name = "{name}"
version = "0.0.0"
edition = "2021"
publish = false

[workspace]

[dependencies]
seedwork = {{ path = "{runtime}" }}
serde = {{ version = "1", features = ["derive"] }}
uuid = {{ version = "1", features = ["v4", "serde"] }}
""")
    (root / "src" / "lib.rs").write_text(HEADER + body)


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit("usage: generate.py AGGREGATES OUT_DIR")
    count, out = int(sys.argv[1]), pathlib.Path(sys.argv[2])
    runtime = (pathlib.Path(__file__).resolve().parents[2] / "runtime").as_posix()
    write_crate(out / "with-macros", "with-macros", runtime,
                "".join(macro_aggregate(i) for i in range(count)))
    write_crate(out / "by-hand", "by-hand", runtime,
                "".join(manual_aggregate(i) for i in range(count)))


if __name__ == "__main__":
    main()
