//! Mutations of real specs: lines deleted, duplicated, swapped or moved, tokens replaced by
//! other tokens of the same spec or of a vocabulary of spec keys, types, names and nasty
//! values, text inserted, ranges deleted, specs spliced and truncated. Seeded from the
//! example specs and the invalid corpus.

use std::path::Path;

use super::choices::Choices;

/// Words a mutation writes in place of a token: keys, types, values the checker refuses,
/// names that are keywords or escape attempts, TOML punctuation.
pub const VOCABULARY: &[&str] = &[
    // keys
    "context",
    "enums",
    "value_objects",
    "aggregates",
    "read_models",
    "policies",
    "name",
    "doc",
    "version",
    "variants",
    "fields",
    "type",
    "required",
    "min_len",
    "max_len",
    "pattern",
    "email",
    "min",
    "max",
    "min_items",
    "max_items",
    "id",
    "assigned",
    "storage",
    "lifecycle",
    "initial",
    "states",
    "terminal",
    "entities",
    "events",
    "integration",
    "commands",
    "creates",
    "from",
    "to",
    "emits",
    "roles",
    "idempotent",
    "http",
    "method",
    "path",
    "key",
    "updated_by",
    "removed_by",
    "queries",
    "kind",
    "filters",
    "page_size",
    "on",
    "send",
    "map",
    // values
    "\"uuid\"",
    "\"string\"",
    "\"integer\"",
    "\"server\"",
    "\"client\"",
    "\"event_sourced\"",
    "\"state_stored\"",
    "\"get\"",
    "\"list\"",
    "\"GET\"",
    "\"POST\"",
    "\"/\"",
    "\"/x/{id}\"",
    "\"/x/{id}/{id}\"",
    "\"1.2.3\"",
    "\"+1.0.0\"",
    "\"01.0.0\"",
    "true",
    "false",
    "0",
    "-1",
    "4294967296",
    "9223372036854775807",
    "18446744073709551616",
    "1e400",
    "0.5",
    "-0.0",
    "nan",
    "inf",
    "1979-05-27T07:32:00Z",
    // types
    "String",
    "bool",
    "i32",
    "i64",
    "u32",
    "u64",
    "f64",
    "Decimal",
    "Date",
    "Time",
    "DateTime",
    "Uuid",
    "\"Option<String>\"",
    "\"Vec<Vec<u32>>\"",
    "\"Map<String, Decimal>\"",
    "\"Map<u32, String>\"",
    "\"Option<\"",
    "\"Vec<>\"",
    "\"Self\"",
    // names
    "Order",
    "OrderId",
    "OrderPlaced",
    "PlaceOrder",
    "Type",
    "Types",
    "Mod",
    "Self",
    "self",
    "Crate",
    "Rules",
    "Applied",
    "ApplyOrderPlaced",
    "Status",
    "status",
    "order_id",
    "r#type",
    "\"../x\"",
    "\"a/b\"",
    "\"a\\\"b\"",
    "\"a\\nb\"",
    "\"*/\"",
    "\"\\\"#\"",
    "\"{{ x }}\"",
    "\"{% if %}\"",
    "\"\\r\"",
    "\"\\u0000\"",
    "\"\\u202E\"",
    "\"é\"",
    "\"\"",
    "\"\\\\\"",
    // punctuation
    "[",
    "]",
    "[[",
    "]]",
    "{",
    "}",
    "=",
    ",",
    ".",
    "\"",
    "'",
    "\"\"\"",
    "'''",
    "#",
    "\n",
    "\\",
    "\t",
    "\r\n",
    "é",
    "\u{202E}",
    "\u{0}",
];

/// Every seed spec: the example specs and the invalid corpus, as (name, text), sorted.
pub fn seeds(cli_dir: &Path) -> Vec<(String, String)> {
    let mut seeds = Vec::new();
    let corpus = cli_dir.join("tests/specs/invalid");
    let examples = cli_dir.join("../examples");
    let mut paths: Vec<_> = std::fs::read_dir(&corpus)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
                .collect()
        })
        .unwrap_or_default();
    if let Ok(entries) = std::fs::read_dir(&examples) {
        paths.extend(
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.path().join("domain.toml"))
                .filter(|path| path.is_file()),
        );
    }
    paths.sort();
    for path in paths {
        if let Ok(text) = std::fs::read_to_string(&path) {
            seeds.push((path.display().to_string(), text));
        }
    }
    assert!(
        !seeds.is_empty(),
        "no seed spec under {}",
        cli_dir.display()
    );
    seeds
}

