//! The local search index: FTS5 over overlapping character bigrams, exact for substrings.
//!
//! The meaning of a query is [`rounds_core::query`]'s: every term is a substring of one of
//! the ticket's searchable fields after normalization. This module makes that fast at a
//! million tickets without changing what it finds:
//!
//! - **Index.** Each field is normalized and turned into one token per character: the
//!   character and the next one, or the character alone at the field's end. `打印机` gives
//!   `打印 印机 机`; `HIS` gives `hi is s`. The title goes to one FTS5 column (weighted higher
//!   for relevance), every other field to the second.
//! - **Query.** A term of one character is the prefix query `c*` (every position's token
//!   starts with its own character, so this finds exactly the tickets holding `c`; the table's
//!   one-character prefix index, `prefix = '1'`, answers it from one doclist). A longer
//!   term is the phrase of its bigrams: `打印机卡` is `"打印 印机 机卡"`, consecutive
//!   positions, i.e. exactly the substring. Phrases never cross fields, because a field ends
//!   with a one-character token and a phrase is made of two-character ones.
//! - **Encoding.** The `ascii` tokenizer splits on ASCII characters that are not letters or
//!   digits; every such character except the separating space is mapped to a private-use
//!   code point first (space inside a token too). Normalization reads private-use
//!   characters in ticket text as spaces, so the mapping is one to one and nothing collides.
//!
//! - **Words.** A third column holds, for every run of printable ASCII characters (letters,
//!   digits, punctuation) of at least [`MIN_RUN`] characters in any field, each suffix of at
//!   least [`MIN_RUN`] characters, cut to [`MAX_RUN`] (encoded like the bigrams). Bigrams of
//!   ticket numbers and English words occur in most tickets, so
//!   their phrases walk long doclists; a term holding such a run `r` (its longest) adds the
//!   prefix query `r*` on these tokens, which is rare. It is implied by the term: wherever
//!   the term occurs, `r` starts inside a run of the field at least as long, whose suffix
//!   from there is indexed and begins with `r` (cut to [`MAX_RUN`] on both sides). A term
//!   that is one such run and no longer than [`MAX_RUN`] is exactly `r*`, without the phrase.
//!   Words tokens are at least [`MIN_RUN`] characters long and phrases are made of
//!   bigrams, so neither ever matches in the other's column.
//!
//! So the index answers the query exactly; no candidate is re-checked. The tests compare it
//! with a brute-force scan calling [`rounds_core::query::matches_all`].
//!
//! - **Backlog.** Every change re-indexes its ticket in its own transaction, except the pages
//!   of a long pull ([`crate::Store::bulk_pull`]), which put the ticket's id in
//!   `search_backlog` in their transaction instead. Invariant: a ticket is either in the
//!   backlog or its index row is current. Every search first indexes the whole backlog
//!   ([`index_backlog`]), so what it finds never depends on how far that work has got.

use std::collections::{HashMap, HashSet};

use rounds_core::model::{Campus, Comment, Department, Ticket};
use rounds_core::query::{normalize, parse_terms};
use rusqlite::{OptionalExtension, Transaction, params};

use crate::{Result, from_json};

/// Maps a normalized character to the character the token stream uses for it.
fn encode(c: char) -> char {
    if c.is_ascii() && !c.is_ascii_alphanumeric() {
        // U+F000..U+F07F: private use, a token character for the `ascii` tokenizer.
        char::from_u32(0xF000 + c as u32).unwrap_or(c)
    } else {
        c
    }
}

/// Appends the token stream of one field to `out`.
fn push_tokens(out: &mut String, field: &str) {
    let chars: Vec<char> = normalize(field).chars().map(encode).collect();
    for (i, c) in chars.iter().enumerate() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push(*c);
        if let Some(next) = chars.get(i + 1) {
            out.push(*next);
        }
    }
}

/// Shortest run of ASCII letters and digits indexed in the words column: shorter terms are
/// cheap as phrases already (`his`, `vpn`, `pacs`).
const MIN_RUN: usize = 5;
/// Longest words token: a pasted hash or base64 blob costs at most this per character.
const MAX_RUN: usize = 32;

