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

/// Edit distance over characters where swapping two neighbours counts as one edit
/// (optimal string alignment), so `form` is one step from `from`.
fn edit_distance(a: &str, b: &str) -> usize {
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
        assert_eq!(closest("form", ["from", "to"]), Some("from"));
    }
}
