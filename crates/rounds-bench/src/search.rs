//! Local search over a large cache: the `rounds-store` index against SQLite's own
//! `unicode61` and `trigram` tokenizers on the same corpus, each with its recall measured
//! against a brute-force scan that applies `rounds_core::query::matches_all`.
//!
//! The corpus is generated straight into a client cache (seed 2026, as pulled pages of
//! 10,000 changes, one transaction each: the path an initial sync takes, index included).

use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Result, ensure};
use chrono::{DateTime, Utc};
use rounds_core::model::{Role, UserPublic};
use rounds_core::query::{matches_all, parse_terms};
use rounds_core::wire::Change;
use rounds_fixtures::pulled::Pulled;
use rounds_store::{Store, TicketFilter};
use uuid::Uuid;

use crate::Row;
use crate::client::{ms, percentile};

const PAGE: usize = 10_000;
/// Timed runs of each query.
const RUNS: usize = 15;
/// Timed runs of each query on the baselines (slow on frequent terms: they sort every match).
const BASE_RUNS: usize = 5;

/// How the corpus is numbered and anchored: ticket `i` has id `ID_BASE + i`.
const ID_BASE: u128 = 0x0100_0000_0000;

fn anchor() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-27T00:00:00Z")
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_default()
}

/// The corpus's converter, as the desktop benchmark's profiles use it too.
pub(crate) fn pulled() -> Pulled {
    Pulled::new(ID_BASE, anchor())
}

/// The searchable fields of a generated ticket as an engineer sees them (every comment),
/// for the brute-force scan and the baseline tables.
fn fields(g: &rounds_fixtures::GenTicket, i: usize) -> Vec<String> {
    let mut f = vec![g.title.clone(), g.description.clone()];
    f.extend(g.comments.iter().map(|c| c.body.clone()));
    f.extend(g.location.clone());
    f.push(Pulled::number(i));
    f.extend(rounds_fixtures::department(g.department).map(|d| d.name.to_owned()));
    f.extend(rounds_fixtures::campus(g.campus).map(|c| c.name.to_owned()));
    f
}

struct Category {
    name: &'static str,
    queries: Vec<String>,
}

fn categories(n: usize) -> Vec<Category> {
    let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect();
    let numbers = [123, n / 3, n / 2, n - 1, 7, n * 2 / 3]
        .iter()
        .map(|i| Pulled::number(*i % n))
        .collect();
    vec![
        Category {
            name: "1-character Chinese (卡 网 屏 慢 纸 码)",
            queries: words(&["卡", "网", "屏", "慢", "纸", "码"]),
        },
        Category {
            name: "2-character Chinese (打印 登录 蓝屏 扫码 医保 密码)",
            queries: words(&["打印", "登录", "蓝屏", "扫码", "医保", "密码"]),
        },
        Category {
            name: "3-character Chinese (打印机 扫码枪 自助机 工作站 护士站 检验科)",
            queries: words(&["打印机", "扫码枪", "自助机", "工作站", "护士站", "检验科"]),
        },
        Category {
            name: "4-character Chinese (无法登录 电子病历 影像调阅 本部院区 统一身份 胚胎实验)",
            queries: words(&[
                "无法登录",
                "电子病历",
                "影像调阅",
                "本部院区",
                "统一身份",
                "胚胎实验",
            ]),
        },
        Category {
            name: "English words (HIS pacs VPN printer login network)",
            queries: words(&["HIS", "pacs", "VPN", "printer", "login", "network"]),
        },
        Category {
            name: "ticket numbers (R-2026-000124 …)",
            queries: numbers,
        },
        Category {
            name: "several terms and phrases (打印 门诊; HIS 登录; \"打印机 卡纸\")",
            queries: words(&["打印 门诊", "HIS 登录", "\"打印机 卡纸\"", "PACS 影像 慢"]),
        },
    ]
}

/// SQLite's own tokenizers, as a developer would first try them: the ticket's fields in a
/// contentless FTS5 table, each query term a phrase, terms ANDed.
struct Baseline {
    table: &'static str,
    label: &'static str,
}

const BASELINES: [Baseline; 2] = [
    Baseline {
        table: "base_unicode61",
        label: "unicode61",
    },
    Baseline {
        table: "base_trigram",
        label: "trigram",
    },
];

fn baseline_expr(q: &str) -> String {
    parse_terms(q)
        .iter()
        .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" AND ")
}