/// The maximal runs of printable ASCII characters (letters, digits, punctuation; not the
/// space) in normalized characters, as index ranges.
fn runs(chars: &[char]) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    let mut start = 0;
    (0..=chars.len()).filter_map(move |i| {
        if i < chars.len() && chars[i].is_ascii_graphic() {
            return None;
        }
        let run = start..i;
        start = i + 1;
        (!run.is_empty()).then_some(run)
    })
}

/// Appends the words tokens of one field to `out`, skipping those in `seen`.
fn push_words(out: &mut String, seen: &mut HashSet<String>, field: &str) {
    let chars: Vec<char> = normalize(field).chars().collect();
    for run in runs(&chars).filter(|r| r.len() >= MIN_RUN) {
        for start in run.start..=run.end - MIN_RUN {
            let end = run.end.min(start + MAX_RUN);
            let token: String = chars[start..end].iter().map(|c| encode(*c)).collect();
            if seen.insert(token.clone()) {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(&token);
            }
        }
    }
}

/// The FTS5 phrase of consecutive bigrams for at least two (encoded) characters.
fn phrase(chars: &[char]) -> String {
    let bigrams: Vec<String> = chars.windows(2).map(|w| w.iter().collect()).collect();
    format!("\"{}\"", bigrams.join(" "))
}

/// The FTS5 query for one normalized term, or `None` for an empty term.
fn term_query(term: &str) -> Option<String> {
    let raw: Vec<char> = term.chars().collect();
    let chars: Vec<char> = raw.iter().map(|c| encode(*c)).collect();
    match chars.len() {
        0 => None,
        // No `"` can occur: ASCII punctuation is encoded above.
        1 => Some(format!("\"{}\"*", chars[0])),
        _ => {
            let longest = runs(&raw).max_by_key(|r| r.len());
            Some(match longest.filter(|r| r.len() >= MIN_RUN) {
                Some(run) => {
                    let cut = run.start..run.end.min(run.start + MAX_RUN);
                    let prefix: String = chars[cut.clone()].iter().collect();
                    if cut == (0..chars.len()) {
                        format!("\"{prefix}\"*")
                    } else {
                        format!("(\"{prefix}\"* AND {})", phrase(&chars))
                    }
                }
                None => phrase(&chars),
            })
        }
    }
}

/// The FTS5 MATCH expression for a user's query: the AND of its terms; `None` when the query
/// has no terms (everything matches).
pub(crate) fn match_expr(q: &str) -> Option<String> {
    let parts: Vec<String> = parse_terms(q)
        .iter()
        .filter_map(|t| term_query(t))
        .collect();
    (!parts.is_empty()).then(|| parts.join(" AND "))
}

/// What indexing needs besides the ticket: directory names and whether the user may read
/// internal notes. Loaded once per transaction.
pub(crate) struct Context {
    campuses: HashMap<String, String>,
    departments: HashMap<String, String>,
    staff: bool,
}

impl Context {
    pub(crate) fn load(tx: &Transaction<'_>) -> Result<Context> {
        let mut campuses = HashMap::new();
        let mut departments = HashMap::new();
        let mut st = tx.prepare_cached(
            "SELECT kind, data FROM directory WHERE kind IN ('campus', 'department')",
        )?;
        let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        for row in rows {
            let (kind, data) = row?;
            if kind == "campus" {
                let c: Campus = from_json(&data)?;
                campuses.insert(c.code, c.name);
            } else {
                let d: Department = from_json(&data)?;
                departments.insert(d.code, d.name);
            }
        }
        let staff = crate::read_me(tx)?.is_some_and(|me| me.role.is_staff());
        Ok(Context {
            campuses,
            departments,
            staff,
        })
    }

    /// The searchable fields of a ticket, title first, in the order snippets prefer the rest.
    pub(crate) fn fields<'a>(&'a self, t: &'a Ticket, comments: &'a [Comment]) -> Vec<&'a str> {
        let mut f = vec![t.title.as_str(), t.description.as_str()];
        // Internal notes only for those who may read them, as the detail view shows them.
        f.extend(
            comments
                .iter()
                .filter(|c| self.staff || !c.internal)
                .map(|c| c.body.as_str()),
        );
        f.extend(t.location.as_deref());
        f.extend(t.number.as_deref());
        f.extend(self.departments.get(&t.department).map(String::as_str));
        f.extend(self.campuses.get(&t.campus).map(String::as_str));
        f
    }
}

