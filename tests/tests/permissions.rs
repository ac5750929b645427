//! The permission matrix over HTTP: who may see and do what across departments and campuses.
//!
//! Scope first (out of scope is `404 not_found`, so nobody learns what exists elsewhere), then
//! role (`403 forbidden`). Every refusal is also checked to have changed nothing.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use rounds_tests::{Api, Hospital, PASSWORD, TestServer, assert_error};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// Asserts an exact status (never a 5xx) and returns the body.
#[track_caller]
fn expect(got: (StatusCode, Value), status: u16, what: &str) -> Value {
    assert!(
        got.0.as_u16() < 500,
        "{what}: server error {}: {}",
        got.0,
        got.1
    );
    assert_eq!(got.0.as_u16(), status, "{what}: {}", got.1);
    got.1
}

/// Asserts an error status with its code and the error body shape.
#[track_caller]
fn refused(got: (StatusCode, Value), status: u16, code: &str, what: &str) {
    assert!(
        got.0.as_u16() < 500,
        "{what}: server error {}: {}",
        got.0,
        got.1
    );
    assert_eq!(got.0.as_u16(), status, "{what}: {}", got.1);
    assert_error(&got, status, code);
}

fn id_of(ticket: &Value) -> String {
    ticket["id"].as_str().unwrap().to_owned()
}

fn ticket_path(id: &str) -> String {
    format!("/api/v1/tickets/{id}")
}

fn comments_path(id: &str) -> String {
    format!("/api/v1/tickets/{id}/comments")
}

fn transitions_path(id: &str) -> String {
    format!("/api/v1/tickets/{id}/transitions")
}

async fn start() -> (TestServer, Hospital) {
    let server = TestServer::start().await;
    let h = server.seed().await;
    (server, h)
}

/// The ticket as the admin sees it now.
async fn current(h: &Hospital, id: &str) -> Value {
    expect(
        h.api("admin").get(&ticket_path(id)).await,
        200,
        "admin GET ticket",
    )
}

/// The ids of the tickets in `api`'s list.
async fn listed(api: &Api, query: &str) -> BTreeSet<String> {
    let page = expect(
        api.get(&format!("/api/v1/tickets?limit=500{query}")).await,
        200,
        "list",
    );
    assert!(page["next_cursor"].is_null(), "one page expected: {page}");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect()
}

/// Comment bodies `api` gets for a ticket, in order.
async fn comment_bodies(api: &Api, id: &str) -> Vec<String> {
    let list = expect(api.get(&comments_path(id)).await, 200, "GET comments");
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["body"].as_str().unwrap().to_owned())
        .collect()
}

/// Moves a ticket through `steps` as `api`, asserting each succeeds.
async fn walk(api: &Api, id: &str, steps: &[&str]) {
    for to in steps {
        let body = expect(
            api.post(&transitions_path(id), json!({"to": to, "reason": "测试"}))
                .await,
            200,
            to,
        );
        assert_eq!(body["status"], *to);
    }
}

