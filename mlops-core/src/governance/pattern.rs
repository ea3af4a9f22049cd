//! Patterns over asset targets (`model/churn`, `model/*`, `*`): `*` matches
//! any run of characters (including `/`), `?` any one character, everything
//! else itself. Small enough that a glob crate would be more code to
//! configure than this.

/// Whether `text` matches `pattern`.
///
/// ```
/// use mlops_core::governance::pattern_matches;
/// assert!(pattern_matches("model/*", "model/churn"));
/// assert!(pattern_matches("*", "dataset/x"));
/// assert!(pattern_matches("model/ch?rn", "model/churn"));
/// assert!(!pattern_matches("model/*", "dataset/churn"));
/// ```
pub fn matches(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    // Iterative wildcard matching with one backtrack point (the last `*`).
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn wildcards() {
        assert!(matches("", ""));
        assert!(!matches("", "a"));
        assert!(matches("**", ""));
        assert!(matches("a*b*c", "axxbyyc"));
        assert!(!matches("a*b*c", "axxbyy"));
        assert!(matches("model/churn", "model/churn"));
        assert!(!matches("model/churn", "model/churn2"));
        assert!(matches("*/churn", "model/churn"));
    }
}
