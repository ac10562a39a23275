//! Support for the code `seedwork-macros` generates. Not a public API: names and signatures
//! here change whenever the macros need them to, so only generated code should use them.

use std::fmt::Display;
use std::sync::OnceLock;

pub use serde;

use crate::aggregate::Aggregate;
use crate::error::FieldError;
use crate::event::DomainEvent;
use crate::wiring::NewId;

/// What `#[aggregate(...)]` on the state struct declares; the `#[aggregate] impl` block reads
/// it back to write the [`Aggregate`] impl.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no `#[aggregate(...)]` declaration",
    label = "the `#[aggregate]` impl block needs its state struct declared too",
    note = "put `#[seedwork::aggregate(id = …, event = …)]` on `struct {Self}`"
)]
pub trait Declared {
    /// `Aggregate::TYPE`.
    const TYPE: &'static str;
    /// `Aggregate::Id`.
    type Id;
    /// `Aggregate::Event`.
    type Event;
    /// The error type the aggregate's own rules return.
    type Error;
    /// `Aggregate::Services`.
    type Services;
}

/// An aggregate with a named status field, so handlers can declare `from` and `to` states.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no lifecycle, so a handler cannot declare `from` or `to` states",
    label = "the lifecycle check needs the status field",
    note = "name the status field on the struct: `#[aggregate(status = status, …)]`"
)]
pub trait Lifecycle {
    /// The type of the status field: an enum of states.
    type Status: std::fmt::Debug;
    /// The current state.
    fn status(&self) -> &Self::Status;
}

/// Implemented by `#[aggregate] impl` for each command one of its `#[handle]` methods takes.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not handled by aggregate `{A}`",
    label = "no `#[handle]` method of `{A}` takes this command",
    note = "add `#[handle] fn …(&self, command: {Self}) -> …` to the `#[aggregate] impl {A}` block"
)]
pub trait HandledBy<A: Aggregate> {
    /// Wraps the command into the aggregate's command enum.
    fn into_aggregate_command(self) -> A::Command;
}

/// The shapes a `#[handle]` method may return, all turned into the list of new events.
#[diagnostic::on_unimplemented(
    message = "a command handler returns the events it decides on, not `{Self}`",
    label = "expected events of type `{E}`",
    note = "return `Result<Vec<{E}>, _>`, `Result<{E}, _>`, `Result<Option<{E}>, _>`, `Vec<{E}>`, `Option<{E}>` or `{E}`"
)]
pub trait HandlerOutput<E, R> {
    /// The events, or the rule that refused the command.
    fn into_events(self) -> Result<Vec<E>, R>;
}

impl<E, R, X: Into<R>> HandlerOutput<E, R> for Result<Vec<E>, X> {
    fn into_events(self) -> Result<Vec<E>, R> {
        self.map_err(Into::into)
    }
}

impl<E, R, X: Into<R>> HandlerOutput<E, R> for Result<Option<E>, X> {
    fn into_events(self) -> Result<Vec<E>, R> {
        self.map(|event| event.into_iter().collect())
            .map_err(Into::into)
    }
}

impl<E, R, X: Into<R>> HandlerOutput<E, R> for Result<E, X> {
    fn into_events(self) -> Result<Vec<E>, R> {
        self.map(|event| vec![event]).map_err(Into::into)
    }
}

impl<E, R> HandlerOutput<E, R> for Vec<E> {
    fn into_events(self) -> Result<Vec<E>, R> {
        Ok(self)
    }
}

impl<E, R> HandlerOutput<E, R> for Option<E> {
    fn into_events(self) -> Result<Vec<E>, R> {
        Ok(self.into_iter().collect())
    }
}

impl<E: DomainEvent, R> HandlerOutput<E, R> for E {
    fn into_events(self) -> Result<Vec<E>, R> {
        Ok(vec![self])
    }
}

/// A fresh id for `#[id(generate)]` fields (used as a serde default).
pub fn new_id<T: NewId>() -> T {
    T::new_id()
}

/// A regular expression from a `pattern = "…"` attribute, compiled on first use and then
/// shared. The macro has already compiled it once, so it is known to be valid.
#[derive(Debug)]
pub struct Pattern {
    text: &'static str,
    compiled: OnceLock<Option<regex_lite::Regex>>,
}

impl Pattern {
    /// A pattern that compiles `text` when first matched.
    pub const fn new(text: &'static str) -> Self {
        Self {
            text,
            compiled: OnceLock::new(),
        }
    }

    /// Whether `value` contains a match.
    pub fn is_match(&self, value: &str) -> bool {
        self.compiled
            .get_or_init(|| regex_lite::Regex::new(self.text).ok())
            .as_ref()
            .is_some_and(|regex| regex.is_match(value))
    }
}

/// Collections whose number of items `items(min, max)` constrains.
#[diagnostic::on_unimplemented(
    message = "`items(...)` counts the elements of a collection, and `{Self}` is not one",
    label = "not a Vec, slice, set or map"
)]
pub trait Items {
    /// How many items there are.
    fn item_count(&self) -> usize;
}

impl<T> Items for Vec<T> {
    fn item_count(&self) -> usize {
        self.len()
    }
}
impl<T> Items for [T] {
    fn item_count(&self) -> usize {
        self.len()
    }
}
impl<T, const N: usize> Items for [T; N] {
    fn item_count(&self) -> usize {
        N
    }
}
impl<T> Items for std::collections::VecDeque<T> {
    fn item_count(&self) -> usize {
        self.len()
    }
}
impl<T, S> Items for std::collections::HashSet<T, S> {
    fn item_count(&self) -> usize {
        self.len()
    }
}
impl<T> Items for std::collections::BTreeSet<T> {
    fn item_count(&self) -> usize {
        self.len()
    }
}
impl<K, V, S> Items for std::collections::HashMap<K, V, S> {
    fn item_count(&self) -> usize {
        self.len()
    }
}
impl<K, V> Items for std::collections::BTreeMap<K, V> {
    fn item_count(&self) -> usize {
        self.len()
    }
}