pub fn section(dir: &Path, n: usize) -> Result<Vec<Row>> {
    let profile = dir.join("search-profile");
    let mut store = Store::open(&profile)?;
    store.set_me(Some(&UserPublic {
        id: Uuid::now_v7(),
        username: "bench-eng".into(),
        display_name: "bench".into(),
        role: Role::Engineer,
        campus: None,
        department: None,
    }))?;

    // The cache and its index, built as a first sync builds them.
    let t = Instant::now();
    let mut corpus = pulled();
    let mut page: Vec<Change> = Vec::with_capacity(PAGE + 8);
    page.extend(corpus.directory());
    for (i, g) in rounds_fixtures::stream(2026, n).enumerate() {
        page.extend(corpus.ticket(g, i)?);
        if page.len() >= PAGE {
            store.apply_pull("bench", &page, corpus.seq, None)?;
            page.clear();
        }
    }
    store.apply_pull("bench", &page, corpus.seq, None)?;
    let build = t.elapsed();
    drop(store);
    let db_bytes = std::fs::metadata(profile.join(rounds_store::DB_FILE))?.len();

    // Baseline tables beside it, in the same file, fed the same fields.
    let conn = rusqlite::Connection::open(profile.join(rounds_store::DB_FILE))?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    let mut base_build = Vec::new();
    for (b, tok) in BASELINES.iter().zip(["unicode61", "trigram"]) {
        let t = Instant::now();
        conn.execute_batch(&format!(
            "CREATE VIRTUAL TABLE {} USING fts5(title, body, content = '', tokenize = '{tok}')",
            b.table
        ))?;
        let tx = conn.unchecked_transaction()?;
        {
            let mut ins = tx.prepare(&format!(
                "INSERT INTO {} (rowid, title, body) VALUES ((SELECT rowid FROM tickets WHERE id = ?1), ?2, ?3)",
                b.table
            ))?;
            for (i, g) in rounds_fixtures::stream(2026, n).enumerate() {
                let f = fields(&g, i);
                ins.execute(rusqlite::params![
                    corpus.ticket_id(i).to_string(),
                    f[0],
                    f[1..].join("\n")
                ])?;
            }
        }
        tx.commit()?;
        base_build.push(t.elapsed());
    }

    // Brute force: one pass over the corpus, every query at once.
    let cats = categories(n);
    let all: Vec<&String> = cats.iter().flat_map(|c| &c.queries).collect();
    let parsed: Vec<Vec<String>> = all.iter().map(|q| parse_terms(q)).collect();
    let t = Instant::now();
    let mut truth: Vec<HashSet<Uuid>> = vec![HashSet::new(); all.len()];
    for (i, g) in rounds_fixtures::stream(2026, n).enumerate() {
        let f = fields(&g, i);
        let f: Vec<&str> = f.iter().map(String::as_str).collect();
        for (k, terms) in parsed.iter().enumerate() {
            if matches_all(terms, &f) {
                truth[k].insert(corpus.ticket_id(i));
            }
        }
    }
    let scan_per_query = t.elapsed() / all.len() as u32;

    let store = Store::open(&profile)?;
    let mut rows = vec![Row {
        what: format!(
            "search index build: {n} generated tickets (with comments) stored and indexed as a first sync does, pages of 10,000 changes; cache file size"
        ),
        value: format!(
            "{:.1} s ({:.1}k tickets/s); {:.0} MiB",
            build.as_secs_f64(),
            n as f64 / build.as_secs_f64() / 1000.0,
            db_bytes as f64 / 1048576.0
        ),
        baseline: format!(
            "index alone: unicode61 {:.1} s, trigram {:.1} s",
            base_build[0].as_secs_f64(),
            base_build[1].as_secs_f64()
        ),
        ratio: "—".into(),
        target: "—",
    }];
    let mut k = 0;
    for cat in &cats {
        let mut ours = Vec::new();
        let mut base_times: Vec<Vec<Duration>> = vec![Vec::new(); BASELINES.len()];
        let (mut want, mut got) = (0usize, 0usize);
        let mut base_got = vec![0usize; BASELINES.len()];
        let mut matches = 0usize;
        for q in &cat.queries {
            let truth = &truth[k];
            k += 1;
            want += truth.len();
            // What the search box asks: the first 50, newest first, with the total and
            // snippets.
            let f = TicketFilter {
                q: Some(q.clone()),
                limit: Some(50),
                ..Default::default()
            };
            for _ in 0..RUNS {
                let t = Instant::now();
                let p = store.ticket_page(&f)?;
                ours.push(t.elapsed());
                // The total is counted up to the cap, and says so.
                let cap = rounds_store::SEARCH_TOTAL_CAP;
                ensure!(
                    p.total == truth.len().min(cap) && p.total_capped == (truth.len() > cap),
                    "{q}: {} found (capped: {}), {} expected",
                    p.total,
                    p.total_capped,
                    truth.len()
                );
            }
            // Recall over every match, not only the first page.
            let found: HashSet<Uuid> = store.search_ids(q)?.into_iter().collect();
            ensure!(&found == truth, "{q}: the index disagrees with the scan");
            got += found.len();
            matches += truth.len();
            for (b, base) in BASELINES.iter().enumerate() {
                let expr = baseline_expr(q);
                let page_sql = format!(
                    "SELECT t.id FROM tickets t WHERE t.rowid IN (SELECT rowid FROM {0} WHERE {0} MATCH ?1) \
                     ORDER BY t.created_at DESC LIMIT 50",
                    base.table
                );
                let count_sql = format!("SELECT count(*) FROM {0} WHERE {0} MATCH ?1", base.table);
                for _ in 0..BASE_RUNS {
                    let t = Instant::now();
                    let _: Vec<String> = conn
                        .prepare_cached(&page_sql)?
                        .query_map([&expr], |r| r.get(0))?
                        .collect::<Result<_, _>>()?;
                    let _: i64 = conn
                        .prepare_cached(&count_sql)?
                        .query_row([&expr], |r| r.get(0))?;
                    base_times[b].push(t.elapsed());
                }
                let ids: Vec<String> = conn
                    .prepare_cached(&format!(
                        "SELECT t.id FROM tickets t WHERE t.rowid IN (SELECT rowid FROM {0} WHERE {0} MATCH ?1)",
                        base.table
                    ))?
                    .query_map([&expr], |r| r.get(0))?
                    .collect::<Result<_, _>>()?;
                base_got[b] += ids
                    .iter()
                    .filter_map(|s| Uuid::parse_str(s).ok())
                    .filter(|id| truth.contains(id))
                    .count();
            }
        }
        ours.sort();
        let recall = |g: usize| {
            if want == 0 {
                "—".to_owned()
            } else {
                format!("{:.1} %", 100.0 * g as f64 / want as f64)
            }
        };
        let mut baseline = Vec::new();
        for (b, base) in BASELINES.iter().enumerate() {
            base_times[b].sort();
            baseline.push(format!(
                "{}: recall {}, p95 {}",
                base.label,
                recall(base_got[b]),
                ms(percentile(&base_times[b], 0.95))
            ));
        }
        let b95 = percentile(&base_times[1], 0.95);
        let p95 = percentile(&ours, 0.95);
        rows.push(Row {
            what: format!(
                "local search, {n} tickets, {}: first 50 newest + total + snippets, {} matches per query on average (p50; p95; recall)",
                cat.name,
                matches / cat.queries.len().max(1)
            ),
            value: format!(
                "{}; {}; {}",
                ms(percentile(&ours, 0.5)),
                ms(p95),
                recall(got)
            ),
            baseline: baseline.join("; "),
            ratio: format!("{:.2} (vs trigram p95)", p95.as_secs_f64() / b95.as_secs_f64().max(1e-9)),
            target: "p95 ≤ 30 ms, recall 100 %",
        });
    }
    rows.push(Row {
        what: format!("brute-force scan of the {n} tickets, per query (the recall reference)"),
        value: ms(scan_per_query),
        baseline: "—".into(),
        ratio: "—".into(),
        target: "—",
    });

    // Saving into the big cache: the index is updated in the same durable transaction.
    let mut store = store;
    let mut times = Vec::new();
    for g in rounds_fixtures::stream(99, 200) {
        let d = crate::client::draft(g)?;
        let t = Instant::now();
        store.ticket_create(d, Utc::now())?;
        times.push(t.elapsed());
    }
    times.sort();
    rows.push(Row {
        what: format!("durable local ticket save into the {n}-ticket cache, index included, 200 saves (p50; p95)"),
        value: format!("{}; {}", ms(percentile(&times, 0.5)), ms(percentile(&times, 0.95))),
        baseline: "—".into(),
        ratio: "—".into(),
        target: "p95 ≤ 5 ms",
    });
    Ok(rows)
}
