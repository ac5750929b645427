//! What a search query means, defined once for the server's `q` filter and the clients' local
//! search, so that online and offline searches find the same tickets.
//!
//! - Terms are separated by white space and all must match (AND). A double-quoted run is one
//!   term, matched as a phrase, spaces included; an unterminated quote runs to the end.
//! - A term matches a ticket when it is a substring of one of the ticket's searchable fields
//!   (number, title, description, location, campus name, department name, each comment the
//!   reader may see), after both sides are [`normalize`]d: Unicode lowercase, and white space,
//!   control and private-use characters read as a plain space. A term never spans two fields.
//! - Substring matching is what makes Chinese work without a dictionary: `打印` finds
//!   `打印机卡纸`, `卡` finds it too, and `his` finds `HIS系统`.
//!
//! The local index (`rounds-store`) and the server's SQL function both reduce to
//! [`matches_all`]; tests compare each with a brute-force scan that calls it.

/// Start of a highlighted match in a snippet (a private-use character, so no ticket text can
/// contain it: [`normalize`] reads private-use characters as spaces).
pub const MARK_START: char = '\u{E000}';
/// End of a highlighted match in a snippet.
pub const MARK_END: char = '\u{E001}';

/// Whether a character reads as a space when matching.
fn is_blank(c: char) -> bool {
    // Private use: U+E000..U+F8FF. Our snippet markers live there, and the local index
    // encodes ASCII punctuation there, so ticket text must not be able to forge either.
    c.is_whitespace() || c.is_control() || ('\u{E000}'..='\u{F8FF}').contains(&c)
}

/// The matching form of a text: Unicode lowercase; white space, control and private-use
/// characters become a plain space (one for one, runs are not collapsed).
pub fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if is_blank(c) {
            out.push(' ');
        } else if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// Splits a query into its [`normalize`]d terms. Empty input gives no terms (matches
/// everything).
pub fn parse_terms(q: &str) -> Vec<String> {
    let mut terms = Vec::new();
    let mut rest = q.trim();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('"') {
            let (phrase, tail) = match after.find('"') {
                Some(end) => (&after[..end], &after[end + 1..]),
                None => (after, ""),
            };
            let phrase = normalize(phrase);
            let phrase = phrase.trim();
            if !phrase.is_empty() {
                terms.push(phrase.to_owned());
            }
            rest = tail.trim_start();
        } else {
            let end = rest
                .find(|c: char| c.is_whitespace() || c == '"')
                .unwrap_or(rest.len());
            let term = normalize(&rest[..end]);
            // A term made only of characters that read as spaces matches nothing useful.
            if !term.trim().is_empty() {
                terms.push(term);
            }
            rest = rest[end..].trim_start();
        }
    }
    terms
}

/// Whether every term (already [`parse_terms`]-normalized) occurs in at least one of
/// `fields`. This is the definition of a match; everything else must agree with it.
pub fn matches_all(terms: &[String], fields: &[&str]) -> bool {
    if terms.is_empty() {
        return true;
    }
    let normalized: Vec<String> = fields.iter().map(|f| normalize(f)).collect();
    terms
        .iter()
        .all(|t| normalized.iter().any(|f| f.contains(t.as_str())))
}

/// A short excerpt of `text` around the first match of any term, with every match in it
/// wrapped in [`MARK_START`] .. [`MARK_END`]; `None` if no term occurs in `text`.
/// `width` is the excerpt's length in characters (about; whole matches are kept).
pub fn snippet(text: &str, terms: &[String], width: usize) -> Option<String> {
    let original: Vec<char> = text.chars().collect();
    // Normalized characters, each with the index of the original character it came from
    // (lowercasing may turn one character into several).
    let mut norm: Vec<char> = Vec::with_capacity(original.len());
    let mut origin: Vec<usize> = Vec::with_capacity(original.len());
    for (i, c) in original.iter().enumerate() {
        for n in normalize(c.encode_utf8(&mut [0; 4])).chars() {
            norm.push(n);
            origin.push(i);
        }
    }
    // Which original characters are inside a match.
    let mut marked = vec![false; original.len()];
    let mut first: Option<usize> = None;
    for t in terms {
        let t: Vec<char> = t.chars().collect();
        if t.is_empty() || t.len() > norm.len() {
            continue;
        }
        for start in 0..=norm.len() - t.len() {
            if norm[start..start + t.len()] == t[..] {
                let (a, b) = (origin[start], origin[start + t.len() - 1]);
                marked[a..=b].iter_mut().for_each(|m| *m = true);
                first = Some(first.map_or(a, |f: usize| f.min(a)));
            }
        }
    }
    let first = first?;
    // Start a little before the first match so it reads in context.
    let mut from = first.saturating_sub(width / 4);
    let mut to = (from + width).min(original.len());
    if to == original.len() {
        from = to.saturating_sub(width);
    }
    while from > 0 && marked[from] && marked[from - 1] {
        from -= 1;
    }
    while to < original.len() && marked[to] && marked[to - 1] {
        to += 1;
    }
    let mut out = String::new();
    if from > 0 {
        out.push('…');
    }
    let mut open = false;
    for i in from..to {
        if marked[i] && !open {
            out.push(MARK_START);
            open = true;
        } else if !marked[i] && open {
            out.push(MARK_END);
            open = false;
        }
        let c = original[i];
        // Keep the excerpt on one line; drop stray private-use characters so the markers
        // stay unambiguous.
        out.push(if is_blank(c) { ' ' } else { c });
    }
    if open {
        out.push(MARK_END);
    }
    if to < original.len() {
        out.push('…');
    }
    Some(out)
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
        assert!(parse_terms("\u{E000}").is_empty());
        // Unicode lowercase, not only ASCII.
        assert_eq!(parse_terms("ÉCRAN ΣΥΣΤΗΜΑ"), vec!["écran", "συστημα"]);
    }

    #[test]
    fn matching_is_and_over_fields() {
        let t = parse_terms("打印 his");
        assert!(matches_all(&t, &["门诊打印机卡纸", "HIS 报错"]));
        assert!(!matches_all(&t, &["门诊打印机卡纸", "PACS"]));
        assert!(matches_all(&[], &["anything"]));
        assert!(matches_all(&parse_terms("卡"), &["打印机卡纸"]));
        assert!(matches_all(
            &parse_terms("r-2026-000123"),
            &["R-2026-000123"]
        ));
        // A phrase must sit inside one field.
        assert!(!matches_all(&parse_terms(r#""纸 his""#), &["卡纸", "HIS"]));
        assert!(matches_all(&parse_terms(r#""纸 his""#), &["卡纸 HIS"]));
        // Line breaks in the text match a space in a phrase.
        assert!(matches_all(&parse_terms(r#""a b""#), &["A\nB"]));
    }

    #[test]
    fn snippets_mark_every_match() {
        let t = parse_terms("打印 his");
        assert_eq!(
            snippet("门诊打印机卡纸，HIS无法打印", &t, 80).as_deref(),
            Some("门诊\u{E000}打印\u{E001}机卡纸，\u{E000}HIS\u{E001}无法\u{E000}打印\u{E001}")
        );
        assert_eq!(snippet("nothing here", &t, 80), None);
        let long = format!("{}打印{}", "前".repeat(100), "后".repeat(100));
        let s = snippet(&long, &t, 20).unwrap();
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("\u{E000}打印\u{E001}"), "{s}");
        assert_eq!(s.chars().filter(|c| *c != '…').count(), 22, "{s}");
    }
}