/// Collects every failed constraint of one value, so `validate()` reports all of them.
#[derive(Debug, Default)]
pub struct Checks {
    errors: Vec<FieldError>,
}

impl Checks {
    /// No failures yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// `length(min, max)`: the number of characters (not bytes) of a text.
    pub fn length(&mut self, path: &str, value: &str, min: Option<usize>, max: Option<usize>) {
        let count = value.chars().count();
        if let Some(min) = min.filter(|&min| count < min) {
            self.fail(
                path,
                format!(
                    "must be at least {} long, got {count}",
                    plural(min, "character")
                ),
            );
        }
        if let Some(max) = max.filter(|&max| count > max) {
            self.fail(
                path,
                format!(
                    "must be at most {} long, got {count}",
                    plural(max, "character")
                ),
            );
        }
    }

    /// `range(min, max)`: an inclusive numeric range.
    pub fn range<T: PartialOrd + Display>(
        &mut self,
        path: &str,
        value: &T,
        min: Option<T>,
        max: Option<T>,
    ) {
        if let Some(min) = min.filter(|min| value < min) {
            self.fail(path, format!("must be at least {min}, got {value}"));
        }
        if let Some(max) = max.filter(|max| value > max) {
            self.fail(path, format!("must be at most {max}, got {value}"));
        }
    }

    /// `items(min, max)`: the number of elements of a collection.
    pub fn items<T: Items + ?Sized>(
        &mut self,
        path: &str,
        value: &T,
        min: Option<usize>,
        max: Option<usize>,
    ) {
        let count = value.item_count();
        if let Some(min) = min.filter(|&min| count < min) {
            self.fail(
                path,
                format!("must have at least {}, got {count}", plural(min, "item")),
            );
        }
        if let Some(max) = max.filter(|&max| count > max) {
            self.fail(
                path,
                format!("must have at most {}, got {count}", plural(max, "item")),
            );
        }
    }

    /// `email`: one `@` between a non-empty local part and a dotted domain, no spaces.
    pub fn email(&mut self, path: &str, value: &str) {
        if !looks_like_email(value) {
            self.fail(path, "must be an email address");
        }
    }

    /// `pattern = "…"`: the text contains a match of the pattern.
    pub fn pattern(&mut self, path: &str, value: &str, pattern: &Pattern) {
        if !pattern.is_match(value) {
            self.fail(path, format!("must match the pattern {}", pattern.text));
        }
    }

    /// `custom = function`: the function's error message, if it returned one.
    pub fn custom<E: Display>(&mut self, path: &str, outcome: Result<(), E>) {
        if let Err(message) = outcome {
            self.fail(path, message.to_string());
        }
    }

    /// Records a failure of the field at `path`.
    pub fn fail(&mut self, path: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(path, message));
    }

    /// `Ok` when nothing failed, otherwise every failure in field order.
    pub fn finish(self) -> Result<(), Vec<FieldError>> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors)
        }
    }
}

/// `1 item`, `2 items`.
fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

fn looks_like_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && !value.chars().any(char::is_whitespace)
        && domain.split('.').count() >= 2
        && domain.split('.').all(|label| !label.is_empty())
}

thread_local! {
    /// Set while [`deferring_validation`] runs on this thread.
    static DEFERRED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs value-object validation before a deserialized value is accepted, unless a caller
/// deferred it (see [`deferring_validation`]).
pub fn validated<T>(value: T, checks: Result<(), Vec<FieldError>>) -> Result<T, crate::Error> {
    if DEFERRED.with(std::cell::Cell::get) {
        return Ok(value);
    }
    checks.map(|()| value).map_err(crate::Error::Validation)
}

/// Runs `decode` (a deserialization, which must not await) with value-object validation
/// deferred: invalid value objects are built anyway, so that decoding does not stop at the
/// first one, and the caller then checks the whole decoded value and reports every error
/// with its path. Only the HTTP body extractor uses it, and it always checks afterwards.
pub fn deferring_validation<R>(decode: impl FnOnce() -> R) -> R {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            DEFERRED.with(|deferred| deferred.set(self.0));
        }
    }
    let _restore = Restore(DEFERRED.with(|deferred| deferred.replace(true)));
    decode()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_failure_is_kept_in_order() {
        let mut checks = Checks::new();
        checks.length("name", "a", Some(2), Some(10));
        checks.range("qty", &0u32, Some(1), Some(10));
        checks.items("lines", &Vec::<u8>::new(), Some(1), None);
        checks.email("email", "not an email");
        checks.pattern("zip", "1234", &Pattern::new("^[0-9]{5}$"));
        checks.custom("odd", Err::<(), _>("must be odd"));
        let errors = checks.finish().unwrap_err();
        let paths: Vec<_> = errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["name", "qty", "lines", "email", "zip", "odd"]);
        assert_eq!(
            errors[0].message,
            "must be at least 2 characters long, got 1"
        );
    }

    #[test]
    fn emails() {
        for ok in ["a@b.c", "mario.rossi@pizza.example"] {
            assert!(looks_like_email(ok), "{ok}");
        }
        for bad in ["", "a", "a@", "@b.c", "a@b", "a@b..c", "a b@c.d", "a@b@c.d"] {
            assert!(!looks_like_email(bad), "{bad}");
        }
    }

    #[test]
    fn lengths_count_characters_not_bytes() {
        let mut checks = Checks::new();
        checks.length("name", "Niño", Some(4), Some(4));
        assert!(checks.finish().is_ok());
    }
}