pub(crate) fn comments_of(tx: &rusqlite::Connection, ticket_id: &str) -> Result<Vec<Comment>> {
    let mut st = tx
        .prepare_cached("SELECT data FROM comments WHERE ticket_id = ?1 ORDER BY created_at, id")?;
    let rows = st.query_map([ticket_id], |r| r.get::<_, String>(0))?;
    rows.map(|r| from_json(&r?)).collect()
}

/// Re-indexes the given tickets (by id) from their current rows, and takes them out of the
/// backlog; ids with no ticket row are left for [`unindex`]. Call inside the transaction that
/// changed them.
pub(crate) fn reindex<'a>(
    tx: &Transaction<'_>,
    ctx: &Context,
    ids: impl IntoIterator<Item = &'a str>,
) -> Result<()> {
    let mut seen = HashSet::new();
    let mut batch = Batch::default();
    let mut settled = tx.prepare_cached("DELETE FROM search_backlog WHERE ticket_id = ?1")?;
    for id in ids {
        if !seen.insert(id) {
            continue;
        }
        settled.execute([id])?;
        let row: Option<(Option<i64>, String)> = tx
            .prepare_cached("SELECT search_key, data FROM tickets WHERE id = ?1")?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((key, data)) = row else { continue };
        let ticket: Ticket = from_json(&data)?;
        let comments = comments_of(tx, id)?;
        batch.add(tx, ctx, key, &ticket, &comments)?;
    }
    batch.write(tx)
}

/// The search key of a ticket created at `created_at`: microseconds times 1024, plus the
/// lowest number that no other ticket created in the same microsecond holds. A ticket keeps
/// its key while its creation time stays the same.
fn search_key(tx: &Transaction<'_>, created_at: i64, current: Option<i64>) -> Result<i64> {
    let base = created_at.saturating_mul(1024);
    if let Some(k) = current
        && k.div_euclid(1024) == created_at
    {
        return Ok(k);
    }
    let mut taken =
        tx.prepare_cached("SELECT EXISTS(SELECT 1 FROM tickets WHERE search_key = ?1)")?;
    for d in 0..1024 {
        if !taken.query_row([base + d], |r| r.get::<_, bool>(0))? {
            return Ok(base + d);
        }
    }
    Err(crate::StoreError::Corrupt(
        "more than 1024 tickets created in the same microsecond".into(),
    ))
}

/// Index changes waiting to be written, so that FTS5 gets them in ascending rowid order.
///
/// FTS5 buffers new index entries in memory and writes them out as a new segment whenever a
/// write's rowid is lower than the previous one. Tickets reach the cache in the server's
/// change order, not in creation order (their search keys), so writing them as they come
/// made a segment of one or two tickets per write, and merging those segments was most of
/// the cost of indexing a pulled page. In rowid order a whole batch is one segment.
#[derive(Default)]
struct Batch {
    /// Index rows to remove (by search key).
    deletes: Vec<i64>,
    /// Index rows to add: search key, then the title, body and words token streams.
    inserts: Vec<(i64, String, String, String)>,
}

impl Batch {
    /// Gives the ticket its search key (keeping `current_key` while the creation time is the
    /// same) and queues its index row.
    fn add(
        &mut self,
        tx: &Transaction<'_>,
        ctx: &Context,
        current_key: Option<i64>,
        ticket: &Ticket,
        comments: &[Comment],
    ) -> Result<()> {
        let key = search_key(tx, ticket.created_at.timestamp_micros(), current_key)?;
        self.deletes.extend(current_key);
        if current_key != Some(key) {
            tx.prepare_cached("UPDATE tickets SET search_key = ?2 WHERE id = ?1")?
                .execute(params![ticket.id.to_string(), key])?;
        }
        let fields = ctx.fields(ticket, comments);
        let mut title = String::new();
        push_tokens(&mut title, fields[0]);
        let mut body = String::new();
        for f in &fields[1..] {
            push_tokens(&mut body, f);
        }
        let mut words = String::new();
        let mut seen = HashSet::new();
        for f in &fields {
            push_words(&mut words, &mut seen, f);
        }
        self.inserts.push((key, title, body, words));
        Ok(())
    }