/// A spec made from one of `seeds` by 1 to 8 mutations.
pub fn mutated(seeds: &[(String, String)], choices: &mut Choices) -> String {
    let (_, base) = choices.pick(seeds);
    let mut text = base.clone();
    for _ in 0..choices.between(1, 8) {
        text = mutate(&text, seeds, choices);
    }
    text
}

/// One mutation of `text`.
pub fn mutate(text: &str, seeds: &[(String, String)], choices: &mut Choices) -> String {
    let mut lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
    let n = lines.len();
    match choices.below(12) {
        0 => {
            lines.remove(choices.below(n));
        }
        1 => {
            let at = choices.below(n);
            let line = lines[at].clone();
            lines.insert(choices.below(n + 1), line);
        }
        2 => {
            let (a, b) = (choices.below(n), choices.below(n));
            lines.swap(a, b);
        }
        3..=5 => {
            let at = choices.below(n);
            lines[at] = replace_token(&lines[at], text, seeds, choices);
        }
        6 => {
            // A line of another seed.
            let (_, other) = choices.pick(seeds);
            let other: Vec<&str> = other.split('\n').collect();
            let line = other[choices.below(other.len())].to_owned();
            lines.insert(choices.below(n + 1), line);
        }
        7 => {
            let word = *choices.pick(VOCABULARY);
            return insert_at(text, word, choices);
        }
        8 => {
            // Delete a range of characters.
            let (a, b) = (boundary(text, choices), boundary(text, choices));
            let (a, b) = (a.min(b), a.max(b));
            let len = (b - a).min(64);
            let b = (a..=a + len)
                .rev()
                .find(|&i| text.is_char_boundary(i))
                .unwrap_or(a);
            return format!("{}{}", &text[..a], &text[b..]);
        }
        9 => {
            // Splice: a head of this spec and a tail of another.
            let (_, other) = choices.pick(seeds);
            let (a, b) = (boundary(text, choices), boundary(other, choices));
            return format!("{}{}", &text[..a], &other[b..]);
        }
        10 => return text[..boundary(text, choices)].to_owned(),
        _ => {
            // A random character, often an ASCII one.
            let c = if choices.chance(70) {
                char::from(32 + choices.below(95) as u8)
            } else {
                char::from_u32(choices.below(0x11_0000) as u32).unwrap_or('\u{FFFD}')
            };
            return insert_at(text, &c.to_string(), choices);
        }
    }
    lines.join("\n")
}

/// A character boundary of `text`.
fn boundary(text: &str, choices: &mut Choices) -> usize {
    let at = choices.below(text.len() + 1);
    (0..=at)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0)
}

fn insert_at(text: &str, insert: &str, choices: &mut Choices) -> String {
    let at = boundary(text, choices);
    format!("{}{insert}{}", &text[..at], &text[at..])
}

/// The tokens of a line: runs of word characters, quoted strings, and single characters.
fn tokens(line: &str) -> Vec<(usize, usize)> {
    let mut tokens = Vec::new();
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (start, c) = chars[i];
        let word = |c: char| c.is_alphanumeric() || c == '_' || c == '-';
        let mut j = i + 1;
        if word(c) {
            while j < chars.len() && word(chars[j].1) {
                j += 1;
            }
        } else if c == '"' || c == '\'' {
            while j < chars.len() && chars[j].1 != c {
                j += if chars[j].1 == '\\' { 2 } else { 1 };
            }
            j = (j + 1).min(chars.len());
        } else if c.is_whitespace() {
            i += 1;
            continue;
        }
        let end = chars.get(j).map_or(line.len(), |(at, _)| *at);
        tokens.push((start, end));
        i = j;
    }
    tokens
}

/// `line` with one token replaced by a token of the spec, of another seed or of the vocabulary.
fn replace_token(
    line: &str,
    text: &str,
    seeds: &[(String, String)],
    choices: &mut Choices,
) -> String {
    let found = tokens(line);
    if found.is_empty() {
        return format!("{line}{}", choices.pick(VOCABULARY));
    }
    let (start, end) = found[choices.below(found.len())];
    let replacement = match choices.below(3) {
        0 => (*choices.pick(VOCABULARY)).to_owned(),
        source => {
            let pool = if source == 1 {
                text
            } else {
                &choices.pick(seeds).1
            };
            let pool_lines: Vec<&str> = pool.split('\n').collect();
            let other = pool_lines[choices.below(pool_lines.len())];
            let other_tokens = tokens(other);
            if other_tokens.is_empty() {
                String::new()
            } else {
                let (a, b) = other_tokens[choices.below(other_tokens.len())];
                other[a..b].to_owned()
            }
        }
    };
    format!("{}{replacement}{}", &line[..start], &line[end..])
}
