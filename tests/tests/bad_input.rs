//! Bad input over HTTP: every mistake a client can make gets the right 4xx with the
//! `{"error":{"code","message"}}` body, never a 500, and writes nothing.

use std::sync::Arc;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use rounds_tests::{Api, Hospital, TestServer, assert_error, send};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// Asserts that the server did not fail: every answer to a client's mistake is a 4xx.
#[track_caller]
fn assert_not_5xx(got: &(StatusCode, Value)) {
    assert!(got.0.as_u16() < 500, "server error {}: {}", got.0, got.1);
}

/// Asserts a 4xx with the error body, after checking it is not a server error.
#[track_caller]
fn expect_error(got: &(StatusCode, Value), status: u16, code: &str) {
    assert_not_5xx(got);
    assert_error(got, status, code);
}

/// Asserts an exact success status and returns the body.
#[track_caller]
fn expect_ok(got: (StatusCode, Value), status: u16) -> Value {
    assert_not_5xx(&got);
    assert_eq!(got.0.as_u16(), status, "body: {}", got.1);
    got.1
}

/// Sends `body` as-is, with the given Content-Type (none when `None`).
async fn raw(
    api: &Api,
    method: Method,
    path: &str,
    content_type: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> (StatusCode, Value) {
    let mut rb = api.request(method, path).body(body);
    if let Some(ct) = content_type {
        rb = rb.header(CONTENT_TYPE, ct);
    }
    send(rb).await
}

/// Everything the bad requests could have written, as the admin sees it: every ticket with its
/// comments (internal ones included), every user, campus and department.
async fn snapshot(admin: &Api) -> Value {
    let tickets = expect_ok(admin.get("/api/v1/tickets?limit=500").await, 200);
    let mut comments = serde_json::Map::new();
    for t in tickets["items"].as_array().unwrap() {
        let id = t["id"].as_str().unwrap();
        let c = expect_ok(
            admin.get(&format!("/api/v1/tickets/{id}/comments")).await,
            200,
        );
        comments.insert(id.to_owned(), c);
    }
    json!({
        "tickets": tickets,
        "comments": comments,
        "users": expect_ok(admin.get("/api/v1/users").await, 200),
        "campuses": expect_ok(admin.get("/api/v1/campuses").await, 200),
        "departments": expect_ok(admin.get("/api/v1/departments").await, 200),
    })
}

/// Asserts that nothing changed since `before`.
async fn assert_unchanged(admin: &Api, before: &Value, what: &str) {
    let after = snapshot(admin).await;
    assert_eq!(&after, before, "{what} wrote something");
}

/// A started server with the seeded hospital and one `new` ticket of nurse's (main/main-ivf).
async fn setup() -> (TestServer, Hospital, String) {
    let server = TestServer::start().await;
    let h = server.seed().await;
    let t = h
        .api("nurse")
        .new_ticket("HIS 登录失败", "main", "main-ivf", 3)
        .await;
    let id = t["id"].as_str().unwrap().to_owned();
    (server, h, id)
}

/// A valid ticket body for nurse.
fn draft() -> Value {
    json!({"title": "打印机卡纸", "campus": "main", "department": "main-ivf", "severity": 3})
}

/// `draft()` with `key` set to `value` (or removed when `value` is `None`).
fn draft_with(key: &str, value: Option<Value>) -> Value {
    let mut d = draft();
    match value {
        Some(v) => d[key] = v,
        None => {
            d.as_object_mut().unwrap().remove(key);
        }
    }
    d
}

// --- PNG building: CRC-32 and Adler-32 by hand, so the test needs no image library. ---

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + u32::from(x)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// One PNG chunk: length, type, data, CRC over type and data.
fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut typed = kind.to_vec();
    typed.extend_from_slice(data);
    let mut out = u32::try_from(data.len()).unwrap().to_be_bytes().to_vec();
    out.extend_from_slice(&typed);
    out.extend_from_slice(&crc32(&typed).to_be_bytes());
    out
}

/// IHDR for an 8-bit RGB, non-interlaced image.
fn ihdr(width: u32, height: u32) -> Vec<u8> {
    let mut d = width.to_be_bytes().to_vec();
    d.extend_from_slice(&height.to_be_bytes());
    d.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(b"IHDR", &d)
}

/// A zlib stream holding `data` in one stored (uncompressed) deflate block.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let len = u16::try_from(data.len()).unwrap();
    let mut out = vec![0x78, 0x01, 0x01];
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&(!len).to_le_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