    /// Writes the queued changes in ascending rowid order, a row's removal before its new
    /// entry.
    fn write(mut self, tx: &Transaction<'_>) -> Result<()> {
        self.deletes.sort_unstable();
        self.inserts.sort_unstable_by_key(|row| row.0);
        let mut delete = tx.prepare_cached("DELETE FROM ticket_search WHERE rowid = ?1")?;
        let mut insert = tx.prepare_cached(
            "INSERT INTO ticket_search (rowid, title, body, words) VALUES (?1, ?2, ?3, ?4)",
        )?;
        let mut deletes = self.deletes.into_iter().peekable();
        for (key, title, body, words) in self.inserts {
            while let Some(old) = deletes.next_if(|old| *old <= key) {
                delete.execute([old])?;
            }
            insert.execute(params![key, title, body, words])?;
        }
        for old in deletes {
            delete.execute([old])?;
        }
        Ok(())
    }
}

/// Puts tickets (by id) in the backlog instead of indexing them: their index rows, if any, are
/// stale until [`index_backlog`] reaches them, and every search calls it first. Call inside
/// the transaction that changed them.
pub(crate) fn defer<'a>(
    tx: &Transaction<'_>,
    ids: impl IntoIterator<Item = &'a str>,
) -> Result<()> {
    let mut st =
        tx.prepare_cached("INSERT OR IGNORE INTO search_backlog (ticket_id) VALUES (?1)")?;
    for id in ids {
        st.execute([id])?;
    }
    Ok(())
}

/// How many tickets wait in the backlog.
pub(crate) fn backlog_len(conn: &rusqlite::Connection) -> Result<usize> {
    let n: i64 = conn
        .prepare_cached("SELECT count(*) FROM search_backlog")?
        .query_row([], |r| r.get(0))?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// Whether any ticket waits in the backlog (without counting them all).
pub(crate) fn has_backlog(conn: &rusqlite::Connection) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS(SELECT 1 FROM search_backlog)")?
        .query_row([], |r| r.get(0))?)
}

/// Tickets indexed per [`Batch`] when working off the backlog: bounds the memory a batch's
/// token streams take.
const BACKLOG_BATCH: usize = 2000;