fn set(ids: &[&String]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn who_sees_a_ticket_and_who_gets_404() {
    let (_server, h) = start().await;
    let id = id_of(
        &h.api("nurse")
            .new_ticket("HIS 登录失败", "main", "main-ivf", 3)
            .await,
    );
    let as_reporter_sees = expect(h.api("nurse").get(&ticket_path(&id)).await, 200, "nurse");
    let unknown = expect(
        h.api("labtech")
            .get(&ticket_path(&uuid::Uuid::now_v7().to_string()))
            .await,
        404,
        "unknown id",
    );

    let matrix = [
        ("nurse", 200),
        ("nurse2", 200),
        ("labtech", 404),
        ("eastnurse", 404),
        ("engeast", 404),
        ("eng", 200),
        ("engmain", 200),
        ("disp", 200),
        ("admin", 200),
    ];
    for (user, want) in matrix {
        let api = h.api(user);
        let got = api.get(&ticket_path(&id)).await;
        let comments = api.get(&comments_path(&id)).await;
        if want == 200 {
            assert_eq!(
                expect(got, 200, user),
                as_reporter_sees,
                "{user} sees another ticket"
            );
            expect(comments, 200, user);
        } else {
            // Indistinguishable from a ticket that does not exist.
            assert_eq!(
                expect(got.clone(), 404, user),
                unknown,
                "{user}: a hidden ticket must look like a missing one"
            );
            refused(got, 404, "not_found", user);
            refused(comments, 404, "not_found", user);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_user_lists_exactly_the_tickets_in_scope() {
    let (_server, h) = start().await;
    let ivf = id_of(
        &h.api("nurse")
            .new_ticket("生殖中心电脑蓝屏", "main", "main-ivf", 2)
            .await,
    );
    let ivf2 = id_of(
        &h.api("nurse2")
            .new_ticket("打印机卡纸", "main", "main-ivf", 4)
            .await,
    );
    let lab = id_of(
        &h.api("labtech")
            .new_ticket("LIS 接口中断", "main", "main-lab", 1)
            .await,
    );
    let east = id_of(
        &h.api("eastnurse")
            .new_ticket("东院叫号屏黑屏", "east", "east-ivf", 3)
            .await,
    );

    let all = set(&[&ivf, &ivf2, &lab, &east]);
    let main = set(&[&ivf, &ivf2, &lab]);
    let expected = [
        ("nurse", set(&[&ivf, &ivf2])),
        ("nurse2", set(&[&ivf, &ivf2])),
        ("labtech", set(&[&lab])),
        ("eastnurse", set(&[&east])),
        ("eng", all.clone()),
        ("engmain", main),
        ("engeast", set(&[&east])),
        ("disp", all.clone()),
        ("admin", all),
    ];
    for (user, want) in expected {
        assert_eq!(listed(h.api(user), "").await, want, "{user}");
    }
    // Filters only narrow the scope; they never widen it.
    assert!(
        listed(h.api("nurse"), "&department=main-lab")
            .await
            .is_empty()
    );
    assert!(listed(h.api("nurse"), "&campus=east").await.is_empty());
    assert!(listed(h.api("engmain"), "&campus=east").await.is_empty());
    assert!(
        listed(h.api("engeast"), "&department=main-ivf")
            .await
            .is_empty()
    );
    assert_eq!(listed(h.api("eng"), "&campus=east").await, set(&[&east]));
    assert_eq!(
        listed(h.api("disp"), "&department=main-lab").await,
        set(&[&lab])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reporters_raise_tickets_only_for_their_own_department() {
    let (_server, h) = start().await;
    let admin = h.api("admin");
    let draft = |campus: &str, dept: &str| json!({"title": "网络不通", "campus": campus, "department": dept, "severity": 3});
    let cases = [
        ("nurse", "main", "main-lab"),
        ("nurse", "east", "east-ivf"),
        ("labtech", "main", "main-ivf"),
        ("eastnurse", "main", "main-ivf"),
        ("nurse2", "east", "east-ivf"),
        // Staff limited to a campus cannot raise tickets on another one either.
        ("engeast", "main", "main-ivf"),
        ("engmain", "east", "east-ivf"),
    ];
    for (user, campus, dept) in cases {
        let got = h
            .api(user)
            .post("/api/v1/tickets", draft(campus, dept))
            .await;
        refused(
            got,
            403,
            "forbidden",
            &format!("{user} creating for {dept}"),
        );
    }
    // Reporters may not pick an assignee when raising a ticket.
    let mut with_assignee = draft("main", "main-ivf");
    with_assignee["assignee"] = json!(h.user("eng").id);
    refused(
        h.api("nurse").post("/api/v1/tickets", with_assignee).await,
        403,
        "forbidden",
        "nurse assigning on create",
    );
    assert!(
        listed(admin, "").await.is_empty(),
        "a refused create wrote a ticket"
    );

    // The allowed ones, for contrast.
    for (user, campus, dept) in [
        ("nurse", "main", "main-ivf"),
        ("labtech", "main", "main-lab"),
        ("eastnurse", "east", "east-ivf"),
    ] {
        let t = expect(
            h.api(user)
                .post("/api/v1/tickets", draft(campus, dept))
                .await,
            201,
            user,
        );
        assert_eq!(
            (t["department"].as_str(), t["status"].as_str()),
            (Some(dept), Some("new"))
        );
        assert_eq!(t["reporter"], json!(h.user(user).id));
    }
    for (user, campus, dept) in [
        ("eng", "east", "east-ivf"),
        ("engmain", "main", "main-lab"),
        ("disp", "main", "main-ivf"),
    ] {
        expect(
            h.api(user)
                .post("/api/v1/tickets", draft(campus, dept))
                .await,
            201,
            user,
        );
    }
    assert_eq!(listed(admin, "").await.len(), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn internal_notes_are_written_and_read_by_staff_only() {
    let (_server, h) = start().await;
    let id = id_of(
        &h.api("nurse")
            .new_ticket("PACS 图像加载慢", "main", "main-ivf", 3)
            .await,
    );
    let path = comments_path(&id);

    for user in ["nurse", "nurse2"] {
        let got = h
            .api(user)
            .post(&path, json!({"body": "我也想写内部备注", "internal": true}))
            .await;
        refused(got, 403, "forbidden", &format!("{user} internal note"));
    }
    assert!(
        comment_bodies(h.api("admin"), &id).await.is_empty(),
        "a refused note was written"
    );

    expect(
        h.api("nurse")
            .post(&path, json!({"body": "今天早上开始的"}))
            .await,
        201,
        "nurse public",
    );
    expect(
        h.api("nurse2")
            .post(&path, json!({"body": "我这边也一样", "internal": false}))
            .await,
        201,
        "nurse2 public",
    );
    for user in ["eng", "engmain", "disp", "admin"] {
        let c = expect(
            h.api(user)
                .post(
                    &path,
                    json!({"body": format!("内部:{user}"), "internal": true}),
                )
                .await,
            201,
            user,
        );
        assert_eq!(c["internal"], true);
    }
    expect(
        h.api("eng")
            .post(&path, json!({"body": "已远程处理"}))
            .await,
        201,
        "eng public",
    );

    let public = vec![
        "今天早上开始的".to_owned(),
        "我这边也一样".into(),
        "已远程处理".into(),
    ];
    let everything = vec![
        "今天早上开始的".to_owned(),
        "我这边也一样".into(),
        "内部:eng".into(),
        "内部:engmain".into(),
        "内部:disp".into(),
        "内部:admin".into(),
        "已远程处理".into(),
    ];
    for user in ["nurse", "nurse2"] {
        assert_eq!(
            comment_bodies(h.api(user), &id).await,
            public,
            "{user} sees internal notes"
        );
    }
    for user in ["eng", "engmain", "disp", "admin"] {
        assert_eq!(comment_bodies(h.api(user), &id).await, everything, "{user}");
    }
    for user in ["labtech", "eastnurse", "engeast"] {
        refused(h.api(user).get(&path).await, 404, "not_found", user);
        refused(
            h.api(user).post(&path, json!({"body": "hi"})).await,
            404,
            "not_found",
            user,
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_engineer_of_another_campus_gets_404_for_everything() {
    let (_server, h) = start().await;
    let id = id_of(
        &h.api("nurse")
            .new_ticket("手术室网络中断", "main", "main-ivf", 1)
            .await,
    );
    let before = current(&h, &id).await;
    let engeast = h.api("engeast");
    let me = h.user("engeast").id;

    refused(
        engeast.get(&ticket_path(&id)).await,
        404,
        "not_found",
        "get",
    );
    refused(
        engeast.get(&comments_path(&id)).await,
        404,
        "not_found",
        "get comments",
    );
    for patch in [
        json!({"title": "改个标题"}),
        json!({"severity": 2, "reason": "降级"}),
        json!({"assignee": me}),
        json!({"description": "x"}),
    ] {
        refused(
            engeast.patch(&ticket_path(&id), patch.clone()).await,
            404,
            "not_found",
            &format!("patch {patch}"),
        );
    }
    for internal in [false, true] {
        let got = engeast
            .post(
                &comments_path(&id),
                json!({"body": "看看", "internal": internal}),
            )
            .await;
        refused(got, 404, "not_found", "comment");
    }
    for to in ["acknowledged", "in_progress", "closed", "resolved"] {
        let got = engeast
            .post(&transitions_path(&id), json!({"to": to, "reason": "r"}))
            .await;
        refused(got, 404, "not_found", &format!("transition to {to}"));
    }
    assert_eq!(
        current(&h, &id).await,
        before,
        "a refused action changed the ticket"
    );
    assert!(comment_bodies(h.api("admin"), &id).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assignment_rules() {
    let (_server, h) = start().await;
    let id = id_of(
        &h.api("nurse")
            .new_ticket("输液泵报警", "main", "main-ivf", 2)
            .await,
    );
    let path = ticket_path(&id);
    let uid = |name: &str| json!(h.user(name).id);
    let assignee = || async { current(&h, &id).await["assignee"].clone() };

    // Reporters never assign, not even their own ticket.
    for (who, to) in [("nurse", "eng"), ("nurse", "nurse"), ("nurse2", "eng")] {
        refused(
            h.api(who).patch(&path, json!({"assignee": uid(to)})).await,
            403,
            "forbidden",
            &format!("{who} -> {to}"),
        );
    }
    // Engineers do not dispatch to others.
    refused(
        h.api("eng")
            .patch(&path, json!({"assignee": uid("engmain")}))
            .await,
        403,
        "forbidden",
        "eng -> engmain",
    );
    assert_eq!(assignee().await, Value::Null);

    // An engineer takes an unassigned ticket.
    let t = expect(
        h.api("eng")
            .patch(&path, json!({"assignee": uid("eng")}))
            .await,
        200,
        "eng takes",
    );
    assert_eq!(t["assignee"], uid("eng"));
    // ... but not one somebody else has, nor drops somebody else's.
    refused(
        h.api("engmain")
            .patch(&path, json!({"assignee": uid("engmain")}))
            .await,
        403,
        "forbidden",
        "engmain takes eng's",
    );
    refused(
        h.api("engmain")
            .patch(&path, json!({"assignee": null}))
            .await,
        403,
        "forbidden",
        "engmain unassigns eng",
    );
    assert_eq!(assignee().await, uid("eng"));

    // A dispatcher assigns anyone on the campus, but only staff.
    let t = expect(
        h.api("disp")
            .patch(&path, json!({"assignee": uid("engmain")}))
            .await,
        200,
        "disp -> engmain",
    );
    assert_eq!(t["assignee"], uid("engmain"));
    refused(
        h.api("disp")
            .patch(&path, json!({"assignee": uid("nurse")}))
            .await,
        422,
        "validation",
        "disp -> reporter",
    );
    refused(
        h.api("disp")
            .patch(&path, json!({"assignee": uid("labtech")}))
            .await,
        422,
        "validation",
        "disp -> other reporter",
    );
    refused(
        h.api("disp")
            .patch(&path, json!({"assignee": uid("engeast")}))
            .await,
        422,
        "validation",
        "disp -> east engineer",
    );
    assert_eq!(assignee().await, uid("engmain"));

    // The assignee hands it back; the admin, like a dispatcher, assigns anyone.
    let t = expect(
        h.api("engmain")
            .patch(&path, json!({"assignee": null}))
            .await,
        200,
        "engmain hands back",
    );
    assert_eq!(t["assignee"], Value::Null);
    let t = expect(
        h.api("admin")
            .patch(&path, json!({"assignee": uid("disp")}))
            .await,
        200,
        "admin -> disp",
    );
    assert_eq!(t["assignee"], uid("disp"));
    assert_eq!(assignee().await, uid("disp"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn severity_changes_need_staff_and_a_reason() {
    let (_server, h) = start().await;
    let id = id_of(
        &h.api("nurse")
            .new_ticket("检验结果传不过去", "main", "main-ivf", 3)
            .await,
    );
    let path = ticket_path(&id);
    let severity = || async { current(&h, &id).await["severity"].clone() };

    for user in ["nurse", "nurse2"] {
        for body in [
            json!({"severity": 1, "reason": "很急"}),
            json!({"severity": 1}),
        ] {
            refused(h.api(user).patch(&path, body).await, 403, "forbidden", user);
        }
    }
    for body in [
        json!({"severity": 1}),
        json!({"severity": 1, "reason": "   "}),
        json!({"severity": 1, "reason": null}),
    ] {
        refused(
            h.api("eng").patch(&path, body.clone()).await,
            422,
            "validation",
            &format!("eng {body}"),
        );
    }
    assert_eq!(severity().await, 3);

    let t = expect(
        h.api("eng")
            .patch(&path, json!({"severity": 1, "reason": "影响整个检验科"}))
            .await,
        200,
        "eng",
    );
    assert_eq!(t["severity"], 1);
    let t = expect(
        h.api("disp")
            .patch(&path, json!({"severity": 2, "reason": "已有临时方案"}))
            .await,
        200,
        "disp",
    );
    assert_eq!(t["severity"], 2);
    assert_eq!(severity().await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reporters_edit_their_own_tickets_only_until_picked_up() {
    let (_server, h) = start().await;
    let id = id_of(
        &h.api("nurse")
            .new_ticket("电脑开不了机", "main", "main-ivf", 3)
            .await,
    );
    let path = ticket_path(&id);

    let t = expect(
        h.api("nurse")
            .patch(
                &path,
                json!({"title": "电脑开不了机(3号诊室)", "location": "3号诊室"}),
            )
            .await,
        200,
        "own new",
    );
    assert_eq!(
        (t["title"].as_str(), t["location"].as_str()),
        (Some("电脑开不了机(3号诊室)"), Some("3号诊室"))
    );
    let before = current(&h, &id).await;
    refused(
        h.api("nurse2")
            .patch(&path, json!({"title": "同事改的"}))
            .await,
        403,
        "forbidden",
        "colleague edit",
    );
    refused(
        h.api("labtech")
            .patch(&path, json!({"title": "别科改的"}))
            .await,
        404,
        "not_found",
        "other dept edit",
    );
    assert_eq!(current(&h, &id).await, before);

    walk(h.api("eng"), &id, &["acknowledged"]).await;
    let before = current(&h, &id).await;
    for patch in [
        json!({"title": "确认后再改"}),
        json!({"description": "补充说明"}),
        json!({"channel": "phone"}),
    ] {
        refused(
            h.api("nurse").patch(&path, patch.clone()).await,
            403,
            "forbidden",
            &format!("own acknowledged {patch}"),
        );
    }
    assert_eq!(current(&h, &id).await, before);
    // Staff still may.
    let t = expect(
        h.api("eng")
            .patch(&path, json!({"title": "工程师改的"}))
            .await,
        200,
        "eng edit",
    );
    assert_eq!(t["title"], "工程师改的");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reporters_close_and_reopen_only_their_own_resolved_tickets() {
    let (_server, h) = start().await;
    let id = id_of(
        &h.api("nurse")
            .new_ticket("扫码枪无反应", "main", "main-ivf", 3)
            .await,
    );
    let path = transitions_path(&id);
    let status = || async { current(&h, &id).await["status"].clone() };

    // A reporter cannot work the ticket.
    refused(
        h.api("nurse")
            .post(&path, json!({"to": "acknowledged"}))
            .await,
        403,
        "forbidden",
        "nurse acks",
    );
    walk(h.api("eng"), &id, &["in_progress"]).await;
    refused(
        h.api("nurse").post(&path, json!({"to": "resolved"})).await,
        403,
        "forbidden",
        "nurse resolves",
    );
    walk(h.api("eng"), &id, &["resolved"]).await;

    // A colleague may neither close nor reopen it; an engineer may not close it.
    refused(
        h.api("nurse2").post(&path, json!({"to": "closed"})).await,
        403,
        "forbidden",
        "colleague closes",
    );
    refused(
        h.api("nurse2")
            .post(&path, json!({"to": "in_progress", "reason": "没修好"}))
            .await,
        403,
        "forbidden",
        "colleague reopens",
    );
    refused(
        h.api("eng").post(&path, json!({"to": "closed"})).await,
        403,
        "forbidden",
        "engineer closes",
    );
    // Reopening needs a reason.
    for body in [
        json!({"to": "in_progress"}),
        json!({"to": "in_progress", "reason": "  "}),
    ] {
        refused(
            h.api("nurse").post(&path, body).await,
            422,
            "validation",
            "reopen without reason",
        );
    }
    assert_eq!(status().await, "resolved");

    let t = expect(
        h.api("nurse")
            .post(&path, json!({"to": "in_progress", "reason": "又不行了"}))
            .await,
        200,
        "reopen",
    );
    assert_eq!(
        (t["status"].as_str(), &t["resolved_at"]),
        (Some("in_progress"), &Value::Null)
    );
    walk(h.api("eng"), &id, &["resolved"]).await;
    let t = expect(
        h.api("nurse").post(&path, json!({"to": "closed"})).await,
        200,
        "close",
    );
    assert_eq!(t["status"], "closed");
    assert!(t["closed_at"].is_string());
    // Closed is final.
    refused(
        h.api("nurse")
            .post(&path, json!({"to": "in_progress", "reason": "再开"}))
            .await,
        409,
        "invalid_transition",
        "reopen closed",
    );
    assert_eq!(status().await, "closed");

    // Withdrawing a new ticket: own reporter with a reason, not a colleague.
    let other = id_of(
        &h.api("nurse")
            .new_ticket("误报", "main", "main-ivf", 4)
            .await,
    );
    let path = transitions_path(&other);
    refused(
        h.api("nurse2")
            .post(&path, json!({"to": "closed", "reason": "重复"}))
            .await,
        403,
        "forbidden",
        "colleague withdraws",
    );
    refused(
        h.api("nurse").post(&path, json!({"to": "closed"})).await,
        422,
        "validation",
        "withdraw without reason",
    );
    let t = expect(
        h.api("nurse")
            .post(&path, json!({"to": "closed", "reason": "自己好了"}))
            .await,
        200,
        "withdraw",
    );
    assert_eq!(t["status"], "closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_admins_write_the_directory() {
    let (server, h) = start().await;
    let admin = h.api("admin");
    let campus = json!({"code": "west", "name": "西院区"});
    let department = json!({"code": "west-ivf", "name": "西院生殖科", "campus": "main"});
    let user = json!({"username": "newnurse", "password": PASSWORD, "role": "reporter", "department": "main-ivf"});
    let directory = || async {
        json!([
            expect(admin.get("/api/v1/campuses").await, 200, "campuses"),
            expect(admin.get("/api/v1/departments").await, 200, "departments"),
            expect(admin.get("/api/v1/users").await, 200, "users"),
        ])
    };
    let before = directory().await;
    for who in ["nurse", "labtech", "eng", "engmain", "disp"] {
        let api = h.api(who);
        refused(
            api.post("/api/v1/campuses", campus.clone()).await,
            403,
            "forbidden",
            &format!("{who} campus"),
        );
        refused(
            api.post("/api/v1/departments", department.clone()).await,
            403,
            "forbidden",
            &format!("{who} department"),
        );
        refused(
            api.post("/api/v1/users", user.clone()).await,
            403,
            "forbidden",
            &format!("{who} user"),
        );
    }
    assert_eq!(
        directory().await,
        before,
        "a refused directory write changed something"
    );

    assert_eq!(
        expect(
            admin.post("/api/v1/campuses", campus.clone()).await,
            201,
            "admin campus"
        ),
        campus
    );
    let department = json!({"code": "west-ivf", "name": "西院生殖科", "campus": "west"});
    assert_eq!(
        expect(
            admin.post("/api/v1/departments", department.clone()).await,
            201,
            "admin department"
        ),
        department
    );
    let user = json!({"username": "newnurse", "password": PASSWORD, "role": "reporter", "department": "west-ivf", "display_name": "新护士"});
    let created = expect(
        admin.post("/api/v1/users", user.clone()).await,
        201,
        "admin user",
    );
    assert_eq!(created["username"], "newnurse");
    assert_eq!(created["display_name"], "新护士");
    assert_eq!(created["role"], "reporter");
    assert_eq!(
        created["campus"], "west",
        "a reporter's campus is their department's"
    );
    assert_eq!(created["department"], "west-ivf");
    assert!(
        created.get("password").is_none() && created.get("password_hash").is_none(),
        "{created}"
    );

    // A taken username is a conflict, whatever the rest of the request.
    let users_now = expect(admin.get("/api/v1/users").await, 200, "users");
    refused(
        admin.post("/api/v1/users", user).await,
        409,
        "conflict",
        "duplicate",
    );
    let other_role =
        json!({"username": "nurse", "password": "another password", "role": "engineer"});
    refused(
        admin.post("/api/v1/users", other_role).await,
        409,
        "conflict",
        "duplicate of a seeded user",
    );
    assert_eq!(
        expect(admin.get("/api/v1/users").await, 200, "users"),
        users_now
    );

    // The new reporter can sign in, and works within the new department only.
    let mut newnurse = server.api();
    let login = newnurse.login("newnurse", PASSWORD).await;
    assert_eq!(login["user"], created);
    assert_eq!(expect(newnurse.get("/api/v1/me").await, 200, "me"), created);
    let t = newnurse
        .new_ticket("西院新科室网络", "west", "west-ivf", 3)
        .await;
    assert_eq!(t["reporter"], created["id"]);
    refused(
        newnurse
            .post(
                "/api/v1/tickets",
                json!({"title": "t", "campus": "main", "department": "main-ivf", "severity": 3}),
            )
            .await,
        403,
        "forbidden",
        "newnurse main",
    );
    let nurse_ticket = id_of(
        &h.api("nurse")
            .new_ticket("本部的单", "main", "main-ivf", 3)
            .await,
    );
    refused(
        newnurse.get(&ticket_path(&nurse_ticket)).await,
        404,
        "not_found",
        "newnurse sees main",
    );
    assert_eq!(listed(&newnurse, "").await, BTreeSet::from([id_of(&t)]));
    // A wrong password is still refused.
    let bad = server
        .api()
        .post(
            "/api/v1/auth/login",
            json!({"username": "newnurse", "password": "wrong password"}),
        )
        .await;
    refused(bad, 401, "unauthorized", "wrong password");
}
