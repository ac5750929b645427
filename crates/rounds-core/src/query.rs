//! Parsing of search queries, shared by the server's `q` filter and the clients' local search
//! so that online and offline searches agree on what a query means.
//!
//! Terms are separated by white space and all must match (AND). A double-quoted run is one
//! term, matched as a phrase, spaces included. Matching is by case-insensitive substring.

/// Splits a query into its terms. Empty input gives no terms (matches everything).
pub fn parse_terms(q: &str) -> Vec<String> {
    let mut terms = Vec::new();
    let mut rest = q.trim();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('"') {
            let (phrase, tail) = match after.find('"') {
                Some(end) => (&after[..end], &after[end + 1..]),
                None => (after, ""),
            };
            let phrase = phrase.trim();
            if !phrase.is_empty() {
                terms.push(phrase.to_lowercase());
            }
            rest = tail.trim_start();
        } else {
            let end = rest
                .find(|c: char| c.is_whitespace() || c == '"')
                .unwrap_or(rest.len());
            terms.push(rest[..end].to_lowercase());
            rest = rest[end..].trim_start();
        }
    }
    terms
}

/// Whether every term occurs in at least one of `fields` (case-insensitively).
pub fn matches_all(terms: &[String], fields: &[&str]) -> bool {
    let lowered: Vec<String> = fields.iter().map(|f| f.to_lowercase()).collect();
    terms
        .iter()
        .all(|t| lowered.iter().any(|f| f.contains(t.as_str())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_phrases_and_case() {
        assert_eq!(parse_terms("  打印  HIS "), vec!["打印", "his"]);
        assert_eq!(
            parse_terms(r#""printer offline" 302"#),
            vec!["printer offline", "302"]
        );
        assert_eq!(parse_terms(r#"a"b c"d"#), vec!["a", "b c", "d"]);
        assert_eq!(
            parse_terms(r#""unterminated phrase"#),
            vec!["unterminated phrase"]
        );
        assert!(parse_terms("   ").is_empty());
        assert!(parse_terms(r#""""#).is_empty());
    }

    #[test]
    fn matching_is_and_over_fields() {
        let t = parse_terms("打印 his");
        assert!(matches_all(&t, &["门诊打印机卡纸", "HIS 报错"]));
        assert!(!matches_all(&t, &["门诊打印机卡纸", "PACS"]));
        assert!(matches_all(&[], &["anything"]));
    }
}
