//! Online and offline search agree: the server's `q` filter and a synced client's local
//! index find the same tickets for the same queries, for staff (who may read internal notes)
//! and for a reporter (who may not, and sees only their department). Also `rounds search`.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use rounds_store::TicketFilter;
use rounds_tests::TestServer;
use rounds_tests::client::{Profile, rounds};
use serde_json::json;
use uuid::Uuid;

/// Queries of every kind: 1-4 character Chinese, English in any case, ticket numbers,
/// names of campuses and departments, phrases, several terms, internal-note words.
const QUERIES: &[&str] = &[
    "打",
    "卡",
    "网",
    "打印",
    "登录",
    "蓝屏",
    "打印机",
    "扫码枪",
    "无法登录",
    "电子病历",
    "HIS",
    "his",
    "PACS",
    "VPN",
    "printer",
    "LOGIN",
    "R-2026-000003",
    "r-2026-00001",
    "本部院区",
    "东院区",
    "检验科",
    "生殖医学中心",
    "\"打印机 卡纸\"",
    "打印 门诊",
    "HIS 登录",
    "已解决",
    "测试环境",
    "内部",
    "%",
    "_",
    "不存在",
];

/// Every ticket the server lists for `q`, following `next_cursor`.
async fn server_search(api: &rounds_tests::Api, q: &str) -> BTreeSet<Uuid> {
    let mut found = BTreeSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut rb = api
            .request(reqwest::Method::GET, "/api/v1/tickets")
            .query(&[("q", q), ("limit", "200")]);
        if let Some(c) = &cursor {
            rb = rb.query(&[("cursor", c.as_str())]);
        }
        let (s, page) = rounds_tests::send(rb).await;
        assert_eq!(s, StatusCode::OK, "{page}");
        for t in page["items"].as_array().unwrap() {
            found.insert(t["id"].as_str().unwrap().parse().unwrap());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return found,
        }
    }
}