/// Indexes up to `limit` tickets of the backlog in the order they arrived; returns how many
/// are left.
pub(crate) fn index_backlog(tx: &Transaction<'_>, limit: usize) -> Result<usize> {
    let ctx = Context::load(tx)?;
    let mut left = limit;
    while left > 0 {
        let ids: Vec<String> = tx
            .prepare_cached("SELECT ticket_id FROM search_backlog ORDER BY seq LIMIT ?1")?
            .query_map([left.min(BACKLOG_BATCH) as i64], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if ids.is_empty() {
            break;
        }
        left -= ids.len();
        reindex(tx, &ctx, ids.iter().map(String::as_str))?;
    }
    backlog_len(tx)
}

/// Removes a ticket's index row, and its place in the backlog; call before deleting the
/// ticket.
pub(crate) fn unindex(tx: &Transaction<'_>, id: &str) -> Result<()> {
    tx.prepare_cached(
        "DELETE FROM ticket_search WHERE rowid = (SELECT search_key FROM tickets WHERE id = ?1)",
    )?
    .execute([id])?;
    tx.prepare_cached("DELETE FROM search_backlog WHERE ticket_id = ?1")?
        .execute([id])?;
    Ok(())
}

/// Rebuilds the whole index from the tickets and comments tables, which leaves nothing in the
/// backlog; returns the tickets indexed.
pub(crate) fn rebuild(tx: &Transaction<'_>) -> Result<usize> {
    tx.execute("DELETE FROM search_backlog", [])?;
    rebuild_index(tx)
}

/// [`rebuild`] for the migrations that run before the backlog's table exists.
pub(crate) fn rebuild_index(tx: &Transaction<'_>) -> Result<usize> {
    let ctx = Context::load(tx)?;
    tx.execute_batch("DELETE FROM ticket_search; UPDATE tickets SET search_key = NULL;")?;
    // Comments in ticket order, read alongside the tickets, so a rebuild is two scans rather
    // than one lookup per ticket.
    let mut by_ticket: HashMap<String, Vec<Comment>> = HashMap::new();
    {
        let mut st = tx.prepare("SELECT ticket_id, data FROM comments ORDER BY created_at, id")?;
        let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        for row in rows {
            let (t, data) = row?;
            by_ticket.entry(t).or_default().push(from_json(&data)?);
        }
    }
    // In slices by rowid: the loop updates the rows it reads (their search keys).
    let mut after = i64::MIN;
    let mut n = 0;
    loop {
        let batch: Vec<(i64, String, String)> = tx
            .prepare_cached(
                "SELECT rowid, id, data FROM tickets WHERE rowid > ?1 ORDER BY rowid LIMIT 10000",
            )?
            .query_map([after], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        let Some(last) = batch.last() else { break };
        after = last.0;
        let mut rows = Batch::default();
        for (_, id, data) in batch {
            let ticket: Ticket = from_json(&data)?;
            let comments = by_ticket.remove(&id).unwrap_or_default();
            rows.add(tx, &ctx, None, &ticket, &comments)?;
            n += 1;
        }
        rows.write(tx)?;
    }
    Ok(n)
}

/// Tickets whose indexed text depends on these directory entries (a renamed campus or
/// department).
pub(crate) fn tickets_of_directory(
    tx: &Transaction<'_>,
    campuses: &[String],
    departments: &[String],
) -> Result<Vec<String>> {
    let mut ids = Vec::new();
    for (col, codes) in [("campus", campuses), ("department", departments)] {
        let mut st = tx.prepare_cached(&format!("SELECT id FROM tickets WHERE {col} = ?1"))?;
        for code in codes {
            for id in st.query_map([code], |r| r.get::<_, String>(0))? {
                ids.push(id?);
            }
        }
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_tokens() {
        let mut out = String::new();
        let mut seen = HashSet::new();
        // `124,` is too short; the second `printer` adds nothing new.
        push_words(&mut out, &mut seen, "HIS printer R-2026-124, printer");
        let d = '\u{F02D}';
        let c = '\u{F02C}';
        assert_eq!(
            out,
            format!(
                "printer rinter inter r{d}2026{d}124{c} {d}2026{d}124{c} 2026{d}124{c} 026{d}124{c} \
                 26{d}124{c} 6{d}124{c} {d}124{c}"
            )
        );
        let mut out = String::new();
        push_words(&mut out, &mut HashSet::new(), &"x".repeat(40));
        // Every suffix of at least MIN_RUN characters, each cut to MAX_RUN (deduplicated).
        let want: Vec<String> = (MIN_RUN..=MAX_RUN).rev().map(|n| "x".repeat(n)).collect();
        assert_eq!(out, want.join(" "));
    }

    #[test]
    fn tokens_and_queries() {
        let mut s = String::new();
        push_tokens(&mut s, "打印机");
        assert_eq!(s, "打印 印机 机");
        push_tokens(&mut s, "HIS-2");
        assert_eq!(s, "打印 印机 机 hi is s\u{F02D} \u{F02D}2 2");
        assert_eq!(term_query("卡").as_deref(), Some("\"卡\"*"));
        assert_eq!(term_query("打印机").as_deref(), Some("\"打印 印机\""));
        assert_eq!(
            term_query("a\"b").as_deref(),
            Some("\"a\u{F022} \u{F022}b\"")
        );
        assert_eq!(
            term_query("r-2026-000124").as_deref(),
            Some("\"r\u{F02D}2026\u{F02D}000124\"*")
        );
        assert_eq!(
            term_query("his r-2026").as_deref(),
            Some(
                "(\"r\u{F02D}2026\"* AND \"hi is s\u{F020} \u{F020}r r\u{F02D} \u{F02D}2 20 02 26\")"
            )
        );
        assert_eq!(term_query("0124").as_deref(), Some("\"01 12 24\""));
        assert_eq!(term_query("printer").as_deref(), Some("\"printer\"*"));
        let long = "a".repeat(40);
        assert_eq!(
            term_query(&long).as_deref(),
            Some(
                format!(
                    "(\"{}\"* AND {})",
                    "a".repeat(32),
                    phrase(&long.chars().collect::<Vec<_>>())
                )
                .as_str()
            )
        );
        assert_eq!(term_query("a1").as_deref(), Some("\"a1\""));
        assert_eq!(match_expr("  ").as_deref(), None);
        assert_eq!(
            match_expr("打印 \"his 报错\"").as_deref(),
            Some("\"打印\" AND \"hi is s\u{F020} \u{F020}报 报错\"")
        );
    }
}
