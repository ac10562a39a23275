//! "Did you mean …?" for names the user almost got right.

/// The candidate closest to `wrong`, if it is close enough to be a likely typo.
pub(crate) fn closest<'a>(
    wrong: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (wrong.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|candidate| (edit_distance(wrong, candidate), candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// `unknown key `agregate` … did you mean `aggregate`?`, listing what is accepted.
pub(crate) fn unknown_key(what: &str, wrong: &str, known: &[&str]) -> String {
    let mut message = format!("unknown {what} `{wrong}`");
    if let Some(near) = closest(wrong, known.iter().copied()) {
        message.push_str(&format!("; did you mean `{near}`?"));
    }
    message.push_str(&format!(" (expected one of: {})", known.join(", ")));
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_misses_only() {
        assert_eq!(
            closest("agregate", ["aggregate", "creates"]),
            Some("aggregate")
        );
        assert_eq!(closest("stauts", ["status", "storage"]), Some("status"));
        assert_eq!(closest("zzz", ["aggregate", "creates"]), None);
    }
}
