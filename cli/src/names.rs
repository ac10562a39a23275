//! Naming, computed once in Rust and tested here so templates never compute a name: cases,
//! plurals, keyword checks and the near-miss search behind "did you mean …?".

use heck::{ToKebabCase, ToShoutySnakeCase, ToSnakeCase};

use crate::model::Names;

/// Every case of `name`.
///
/// ```
/// let names = seedwork_cli::names::names("OrderItem");
/// assert_eq!(names.snake, "order_item");
/// assert_eq!(names.plural_kebab, "order-items");
/// assert_eq!(names.words, "order item");
/// ```
pub fn names(name: &str) -> Names {
    let snake = name.to_snake_case();
    let plural_snake = plural(&snake);
    Names {
        name: name.to_owned(),
        kebab: name.to_kebab_case(),
        shouty: name.to_shouty_snake_case(),
        plural_kebab: plural_snake.replace('_', "-"),
        plural_snake,
        words: snake.replace('_', " "),
        snake,
    }
}

/// The English plural of a `snake_case` name (only its last word changes). A name that is
/// already plural (`open_orders`) stays as it is.
///
/// ```
/// use seedwork_cli::names::plural;
/// assert_eq!(plural("order"), "orders");
/// assert_eq!(plural("bank_account"), "bank_accounts");
/// assert_eq!(plural("address"), "addresses");
/// assert_eq!(plural("kitchen_entry"), "kitchen_entries");
/// assert_eq!(plural("open_orders"), "open_orders");
/// ```
pub fn plural(snake: &str) -> String {
    let ends_with_any = |suffixes: &[&str]| suffixes.iter().any(|s| snake.ends_with(s));
    if snake.ends_with("sis") {
        // analysis → analyses
        format!("{}es", &snake[..snake.len() - 2])
    } else if ends_with_any(&["ss", "us", "x", "z", "ch", "sh"]) {
        format!("{snake}es")
    } else if snake.ends_with('s') {
        // Already plural: orders, pizzas, news.
        snake.to_owned()
    } else if snake.ends_with('y')
        && !ends_with_any(&["ay", "ey", "iy", "oy", "uy"])
        && snake.len() > 1
    {
        format!("{}ies", &snake[..snake.len() - 1])
    } else {
        format!("{snake}s")
    }
}

/// Rust's keywords, strict and reserved (2021 edition), plus `Self`-like names that cannot
/// be raw identifiers.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "gen", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield", "union",
];

/// True for a Rust keyword (`type`, `match`, `Self`, reserved ones like `yield`).
pub fn is_keyword(name: &str) -> bool {
    KEYWORDS.contains(&name)
}

/// True for an ASCII identifier: a letter or `_` first, then letters, digits and `_`.
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// True for `UpperCamelCase`: an identifier starting with an upper-case letter, without `_`.
pub fn is_upper_camel(name: &str) -> bool {
    is_identifier(name) && name.starts_with(|c: char| c.is_ascii_uppercase()) && !name.contains('_')
}

/// True for `snake_case`: lower-case letters, digits and single inner underscores.
pub fn is_snake(name: &str) -> bool {
    is_identifier(name)
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.contains(|c: char| c.is_ascii_uppercase())
        && !name.contains("__")
        && !name.ends_with('_')
}

/// The candidate closest to `wanted`, if one is close enough to be a plausible typo (an edit
/// distance of at most a third of its length, at least 1), or equal ignoring case and `_`.
///
/// ```
/// use seedwork_cli::names::closest;
/// let events = ["OrderPlaced", "OrderReady"];
/// assert_eq!(closest("OrderPlacd", events), Some("OrderPlaced"));
/// assert_eq!(closest("Refunded", events), None);
/// ```
pub fn closest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let folded = fold(wanted);
    let limit = (wanted.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .filter(|candidate| *candidate != wanted)
        .map(|candidate| {
            let distance = if fold(candidate) == folded {
                0
            } else {
                distance(wanted, candidate)
            };
            (distance, candidate)
        })
        .filter(|(distance, _)| *distance <= limit)
        .min()
        .map(|(_, candidate)| candidate)
}

fn fold(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Optimal string alignment distance: insertions, deletions, substitutions and adjacent
/// transpositions each cost one.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases() {
        let n = names("KitchenTicket");
        assert_eq!(n.snake, "kitchen_ticket");
        assert_eq!(n.kebab, "kitchen-ticket");
        assert_eq!(n.shouty, "KITCHEN_TICKET");
        assert_eq!(n.plural_snake, "kitchen_tickets");
        let n = names("StartCooking");
        assert_eq!(n.kebab, "start-cooking");
        assert_eq!(n.words, "start cooking");
    }

    #[test]
    fn plurals() {
        assert_eq!(plural("buyer"), "buyers");
        assert_eq!(plural("day"), "days");
        assert_eq!(plural("match"), "matches");
        assert_eq!(plural("y"), "ys");
        assert_eq!(plural("status"), "statuses");
        assert_eq!(plural("bus"), "buses");
        assert_eq!(plural("analysis"), "analyses");
        assert_eq!(plural("box"), "boxes");
        assert_eq!(plural("pizzas"), "pizzas");
        assert_eq!(plural("kitchen_tickets"), "kitchen_tickets");
        assert_eq!(names("OpenOrders").plural_kebab, "open-orders");
    }

    #[test]
    fn identifiers_and_cases() {
        assert!(is_upper_camel("Order"));
        assert!(!is_upper_camel("order"));
        assert!(!is_upper_camel("Order_Item"));
        assert!(!is_upper_camel("Order-Item"));
        assert!(is_snake("order_id"));
        assert!(!is_snake("orderId"));
        assert!(!is_snake("order__id"));
        assert!(!is_snake("1st"));
        assert!(is_keyword("type"));
        assert!(is_keyword("Self"));
        assert!(!is_keyword("order"));
    }

    #[test]
    fn near_misses() {
        assert_eq!(closest("emitz", ["emits", "from", "to"]), Some("emits"));
        assert_eq!(closest("ordrPlaced", ["OrderPlaced"]), Some("OrderPlaced"));
        assert_eq!(
            closest("order_placed", ["OrderPlaced"]),
            Some("OrderPlaced")
        );
        assert_eq!(closest("xyz", ["OrderPlaced"]), None);
    }
}
