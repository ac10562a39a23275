//! A small account-like aggregate shared by the runtime's integration tests.
#![allow(dead_code, missing_docs)]

use seedwork::{
    Aggregate, AggregateCommand, Command, CommandContext, CommandIntent, CommandOutcome,
    DomainEvent, Error, FieldError,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Tally {
    pub opened: bool,
    pub total: i64,
    /// How many times `apply` ran on this instance: proves each event is applied once.
    pub applied: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TallyEvent {
    Opened { owner: String },
    Added { amount: i64 },
}

impl DomainEvent for TallyEvent {
    fn event_type(&self) -> &'static str {
        match self {
            Self::Opened { .. } => "TallyOpened",
            Self::Added { .. } => "AmountAdded",
        }
    }
}

#[derive(Debug, Clone)]
pub enum TallyCommand {
    Open(Open),
    Add(Add),
}

#[derive(Debug, Clone)]
pub struct Open {
    pub id: String,
    pub owner: String,
}

#[derive(Debug, Clone)]
pub struct Add {
    pub id: String,
    pub amount: i64,
    /// Records the amount twice, to test multi-event commands.
    pub twice: bool,
}

impl Aggregate for Tally {
    const TYPE: &'static str = "Tally";
    type Id = String;
    type Command = TallyCommand;
    type Event = TallyEvent;
    type Error = Error;
    type Services = ();

    async fn handle(
        &self,
        command: TallyCommand,
        _: &CommandContext<'_, Self>,
    ) -> Result<Vec<TallyEvent>, Error> {
        match command {
            TallyCommand::Open(open) => Ok(vec![TallyEvent::Opened { owner: open.owner }]),
            TallyCommand::Add(add) => {
                if self.total + add.amount > 1_000_000 {
                    return Err(Error::domain("a tally stops at one million"));
                }
                let event = TallyEvent::Added { amount: add.amount };
                Ok(if add.twice {
                    vec![event.clone(), event]
                } else {
                    vec![event]
                })
            }
        }
    }

    fn apply(&mut self, event: &TallyEvent) {
        self.applied += 1;
        match event {
            TallyEvent::Opened { .. } => self.opened = true,
            TallyEvent::Added { amount } => self.total += amount,
        }
    }

    fn intent(command: &TallyCommand) -> CommandIntent {
        match command {
            TallyCommand::Open(_) => CommandIntent::Create,
            TallyCommand::Add(_) => CommandIntent::Update,
        }
    }
}

impl Command for Open {
    const NAME: &'static str = "OpenTally";
    type Output = CommandOutcome<Tally>;

    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.id.is_empty() {
            errors.push(FieldError::new("id", "must not be empty"));
        }
        if self.owner.chars().count() < 2 {
            errors.push(FieldError::new("owner", "must have at least 2 characters"));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

impl AggregateCommand for Open {
    type Aggregate = Tally;
    fn aggregate_id(&self) -> String {
        self.id.clone()
    }
    fn into_command(self) -> TallyCommand {
        TallyCommand::Open(self)
    }
}

impl Command for Add {
    const NAME: &'static str = "AddAmount";
    type Output = CommandOutcome<Tally>;

    fn required_roles(&self) -> &'static [&'static str] {
        &["clerk", "manager"]
    }
}

impl AggregateCommand for Add {
    type Aggregate = Tally;
    fn aggregate_id(&self) -> String {
        self.id.clone()
    }
    fn into_command(self) -> TallyCommand {
        TallyCommand::Add(self)
    }
}

pub fn open(id: &str) -> Open {
    Open {
        id: id.into(),
        owner: "ann".into(),
    }
}

pub fn add(id: &str, amount: i64) -> Add {
    Add {
        id: id.into(),
        amount,
        twice: false,
    }
}