/// A complete PNG: signature, IHDR, one IDAT holding `scanlines` (filter byte + pixels), IEND.
fn png(width: u32, height: u32, scanlines: &[u8]) -> Vec<u8> {
    let mut out = PNG_SIGNATURE.to_vec();
    out.extend(ihdr(width, height));
    out.extend(chunk(b"IDAT", &zlib_stored(scanlines)));
    out.extend(chunk(b"IEND", &[]));
    out
}

/// A real 1x1 red pixel.
fn one_pixel_png() -> Vec<u8> {
    png(1, 1, &[0, 0xFF, 0, 0])
}

async fn upload(api: &Api, content_type: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    raw(
        api,
        Method::POST,
        "/api/v1/attachments",
        Some(content_type),
        bytes,
    )
    .await
}

/// Downloads an attachment: status, Content-Type and bytes.
async fn download(api: &Api, sha: &str) -> (StatusCode, Option<String>, Vec<u8>) {
    let res = api
        .request(Method::GET, &format!("/api/v1/attachments/{sha}"))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let ct = res
        .headers()
        .get(CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned());
    (status, ct, res.bytes().await.unwrap().to_vec())
}

/// Asserts a download is refused as `not_found`, with the JSON error body.
#[track_caller]
fn assert_download_404(got: (StatusCode, Option<String>, Vec<u8>)) {
    let body: Value = serde_json::from_slice(&got.2).expect("a JSON error body");
    expect_error(&(got.0, body), 404, "not_found");
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[test]
fn checksums_match_their_reference_values() {
    assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    assert_eq!(crc32(b"IEND"), 0xAE42_6082);
    assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
    // The well-known bytes of every PNG's IEND chunk.
    assert_eq!(chunk(b"IEND", &[]), b"\0\0\0\0IEND\xAE\x42\x60\x82");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_json_is_400_and_writes_nothing() {
    let (_server, h, id) = setup().await;
    let (nurse, eng, admin) = (h.api("nurse"), h.api("eng"), h.api("admin"));
    let before = snapshot(admin).await;
    let json_ct = Some("application/json");
    let cases: Vec<(&Api, Method, String, &str)> = vec![
        (
            nurse,
            Method::POST,
            "/api/v1/tickets".into(),
            r#"{"title": "x", "campus": "#,
        ),
        (
            nurse,
            Method::POST,
            "/api/v1/tickets".into(),
            "{title: 'x'}",
        ),
        (nurse, Method::POST, "/api/v1/tickets".into(), ""),
        (
            nurse,
            Method::POST,
            "/api/v1/tickets".into(),
            r#"{"title":"x",}"#,
        ),
        (
            nurse,
            Method::PATCH,
            format!("/api/v1/tickets/{id}"),
            r#"{"title": "新标题""#,
        ),
        (
            eng,
            Method::POST,
            format!("/api/v1/tickets/{id}/transitions"),
            r#"{"to": acknowledged}"#,
        ),
        (
            nurse,
            Method::POST,
            format!("/api/v1/tickets/{id}/comments"),
            r#"{"body": "x"} trailing"#,
        ),
        (
            admin,
            Method::POST,
            "/api/v1/users".into(),
            "not json at all",
        ),
        (admin, Method::POST, "/api/v1/campuses".into(), "{"),
    ];
    for (api, method, path, body) in cases {
        let got = raw(api, method.clone(), &path, json_ct, body).await;
        assert!(
            got.0 == 400,
            "{method} {path} {body:?}: {} {}",
            got.0,
            got.1
        );
        expect_error(&got, 400, "malformed_json");
    }
    assert_unchanged(admin, &before, "malformed JSON").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn well_formed_json_of_the_wrong_shape_is_422_invalid_request() {
    let (_server, h, id) = setup().await;
    let (nurse, eng, admin) = (h.api("nurse"), h.api("eng"), h.api("admin"));
    let before = snapshot(admin).await;

    let creates = [
        (
            "severity \"high\"",
            draft_with("severity", Some(json!("high"))),
        ),
        ("severity \"2\"", draft_with("severity", Some(json!("2")))),
        ("severity 2.5", draft_with("severity", Some(json!(2.5)))),
        ("severity 0", draft_with("severity", Some(json!(0)))),
        ("severity 5", draft_with("severity", Some(json!(5)))),
        ("severity -1", draft_with("severity", Some(json!(-1)))),
        ("severity null", draft_with("severity", Some(Value::Null))),
        ("title 5", draft_with("title", Some(json!(5)))),
        ("title array", draft_with("title", Some(json!(["a"])))),
        ("work_type x", draft_with("work_type", Some(json!("x")))),
        ("channel fax", draft_with("channel", Some(json!("fax")))),
        (
            "maintenance_type Corrective",
            draft_with("maintenance_type", Some(json!("Corrective"))),
        ),
        ("id not a uuid", draft_with("id", Some(json!("ticket-1")))),
        (
            "attachments not a list",
            draft_with("attachments", Some(json!("abc"))),
        ),
        (
            "unknown field colour",
            draft_with("colour", Some(json!("red"))),
        ),
        (
            "unknown field status",
            draft_with("status", Some(json!("new"))),
        ),
        ("missing title", draft_with("title", None)),
        ("missing campus", draft_with("campus", None)),
        ("missing department", draft_with("department", None)),
        ("missing severity", draft_with("severity", None)),
        ("an array", json!([draft()])),
        ("a string", json!("ticket")),
        ("empty object", json!({})),
    ];
    for (what, body) in creates {
        let got = nurse.post("/api/v1/tickets", body).await;
        assert!(got.0 == 422, "create with {what}: {} {}", got.0, got.1);
        expect_error(&got, 422, "invalid_request");
    }

    let path = format!("/api/v1/tickets/{id}");
    let patches = [
        ("severity high", json!({"severity": "high", "reason": "r"})),
        ("severity 0", json!({"severity": 0, "reason": "r"})),
        ("severity 5", json!({"severity": 5, "reason": "r"})),
        ("title 5", json!({"title": 5})),
        ("work_type x", json!({"work_type": "x"})),
        ("status field", json!({"status": "resolved"})),
        ("unknown field", json!({"titel": "typo"})),
        ("assignee not a uuid", json!({"assignee": "eng"})),
    ];
    for (what, body) in patches {
        let got = eng.patch(&path, body).await;
        assert!(got.0 == 422, "patch with {what}: {} {}", got.0, got.1);
        expect_error(&got, 422, "invalid_request");
    }

    let path = format!("/api/v1/tickets/{id}/transitions");
    let transitions = [
        ("status open", json!({"to": "open"})),
        ("status In_Progress", json!({"to": "In_Progress"})),
        ("missing to", json!({"reason": "x"})),
        ("unknown field", json!({"to": "acknowledged", "by": "eng"})),
    ];
    for (what, body) in transitions {
        let got = eng.post(&path, body).await;
        assert!(got.0 == 422, "transition with {what}: {} {}", got.0, got.1);
        expect_error(&got, 422, "invalid_request");
    }

    let path = format!("/api/v1/tickets/{id}/comments");
    let comments = [
        ("missing body", json!({"internal": false})),
        ("body 5", json!({"body": 5})),
        ("internal \"yes\"", json!({"body": "x", "internal": "yes"})),
        ("unknown field", json!({"body": "x", "author": "eng"})),
    ];
    for (what, body) in comments {
        let got = eng.post(&path, body).await;
        assert!(got.0 == 422, "comment with {what}: {} {}", got.0, got.1);
        expect_error(&got, 422, "invalid_request");
    }

    let users = [
        (
            "role boss",
            json!({"username": "u1", "password": "long enough pw", "role": "boss"}),
        ),
        (
            "missing password",
            json!({"username": "u1", "role": "engineer"}),
        ),
        (
            "unknown field",
            json!({"username": "u1", "password": "long enough pw", "role": "engineer", "admin": true}),
        ),
    ];
    for (what, body) in users {
        let got = admin.post("/api/v1/users", body).await;
        assert!(got.0 == 422, "user with {what}: {} {}", got.0, got.1);
        expect_error(&got, 422, "invalid_request");
    }
    assert_unchanged(admin, &before, "mistyped JSON").await;
}

/// An enum field (`to`, `work_type`, `channel`, `maintenance_type`, `role`) given a JSON number,
/// boolean, null or array is well-formed JSON with a wrongly typed field: `422 invalid_request`,
/// not `400 malformed_json`. (serde_json reports these as syntax-class errors, which once made
/// the server answer 400.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrongly_typed_enum_fields_are_422_not_400() {
    let (_server, h, id) = setup().await;
    let (nurse, eng, admin) = (h.api("nurse"), h.api("eng"), h.api("admin"));
    let before = snapshot(admin).await;
    let mut got = Vec::new();
    for to in [json!(3), json!(true), json!(null), json!(["new"])] {
        let body = json!({"to": to});
        got.push((
            format!("transition {body}"),
            eng.post(&format!("/api/v1/tickets/{id}/transitions"), body)
                .await,
        ));
    }
    for (k, v) in [
        ("work_type", json!(5)),
        ("channel", json!(true)),
        ("maintenance_type", json!(null)),
    ] {
        got.push((
            format!("create {k}={v}"),
            nurse.post("/api/v1/tickets", draft_with(k, Some(v))).await,
        ));
    }
    got.push((
        "patch work_type=5".into(),
        eng.patch(&format!("/api/v1/tickets/{id}"), json!({"work_type": 5}))
            .await,
    ));
    let user = json!({"username": "u1", "password": "long enough pw", "role": 1});
    got.push((
        "user role=1".into(),
        admin.post("/api/v1/users", user).await,
    ));
    assert_unchanged(admin, &before, "wrongly typed enums").await;
    let wrong: Vec<String> = got
        .iter()
        .filter(|(_, r)| !(r.0 == 422 && r.1["error"]["code"] == "invalid_request"))
        .map(|(what, r)| format!("{what}: {} {}", r.0, r.1["error"]["code"]))
        .collect();
    assert!(
        wrong.is_empty(),
        "well-formed JSON with a wrongly typed enum must be 422 invalid_request:\n{}",
        wrong.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_limits_count_characters_not_bytes() {
    let (_server, h, id) = setup().await;
    let (nurse, eng, admin) = (h.api("nurse"), h.api("eng"), h.api("admin"));
    let before = snapshot(admin).await;

    let too_long_title = "院".repeat(201);
    for (what, title) in [
        ("empty", String::new()),
        ("spaces", "   \t ".into()),
        ("201 Chinese characters", too_long_title.clone()),
    ] {
        let got = nurse
            .post("/api/v1/tickets", draft_with("title", Some(json!(title))))
            .await;
        assert!(got.0 == 422, "title {what}: {} {}", got.0, got.1);
        expect_error(&got, 422, "validation");
        let got = nurse
            .patch(&format!("/api/v1/tickets/{id}"), json!({"title": title}))
            .await;
        assert!(got.0 == 422, "patch title {what}: {} {}", got.0, got.1);
        expect_error(&got, 422, "validation");
    }
    let long_description = "说".repeat(20_001);
    let got = nurse
        .post(
            "/api/v1/tickets",
            draft_with("description", Some(json!(long_description))),
        )
        .await;
    expect_error(&got, 422, "validation");
    let got = nurse
        .patch(
            &format!("/api/v1/tickets/{id}"),
            json!({"description": long_description}),
        )
        .await;
    expect_error(&got, 422, "validation");
    let got = nurse
        .post(
            "/api/v1/tickets",
            draft_with("location", Some(json!("楼".repeat(201)))),
        )
        .await;
    expect_error(&got, 422, "validation");

    let comments = format!("/api/v1/tickets/{id}/comments");
    for body in ["", "   ", "\n\t"] {
        let got = nurse.post(&comments, json!({"body": body})).await;
        assert!(got.0 == 422, "comment {body:?}: {} {}", got.0, got.1);
        expect_error(&got, 422, "validation");
    }
    let got = eng
        .post(
            &comments,
            json!({"body": "字".repeat(20_001), "internal": true}),
        )
        .await;
    expect_error(&got, 422, "validation");
    assert_unchanged(admin, &before, "over-long text").await;

    // The limits themselves are allowed: 200 Chinese characters (600 bytes) is a valid title,
    // 20,000 Chinese characters a valid description; the title is stored trimmed.
    let title = "院".repeat(200);
    let mut body = draft_with("title", Some(json!(format!("  {title}  "))));
    body["description"] = json!("说".repeat(20_000));
    let t = expect_ok(nurse.post("/api/v1/tickets", body).await, 201);
    assert_eq!(t["title"], title);
    assert_eq!(t["description"].as_str().unwrap().chars().count(), 20_000);
    let got = expect_ok(
        nurse
            .get(&format!("/api/v1/tickets/{}", t["id"].as_str().unwrap()))
            .await,
        200,
    );
    assert_eq!(got["title"], title);
    let c = expect_ok(
        eng.post(&comments, json!({"body": "字".repeat(20_000)}))
            .await,
        201,
    );
    assert_eq!(c["body"].as_str().unwrap().chars().count(), 20_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transport_errors_are_json_4xx() {
    let (server, h, id) = setup().await;
    let (nurse, admin) = (h.api("nurse"), h.api("admin"));
    let before = snapshot(admin).await;

    // A body over the 2 MiB JSON limit: ~3 MiB of description.
    let huge = serde_json::to_vec(&draft_with(
        "description",
        Some(json!("x".repeat(3 * 1024 * 1024))),
    ))
    .unwrap();
    let got = raw(
        nurse,
        Method::POST,
        "/api/v1/tickets",
        Some("application/json"),
        huge.clone(),
    )
    .await;
    expect_error(&got, 413, "payload_too_large");
    let got = raw(
        nurse,
        Method::POST,
        &format!("/api/v1/tickets/{id}/comments"),
        Some("application/json"),
        huge,
    )
    .await;
    expect_error(&got, 413, "payload_too_large");

    // JSON without a JSON Content-Type.
    let body = serde_json::to_vec(&draft()).unwrap();
    let got = raw(nurse, Method::POST, "/api/v1/tickets", None, body.clone()).await;
    expect_error(&got, 415, "unsupported_media_type");
    let got = raw(
        nurse,
        Method::POST,
        "/api/v1/tickets",
        Some("text/plain"),
        body.clone(),
    )
    .await;
    expect_error(&got, 415, "unsupported_media_type");
    let got = raw(
        nurse,
        Method::POST,
        &format!("/api/v1/tickets/{id}/comments"),
        None,
        r#"{"body":"x"}"#,
    )
    .await;
    expect_error(&got, 415, "unsupported_media_type");

    // No token, a garbage token, a wrong scheme: 401, for reads and writes alike.
    let anonymous = server.api();
    let mut garbage = server.api();
    garbage.token = Some("not-a-real-token".into());
    for api in [&anonymous, &garbage] {
        expect_error(&api.get("/api/v1/tickets").await, 401, "unauthorized");
        expect_error(
            &api.get(&format!("/api/v1/tickets/{id}")).await,
            401,
            "unauthorized",
        );
        expect_error(
            &api.post("/api/v1/tickets", draft()).await,
            401,
            "unauthorized",
        );
        expect_error(
            &api.post(
                &format!("/api/v1/tickets/{id}/comments"),
                json!({"body": "x"}),
            )
            .await,
            401,
            "unauthorized",
        );
        expect_error(&api.get("/api/v1/me").await, 401, "unauthorized");
    }
    let basic = server
        .api()
        .request(Method::GET, "/api/v1/me")
        .header(AUTHORIZATION, "Basic YWRtaW46eA==");
    expect_error(&send(basic).await, 401, "unauthorized");

    // A malformed ticket id in the path is a 404, like a ticket that does not exist.
    for bad in ["not-a-uuid", "123", "0190d2a4-0000-7000-8000-00000000000g"] {
        expect_error(
            &nurse.get(&format!("/api/v1/tickets/{bad}")).await,
            404,
            "not_found",
        );
        expect_error(
            &nurse
                .patch(&format!("/api/v1/tickets/{bad}"), json!({"title": "x"}))
                .await,
            404,
            "not_found",
        );
        expect_error(
            &nurse
                .post(
                    &format!("/api/v1/tickets/{bad}/comments"),
                    json!({"body": "x"}),
                )
                .await,
            404,
            "not_found",
        );
    }
    let missing = uuid::Uuid::now_v7();
    expect_error(
        &nurse.get(&format!("/api/v1/tickets/{missing}")).await,
        404,
        "not_found",
    );
    expect_error(
        &nurse
            .post(
                &format!("/api/v1/tickets/{missing}/comments"),
                json!({"body": "x"}),
            )
            .await,
        404,
        "not_found",
    );

    // Unknown routes and wrong methods.
    for path in [
        "/api/v1/nope",
        "/api/v2/tickets",
        "/nope",
        "/api/v1/tickets/{id}/nope",
    ] {
        let path = path.replace("{id}", &id);
        expect_error(&nurse.get(&path).await, 404, "not_found");
    }
    for (method, path) in [
        (Method::DELETE, "/api/v1/tickets".to_owned()),
        (Method::PUT, format!("/api/v1/tickets/{id}")),
        (Method::DELETE, format!("/api/v1/tickets/{id}")),
        (Method::GET, format!("/api/v1/tickets/{id}/transitions")),
        (Method::GET, "/api/v1/auth/login".to_owned()),
    ] {
        let got = nurse.call(method.clone(), &path, None).await;
        assert!(got.0 == 405, "{method} {path}: {} {}", got.0, got.1);
        expect_error(&got, 405, "method_not_allowed");
    }
    assert_unchanged(admin, &before, "transport errors").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn well_typed_requests_that_break_rules_are_refused() {
    let (_server, h, id) = setup().await;
    let (nurse, eng, admin) = (h.api("nurse"), h.api("eng"), h.api("admin"));
    let before = snapshot(admin).await;
    let transitions = format!("/api/v1/tickets/{id}/transitions");

    // Moves that are not in the table at all.
    for to in ["resolved", "pending", "new"] {
        let got = eng
            .post(&transitions, json!({"to": to, "reason": "因为"}))
            .await;
        assert!(got.0 == 409, "new -> {to}: {} {}", got.0, got.1);
        expect_error(&got, 409, "invalid_transition");
    }

    // Unknown campus or department, and a department of another campus.
    let cases = [
        (
            "unknown department",
            json!({"title": "t", "campus": "main", "department": "main-xray", "severity": 3}),
        ),
        (
            "unknown campus",
            json!({"title": "t", "campus": "west", "department": "main-ivf", "severity": 3}),
        ),
        (
            "both unknown",
            json!({"title": "t", "campus": "west", "department": "west-ivf", "severity": 3}),
        ),
        (
            "department of another campus",
            json!({"title": "t", "campus": "east", "department": "main-ivf", "severity": 3}),
        ),
        (
            "empty department",
            json!({"title": "t", "campus": "main", "department": "", "severity": 3}),
        ),
    ];
    for (what, body) in cases {
        for api in [nurse, admin] {
            let got = api.post("/api/v1/tickets", body.clone()).await;
            assert!(got.0 == 422, "{what}: {} {}", got.0, got.1);
            expect_error(&got, 422, "validation");
        }
    }
    // An attachment that was never uploaded, or that is not a digest at all.
    let never = "ab".repeat(32);
    expect_error(
        &nurse
            .post(
                "/api/v1/tickets",
                draft_with("attachments", Some(json!([never]))),
            )
            .await,
        422,
        "validation",
    );
    expect_error(
        &nurse
            .post(
                "/api/v1/tickets",
                draft_with("attachments", Some(json!(["ABC"]))),
            )
            .await,
        422,
        "validation",
    );
    expect_error(
        &eng.patch(
            &format!("/api/v1/tickets/{id}"),
            json!({"attachments_add": [never]}),
        )
        .await,
        422,
        "validation",
    );
    // An assignee who does not exist.
    let ghost = uuid::Uuid::now_v7();
    expect_error(
        &admin
            .patch(&format!("/api/v1/tickets/{id}"), json!({"assignee": ghost}))
            .await,
        422,
        "validation",
    );
    // Bad Idempotency-Key header.
    let rb = nurse
        .request(Method::POST, "/api/v1/tickets")
        .header("Idempotency-Key", "k".repeat(201))
        .json(&draft());
    expect_error(&send(rb).await, 422, "validation");
    assert_unchanged(admin, &before, "rule-breaking requests").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticket_list_query_is_validated() {
    let (_server, h, _id) = setup().await;
    let (nurse, admin) = (h.api("nurse"), h.api("admin"));
    // Two more tickets, so there is a second page to page to.
    nurse.new_ticket("第二张", "main", "main-ivf", 2).await;
    nurse.new_ticket("第三张", "main", "main-ivf", 4).await;
    let before = snapshot(admin).await;

    // `limit` out of range is a rule (validation); not a number is a type error.
    for q in ["limit=0", "limit=501"] {
        let got = nurse.get(&format!("/api/v1/tickets?{q}")).await;
        assert!(got.0 == 422, "{q}: {} {}", got.0, got.1);
        expect_error(&got, 422, "validation");
    }
    let cursor_of = |s: &str| {
        use std::fmt::Write;
        // base64url without padding, by hand (no base64 crate here).
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let bytes = s.as_bytes();
        let mut out = String::new();
        for group in bytes.chunks(3) {
            let n = group
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, &b)| n | (u32::from(b) << (16 - 8 * i)));
            for i in 0..=group.len() {
                let _ = out.write_char(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            }
        }
        out
    };
    let bad_cursors = [
        "!!!".to_owned(),
        "not base64 at all".to_owned(),
        cursor_of("no separator"),
        cursor_of("2026-11-02T08:00:00Z|not-a-uuid"),
        cursor_of("yesterday|0190d2a4-0000-7000-8000-000000000001"),
    ];
    let mut queries: Vec<String> = [
        "limit=-1",
        "limit=ten",
        "limit=4294967296",
        "status=open",
        "status=new,open",
        "status=NEW",
        "severity=5",
        "severity=high",
        "severity=1,0",
        "assignee=eng",
        "sort=title",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    queries.extend(bad_cursors.iter().map(|c| format!("cursor={c}")));
    for q in &queries {
        let got = nurse.get(&format!("/api/v1/tickets?{q}")).await;
        assert!(got.0 == 422, "{q}: {} {}", got.0, got.1);
        expect_error(&got, 422, "invalid_request");
    }

    // The good versions work, so the refusals above are about the values.
    let page = expect_ok(
        nurse
            .get("/api/v1/tickets?limit=500&status=new&severity=1,2,3,4")
            .await,
        200,
    );
    assert_eq!(page["items"].as_array().unwrap().len(), 3);
    let page = expect_ok(nurse.get("/api/v1/tickets?limit=1").await, 200);
    let next = page["next_cursor"].as_str().unwrap().to_owned();
    let page2 = expect_ok(
        nurse
            .get(&format!("/api/v1/tickets?limit=1&cursor={next}"))
            .await,
        200,
    );
    assert_eq!(page2["items"].as_array().unwrap().len(), 1);
    assert_ne!(page2["items"][0]["id"], page["items"][0]["id"]);
    // Our hand-made encoder agrees with the server's.
    let first = &page["items"][0];
    let created_at =
        chrono::DateTime::parse_from_rfc3339(first["created_at"].as_str().unwrap()).unwrap();
    let made = cursor_of(&format!(
        "{}|{}",
        created_at
            .to_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        first["id"].as_str().unwrap()
    ));
    assert_eq!(made, next);
    assert_unchanged(admin, &before, "list queries").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_key_reused_for_another_body_conflicts() {
    let (_server, h, _id) = setup().await;
    let (nurse, nurse2, admin) = (h.api("nurse"), h.api("nurse2"), h.api("admin"));
    let create = |api: &Api, key: &str, body: Value| {
        let rb = api
            .request(Method::POST, "/api/v1/tickets")
            .header("Idempotency-Key", key)
            .json(&body);
        send(rb)
    };
    let first = expect_ok(create(nurse, "key-1", draft()).await, 201);
    let before = snapshot(admin).await;
    // The same key and body again: the same ticket, nothing new.
    let again = expect_ok(create(nurse, "key-1", draft()).await, 201);
    assert_eq!(
        (&again["id"], &again["number"]),
        (&first["id"], &first["number"])
    );
    assert_unchanged(admin, &before, "a replayed Idempotency-Key").await;

    let other = draft_with("title", Some(json!("另一个问题")));
    let got = create(nurse, "key-1", other.clone()).await;
    expect_error(&got, 409, "conflict");
    let got = create(nurse, "key-1", draft_with("severity", Some(json!(1)))).await;
    expect_error(&got, 409, "conflict");
    assert_unchanged(admin, &before, "a reused Idempotency-Key").await;

    // Keys belong to a user: a colleague's same key is a new ticket.
    let theirs = expect_ok(create(nurse2, "key-1", other).await, 201);
    assert_ne!(theirs["id"], first["id"]);
}

/// A replayed create answers exactly what the first create answered, timestamps included: the
/// server works in the microseconds it stores, so no answer carries precision a read loses.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotent_replay_returns_the_identical_ticket() {
    let (_server, h, _id) = setup().await;
    let nurse = h.api("nurse");
    let create = || {
        send(
            nurse
                .request(Method::POST, "/api/v1/tickets")
                .header("Idempotency-Key", "same")
                .json(&draft()),
        )
    };
    let first = expect_ok(create().await, 201);
    let again = expect_ok(create().await, 201);
    let stored = expect_ok(
        nurse
            .get(&format!(
                "/api/v1/tickets/{}",
                first["id"].as_str().unwrap()
            ))
            .await,
        200,
    );
    assert_eq!(again, stored);
    assert_eq!(
        first, stored,
        "the create response is not the ticket as stored"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachments_must_be_what_they_claim() {
    let (_server, h, _id) = setup().await;
    let (nurse, admin) = (h.api("nurse"), h.api("admin"));
    let before = snapshot(admin).await;

    let text = b"MZ this is not a picture at all\n".to_vec();
    let cases: Vec<(&str, &str, Vec<u8>, u16, &str)> = vec![
        (
            "text claiming to be PNG",
            "image/png",
            text.clone(),
            415,
            "unsupported_media_type",
        ),
        (
            "text claiming to be JPEG",
            "image/jpeg",
            text.clone(),
            415,
            "unsupported_media_type",
        ),
        (
            "text claiming to be PDF",
            "application/pdf",
            text.clone(),
            415,
            "unsupported_media_type",
        ),
        (
            "an executable type",
            "application/x-msdownload",
            text.clone(),
            415,
            "unsupported_media_type",
        ),
        (
            "octet-stream",
            "application/octet-stream",
            one_pixel_png(),
            415,
            "unsupported_media_type",
        ),
        (
            "PNG signature, then garbage",
            "image/png",
            [PNG_SIGNATURE, b"garbage garbage garbage"].concat(),
            415,
            "unsupported_media_type",
        ),
        (
            "binary claiming to be text",
            "text/plain",
            vec![0x00, 0xFF, 0xFE, 0x00],
            415,
            "unsupported_media_type",
        ),
        ("an empty file", "image/png", Vec::new(), 422, "validation"),
        // Decompression bombs, caught from the header: 10^10 pixels, and one row over 64 Mpx.
        (
            "a 100000x100000 PNG",
            "image/png",
            png(100_000, 100_000, &[0, 0, 0, 0]),
            413,
            "payload_too_large",
        ),
        (
            "an 8001x8000 PNG",
            "image/png",
            png(8001, 8000, &[0, 0, 0, 0]),
            413,
            "payload_too_large",
        ),
    ];
    for (what, ct, bytes, status, code) in cases {
        let sha = sha256_hex(&bytes);
        let got = upload(nurse, ct, bytes).await;
        assert!(got.0.as_u16() == status, "{what}: {} {}", got.0, got.1);
        expect_error(&got, status, code);
        // Nothing stored: not even the uploader can fetch it.
        assert_download_404(download(nurse, &sha).await);
    }
    let no_type = nurse
        .request(Method::POST, "/api/v1/attachments")
        .body(one_pixel_png());
    expect_error(&send(no_type).await, 415, "unsupported_media_type");
    assert_download_404(download(nurse, &sha256_hex(&one_pixel_png())).await);
    assert_unchanged(admin, &before, "refused attachments").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_png_with_a_bomb_header_is_refused_as_unreadable() {
    // Signature and IHDR only (or with IEND but no IDAT): the header reader needs to reach the
    // image data, so the file is refused as unreadable (415) before its size is judged. The
    // bomb check proper is covered above with a complete file.
    let (_server, h, _id) = setup().await;
    let nurse = h.api("nurse");
    let header_only = [PNG_SIGNATURE.to_vec(), ihdr(100_000, 100_000)].concat();
    let no_idat = [header_only.clone(), chunk(b"IEND", &[])].concat();
    for bytes in [header_only, no_idat] {
        let sha = sha256_hex(&bytes);
        let got = upload(nurse, "image/png", bytes).await;
        expect_error(&got, 415, "unsupported_media_type");
        assert_download_404(download(nurse, &sha).await);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachments_over_the_size_limit_are_413() {
    let server = TestServer::start_with(Arc::new(tempfile::tempdir().unwrap()), |c| {
        c.max_attachment_bytes = 1024
    })
    .await;
    let h = server.seed().await;
    let nurse = h.api("nurse");
    for (ct, bytes) in [
        ("text/plain", vec![b'a'; 4096]),
        ("image/png", [one_pixel_png(), vec![0; 4096]].concat()),
    ] {
        let sha = sha256_hex(&bytes);
        let got = upload(nurse, ct, bytes).await;
        expect_error(&got, 413, "payload_too_large");
        assert_download_404(download(nurse, &sha).await);
    }
    // Under the limit is fine on the same server.
    let small = one_pixel_png();
    let got = expect_ok(upload(nurse, "image/png", small.clone()).await, 201);
    assert_eq!(got["size"], small.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_valid_png_is_stored_once_and_shown_only_to_those_who_may_see_it() {
    let (_server, h, _id) = setup().await;
    let (nurse, nurse2, labtech, eng, engeast, admin) = (
        h.api("nurse"),
        h.api("nurse2"),
        h.api("labtech"),
        h.api("eng"),
        h.api("engeast"),
        h.api("admin"),
    );
    let bytes = one_pixel_png();
    let sha = sha256_hex(&bytes);

    let first = expect_ok(upload(nurse, "image/png", bytes.clone()).await, 201);
    assert_eq!(
        first,
        json!({"sha256": sha, "size": bytes.len(), "content_type": "image/png"})
    );
    // Content-addressed: the same bytes again, by anyone, are the same attachment.
    let second = expect_ok(
        upload(nurse, "image/png; charset=binary", bytes.clone()).await,
        201,
    );
    assert_eq!(second["sha256"], sha);

    // Before any ticket uses it, only its uploader may read it.
    let (status, ct, got) = download(nurse, &sha).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ct.as_deref(), Some("image/png"));
    assert_eq!(got, bytes);
    for api in [nurse2, eng, engeast, labtech] {
        assert_download_404(download(api, &sha).await);
    }
    let upper = sha.to_uppercase();
    for bad in [upper.as_str(), "abc", "../../etc/passwd"] {
        let got = download(nurse, bad).await;
        assert!(got.0 == 404, "{bad}: {}", got.0);
    }

    // Once a main-ivf ticket uses it, whoever may see that ticket may read it.
    let body = draft_with("attachments", Some(json!([sha])));
    let t = expect_ok(nurse.post("/api/v1/tickets", body).await, 201);
    assert_eq!(t["attachments"], json!([sha]));
    for api in [nurse, nurse2, eng, h.api("engmain"), h.api("disp"), admin] {
        let (status, ct, got) = download(api, &sha).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(ct.as_deref(), Some("image/png"));
        assert_eq!(got, bytes);
    }
    // Those who cannot see the ticket still cannot.
    for api in [labtech, engeast, h.api("eastnurse")] {
        assert_download_404(download(api, &sha).await);
    }
}