async fn local_search(p: &Profile, q: &str) -> BTreeSet<Uuid> {
    let page = p
        .app
        .ticket_page(TicketFilter {
            q: Some(q.into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.total, page.rows.len());
    page.rows.iter().map(|r| r.ticket.id).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_and_synced_client_find_the_same_tickets() {
    let server = TestServer::start().await;
    let h = server.seed().await;
    let admin = h.api("admin");
    // Generated tickets, spread over the seeded hospital's departments.
    let depts = [
        ("main", "main-ivf"),
        ("main", "main-lab"),
        ("east", "east-ivf"),
    ];
    for (i, g) in rounds_fixtures::stream(2026, 120).enumerate() {
        let (campus, dept) = depts[i % depts.len()];
        let (s, t) = admin
            .post(
                "/api/v1/tickets",
                json!({"title": g.title, "description": g.description, "campus": campus,
                       "department": dept, "location": g.location, "severity": g.severity}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{t}");
        let id = t["id"].as_str().unwrap();
        for c in g.comments {
            let (s, b) = admin
                .post(
                    &format!("/api/v1/tickets/{id}/comments"),
                    json!({"body": c.body, "internal": c.internal}),
                )
                .await;
            assert_eq!(s, StatusCode::CREATED, "{b}");
        }
    }
    // Words only an internal note holds, to tell staff from reporters apart.
    let (_, t) = admin
        .post(
            "/api/v1/tickets",
            json!({"title": "HIS 登录慢", "campus": "main", "department": "main-ivf", "severity": 3}),
        )
        .await;
    let id = t["id"].as_str().unwrap();
    let (s, _) = admin
        .post(
            &format!("/api/v1/tickets/{id}/comments"),
            json!({"body": "内部：数据库锁等待 Deadlock", "internal": true}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);

    for user in ["eng", "nurse"] {
        let p = Profile::new();
        p.login(&server.base, user).await;
        p.app.sync_now().await.unwrap();
        let api = h.api(user);
        let mut hits = 0;
        for q in QUERIES.iter().chain(&["deadlock", "锁等待"]) {
            let online = server_search(api, q).await;
            let offline = local_search(&p, q).await;
            assert_eq!(online, offline, "{user}: query {q:?}");
            hits += usize::from(!online.is_empty());
        }
        assert!(hits >= 20, "{user}: only {hits} queries found tickets");
        let notes = local_search(&p, "deadlock").await.len();
        assert_eq!(notes, usize::from(user == "eng"), "{user}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rounds_search_prints_matches_and_json() {
    let server = TestServer::start().await;
    let _h = server.seed().await;
    let p = Profile::new();
    p.login(&server.base, "nurse").await;
    let mut d = rounds_tests::client::draft("门诊3楼打印机卡纸", "main", "main-ivf", 3);
    d.description = "HIS打印时报错".into();
    p.create(d).await;
    p.create(rounds_tests::client::draft(
        "PACS 调阅慢",
        "main",
        "main-ivf",
        3,
    ))
    .await;
    let out = rounds(p.path(), &["search", "打印"]).await;
    out.expect(0, "search");
    assert!(out.stdout.contains("门诊3楼打印机卡纸"), "{}", out.stdout);
    // Not a terminal: matches in brackets.
    assert!(out.stdout.contains("HIS[打印]时报错"), "{}", out.stdout);
    assert!(out.stdout.contains("1 of 1 matching"), "{}", out.stdout);
    let v = rounds(p.path(), &["search", "his 打印", "--json", "--limit", "5"])
        .await
        .expect(0, "search --json")
        .json();
    assert_eq!(v["total"], 1);
    assert_eq!(v["rows"][0]["snippet"], "«HIS打印»时报错");
    let v = rounds(p.path(), &["search", "zzz", "--json"])
        .await
        .expect(0, "search --json")
        .json();
    assert_eq!(v["total"], 0);
    rounds(p.path(), &["search-rebuild"])
        .await
        .expect(0, "search-rebuild");
}

/// Tickets waiting in a profile's search backlog, as its status says.
async fn backlog(p: &Profile) -> usize {
    p.app.status().await.unwrap().search_backlog
}

/// A first sync of more than one page stores the tickets and leaves their indexing for later
/// (that is most of its cost); a search straight after still finds what the server finds,
/// and the background task indexes the rest without being asked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_sync_of_many_pages_is_searchable_at_once_and_indexed_in_the_background() {
    let server = TestServer::start().await;
    let h = server.seed().await;
    let eng = h.api("eng");
    let total = rounds_sync::run::PULL_LIMIT as usize + 300;
    let ops: Vec<_> = rounds_fixtures::stream(7, total)
        .enumerate()
        .map(|(i, g)| {
            json!({"op_id": Uuid::now_v7(), "at": chrono::Utc::now(), "type": "ticket_create",
                   "ticket": {"id": Uuid::now_v7(), "title": g.title, "description": g.description,
                              "campus": if i % 2 == 0 { "main" } else { "east" },
                              "department": if i % 2 == 0 { "main-ivf" } else { "east-ivf" },
                              "location": g.location, "severity": g.severity}})
        })
        .collect();
    for batch in ops.chunks(500) {
        let r = eng.push(batch.to_vec()).await;
        assert!(r.iter().all(|x| x["status"] == "applied"), "{r:?}");
    }

    // Searched at once: the search indexes the backlog first.
    let p = Profile::new();
    p.login(&server.base, "eng").await;
    let report = p.app.sync_now().await.unwrap();
    assert!(report.pulled > total, "pulled {}", report.pulled);
    let waiting = backlog(&p).await;
    assert!(waiting >= total, "{waiting} waiting");
    for q in ["打印", "卡", "HIS", "R-2026-000007", "东院区"] {
        assert_eq!(
            local_search(&p, q).await,
            server_search(eng, q).await,
            "{q}"
        );
    }
    assert_eq!(backlog(&p).await, 0);

    // `rounds sync` has no background to leave it to: it indexes before it returns.
    let c = Profile::new();
    c.login(&server.base, "eng").await;
    let out = rounds(c.path(), &["sync"]).await;
    out.expect(0, "sync");
    let indexed: usize = out
        .stdout
        .lines()
        .find_map(|l| {
            l.strip_prefix("indexed ")?
                .strip_suffix(" ticket(s) for search")?
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("no indexing line in {}", out.stdout));
    assert!(indexed >= total, "{}", out.stdout);
    let status = rounds(c.path(), &["status", "--json"])
        .await
        .expect(0, "status")
        .json();
    assert_eq!(status["search_backlog"], 0);

    // Left alone: the background task works it off after the sync.
    let q = Profile::new();
    q.login(&server.base, "eng").await;
    let _bg = rounds_app::background::start(q.app.clone(), std::time::Duration::from_secs(60));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let status = q.app.status().await.unwrap();
        if status.last_sync.is_some() && status.search_backlog == 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{} still waiting",
            status.search_backlog
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        local_search(&q, "打印").await,
        server_search(eng, "打印").await
    );
}
