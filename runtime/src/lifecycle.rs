//! Refusals that every aggregate can produce, whatever its own rules: a command that its
//! lifecycle does not allow in the current state.

use crate::error::Error;

/// A command arrived while the aggregate was in a state its handler is not allowed from.
///
/// The message reads the way a person would say it, so it can go to a client unchanged.
///
/// ```
/// use seedwork::LifecycleError;
/// let refused = LifecycleError::new("StartCooking", "Order", 42, "Delivered");
/// assert_eq!(refused.to_string(), "cannot start cooking Order 42: it is Delivered");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot {action} {aggregate_type} {aggregate_id}: it is {state}")]
pub struct LifecycleError {
    /// What was attempted, in words: `StartCooking` becomes `start cooking`.
    pub action: String,
    /// The aggregate's type name (`Order`).
    pub aggregate_type: &'static str,
    /// The aggregate's id as displayed.
    pub aggregate_id: String,
    /// The state it is in, which the command is not allowed from.
    pub state: String,
}

impl LifecycleError {
    /// A refusal of `command` (its type name) on `aggregate_type` `aggregate_id` in `state`.
    pub fn new(
        command: &str,
        aggregate_type: &'static str,
        aggregate_id: impl std::fmt::Display,
        state: impl std::fmt::Display,
    ) -> Self {
        Self {
            action: words(command),
            aggregate_type,
            aggregate_id: aggregate_id.to_string(),
            state: state.to_string(),
        }
    }
}

/// `StartCooking` → `start cooking`; `CreateHTTPRoute` → `create http route`.
fn words(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' {
            out.push(' ');
            continue;
        }
        let starts_word = c.is_uppercase()
            && i > 0
            && (chars[i - 1].is_lowercase()
                || chars[i - 1].is_ascii_digit()
                || chars.get(i + 1).is_some_and(|next| next.is_lowercase()));
        if starts_word && !out.ends_with(' ') {
            out.push(' ');
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// The error type of an aggregate written with `#[aggregate]`: either its lifecycle refused
/// the command, or one of its own rules did (`E`, the type it declares with `error = …`).
///
/// ```
/// use seedwork::{AggregateError, Error, ErrorKind, LifecycleError};
/// let rule: AggregateError<Error> = AggregateError::Rejected(Error::domain("Insufficient funds"));
/// assert_eq!(Error::from(rule).kind(), ErrorKind::Domain);
/// let wrong_state: AggregateError<Error> =
///     LifecycleError::new("Deposit", "Account", 7, "Closed").into();
/// assert_eq!(Error::from(wrong_state).to_string(), "cannot deposit Account 7: it is Closed");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AggregateError<E> {
    /// The command is not allowed in the aggregate's current lifecycle state.
    #[error(transparent)]
    WrongState(LifecycleError),
    /// A business rule of the aggregate refused the command.
    #[error("{0}")]
    Rejected(E),
    /// The aggregate's code contradicts its declared lifecycle: a handler's events did not
    /// lead to the state it declares with `to`. A bug in the aggregate, not in the request.
    #[error("inconsistent lifecycle: {0}")]
    Inconsistent(String),
}

impl<E> From<LifecycleError> for AggregateError<E> {
    fn from(error: LifecycleError) -> Self {
        Self::WrongState(error)
    }
}

impl<E: Into<Error>> From<AggregateError<E>> for Error {
    fn from(error: AggregateError<E>) -> Self {
        match error {
            AggregateError::WrongState(refused) => Error::WrongState(refused),
            AggregateError::Rejected(rule) => rule.into(),
            AggregateError::Inconsistent(bug) => {
                Error::Configuration(format!("inconsistent lifecycle: {bug}"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::words;

    #[test]
    fn command_names_read_as_words() {
        assert_eq!(words("StartCooking"), "start cooking");
        assert_eq!(words("Close"), "close");
        assert_eq!(words("CreateHTTPRoute"), "create http route");
        assert_eq!(words("close_account"), "close account");
        assert_eq!(words("AddItem2Cart"), "add item2 cart");
    }
}
