//! `--group` and `--topic`: which groups and topics a watch samples.
//!
//! On a big cluster most groups and topics are somebody else's; describing them all every
//! second costs the cluster requests and the page room. A filter is a list of patterns; a
//! name is watched when it matches any of them, and an empty list watches everything.
//! A pattern is a glob: `*` matches any run of characters (also none), `?` exactly one, and
//! every other character itself, so `orders` is an exact name and `orders-*` a family.
//! Globs rather than regular expressions because group and topic names are full of `.`.

/// A list of glob patterns; empty means "everything".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NameFilter {
    patterns: Vec<String>,
}

impl NameFilter {
    /// A filter of these patterns (empty: everything).
    pub fn new(patterns: impl IntoIterator<Item = String>) -> NameFilter {
        NameFilter {
            patterns: patterns.into_iter().collect(),
        }
    }

    /// Does `name` pass?
    pub fn matches(&self, name: &str) -> bool {
        self.patterns.is_empty() || self.patterns.iter().any(|p| glob(p, name))
    }

    /// Is the filter "everything"?
    pub fn is_everything(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Does a pattern name this exact `name`? Internal topics (`__consumer_offsets`) are
    /// only watched when asked for by name, not by `*`: they are the cluster's, not the
    /// user's.
    pub fn names_exactly(&self, name: &str) -> bool {
        self.patterns.iter().any(|p| p == name)
    }
}

/// `*` and `?` glob over characters, iteratively with one backtrack point (linear in
/// practice, never exponential).
fn glob(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || (p[pi] != '*' && p[pi] == n[ni])) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ni));
            pi += 1;
        } else if let Some((sp, sn)) = star {
            pi = sp + 1;
            ni = sn + 1;
            star = Some((sp, sn + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_filter_passes_everything() {
        assert!(NameFilter::default().matches("anything"));
        assert!(NameFilter::default().is_everything());
    }

    #[test]
    fn globs_and_exact_names() {
        let f = NameFilter::new(["orders-*".to_string(), "billing".to_string()]);
        assert!(f.matches("orders-eu"));
        assert!(f.matches("orders-"));
        assert!(f.matches("billing"));
        assert!(!f.matches("billing-2"));
        assert!(!f.matches("order"));
        let q = NameFilter::new(["g?".to_string()]);
        assert!(q.matches("g1"));
        assert!(!q.matches("g12"));
        let mid = NameFilter::new(["a*b*c".to_string()]);
        assert!(mid.matches("aXbYc"));
        assert!(mid.matches("abc"));
        assert!(!mid.matches("aXbY"));
        assert!(f.names_exactly("billing"));
        assert!(!f.names_exactly("orders-eu"));
    }
}
