//! The few tera filters the templates use. Each turns model text into text that is safe in
//! one place of the output, so no spec value can break out of a string literal or a comment.

use std::collections::HashMap;

use tera::{Result, Tera, Value};

/// Registers every filter on `tera`.
pub(crate) fn register(tera: &mut Tera) {
    tera.register_filter("rust_str", rust_str);
    tera.register_filter("toml_str", toml_str);
    tera.register_filter("doc", doc);
    tera.register_filter("schema_attribute", schema_attribute);
}

/// `{{ field | schema_attribute }}`: the `#[schema(...)]` attribute that documents a field's
/// constraints in the OpenAPI document, or nothing for a field without constraints.
fn schema_attribute(value: &Value, _: &HashMap<String, Value>) -> Result<Value> {
    let validate: Vec<String> = value
        .get("validate")
        .and_then(Value::as_array)
        .ok_or_else(|| tera::Error::msg("the `schema_attribute` filter takes a field"))?
        .iter()
        .filter_map(|rule| rule.as_str().map(ToOwned::to_owned))
        .collect();
    let kind = |value: &Value| {
        value
            .get("ty")
            .and_then(|ty| ty.get("kind"))
            .and_then(Value::as_str)
            .map(ToOwned::to_owned)
    };
    let map = kind(value).as_deref() == Some("map");
    let spec = value
        .get("ty")
        .and_then(|ty| ty.get("spec"))
        .and_then(Value::as_str);
    let decimal = matches!(spec, Some("Decimal" | "Option<Decimal>"));
    let mut arguments =
        super::samples::Constraints::parse(&validate).schema_arguments(map, decimal);
    match value.get("example") {
        Some(Value::String(text)) => arguments.push(format!("example = {}", rust_literal(text))),
        Some(example @ (Value::Number(_) | Value::Bool(_))) => {
            arguments.push(format!("example = {example}"));
        }
        _ => {}
    }
    Ok(Value::String(if arguments.is_empty() {
        String::new()
    } else {
        format!("#[schema({})]", arguments.join(", "))
    }))
}

fn string_arg<'a>(value: &'a Value, filter: &str) -> Result<&'a str> {
    value.as_str().ok_or_else(|| {
        tera::Error::msg(format!("the `{filter}` filter takes a string, not {value}"))
    })
}

/// `"text"` as a Rust string literal: `{{ role | rust_str }}`.
fn rust_str(value: &Value, _: &HashMap<String, Value>) -> Result<Value> {
    Ok(Value::String(rust_literal(string_arg(value, "rust_str")?)))
}

/// A Rust string literal that evaluates to `text`, whatever it contains.
///
/// ```
/// # use seedwork_cli::render::filters::rust_literal;
/// assert_eq!(rust_literal(r#"a "quoted" \ path"#), r#""a \"quoted\" \\ path""#);
/// ```
pub fn rust_literal(text: &str) -> String {
    format!("{text:?}")
}

/// `"text"` as a TOML basic string: `{{ context.version | toml_str }}`.
fn toml_str(value: &Value, _: &HashMap<String, Value>) -> Result<Value> {
    Ok(Value::String(toml_literal(string_arg(value, "toml_str")?)))
}

/// A TOML basic string that reads back as `text`.
///
/// ```
/// # use seedwork_cli::render::filters::toml_literal;
/// assert_eq!(toml_literal("say \"hi\"\n"), r#""say \"hi\"\u000A""#);
/// ```
pub fn toml_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Documentation lines as comments: `{{ item.doc | doc(fallback="The order.") }}` gives
/// `/// …` lines (`prefix="//!"` for inner docs). With no line, the fallback is the doc, so
/// every public item is documented.
fn doc(value: &Value, args: &HashMap<String, Value>) -> Result<Value> {
    let lines: Vec<&str> = match value {
        Value::Array(items) => items
            .iter()
            .map(|item| string_arg(item, "doc"))
            .collect::<Result<_>>()?,
        Value::Null => Vec::new(),
        other => {
            return Err(tera::Error::msg(format!(
                "the `doc` filter takes a list of lines, not {other}"
            )))
        }
    };
    let prefix = match args.get("prefix") {
        Some(prefix) => string_arg(prefix, "doc")?,
        None => "///",
    };
    let fallback = match args.get("fallback") {
        Some(fallback) => Some(string_arg(fallback, "doc")?),
        None => None,
    };
    let lines: Vec<&str> = if lines.is_empty() {
        fallback.into_iter().collect()
    } else {
        lines
    };
    Ok(Value::String(doc_comment(&lines, prefix)))
}

/// `lines` as line comments starting with `prefix` (`///` or `//!`), one per line.
///
/// A comment ends at a line break, so a line break inside a line starts a new comment line;
/// carriage returns (which rustc refuses in doc comments) are dropped and the code points that
/// change the direction of text (which rustc refuses in comments) are written out as
/// `\u{…}`.
///
/// ```
/// # use seedwork_cli::render::filters::doc_comment;
/// assert_eq!(doc_comment(&["An order.", "", "Placed by *someone*."], "///"),
///            "/// An order.\n///\n/// Placed by *someone*.");
/// assert_eq!(doc_comment(&["two\r\nlines"], "//!"), "//! two\n//! lines");
/// ```
pub fn doc_comment(lines: &[&str], prefix: &str) -> String {
    let mut out = Vec::new();
    for line in lines.iter().flat_map(|line| line.split('\n')) {
        let mut text = String::with_capacity(line.len());
        for c in line.chars() {
            match c {
                '\r' => {}
                '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => {
                    text.push_str(&format!("\\u{{{:X}}}", u32::from(c)));
                }
                c => text.push(c),
            }
        }
        let text = text.trim_end();
        if text.is_empty() {
            out.push(prefix.to_owned());
        } else {
            out.push(format!("{prefix} {text}"));
        }
    }
    out.join("\n")
}
