//! Login, lockout, token expiry and logout against the real server.

use chrono::Duration;
use reqwest::{Method, StatusCode};
use rounds_core::model::Role;
use rounds_tests::{PASSWORD, TestServer, assert_error};
use serde_json::json;

async fn login(
    server: &TestServer,
    user: &str,
    password: &str,
) -> (StatusCode, serde_json::Value, Option<String>) {
    let res = server
        .api()
        .request(Method::POST, "/api/v1/auth/login")
        .json(&json!({"username": user, "password": password}))
        .send()
        .await
        .unwrap();
    let retry = res
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let status = res.status();
    (status, res.json().await.unwrap(), retry)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_returns_a_token_that_identifies_the_user() {
    let server = TestServer::start().await;
    server.seed().await;
    let (status, body, _) = login(&server, "nurse", PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    let token = body["token"].as_str().unwrap();
    // 256 random bits in base64url: 43 characters.
    assert!(token.len() >= 22, "token too short for 128 bits: {token}");
    assert_eq!(body["user"]["username"], "nurse");
    assert_eq!(body["user"]["role"], "reporter");
    assert!(body["user"].get("password_hash").is_none());

    let mut api = server.api();
    api.token = Some(token.to_owned());
    let me = api.get("/api/v1/me").await;
    assert_eq!(me.0, StatusCode::OK);
    assert_eq!(me.1["username"], "nurse");
    assert_eq!(me.1["department"], "main-ivf");

    // The database keeps only a hash of the token.
    let raw = token.to_owned();
    let stored: i64 = server
        .state
        .db
        .read(move |tx| {
            Ok(tx.query_row(
                "SELECT count(*) FROM tokens WHERE token_hash = ?1",
                [raw],
                |r| r.get(0),
            )?)
        })
        .await
        .unwrap();
    assert_eq!(stored, 0, "the raw token must not be stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_and_unknown_user_get_the_same_401() {
    let server = TestServer::start().await;
    server.add_user("nurse", Role::Admin, None, None).await;
    let (s1, b1, _) = login(&server, "nurse", "wrong password").await;
    let (s2, b2, _) = login(&server, "nobody", "wrong password").await;
    assert_error(&(s1, b1.clone()), 401, "unauthorized");
    assert_eq!((s1, b1), (s2, b2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_failures_in_fifteen_minutes_lock_the_account_even_for_the_right_password() {
    let server = TestServer::start().await;
    server.add_user("eng", Role::Engineer, None, None).await;
    for i in 0..4 {
        let (s, _, _) = login(&server, "eng", "guess").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "failure {i}");
    }
    let (s, body, retry) = login(&server, "eng", "guess").await;
    assert_error(&(s, body), 429, "locked");
    let retry: i64 = retry.expect("Retry-After on lockout").parse().unwrap();
    assert!((14 * 60..=15 * 60).contains(&retry), "Retry-After {retry}");

    let (s, _, _) = login(&server, "eng", PASSWORD).await;
    assert_eq!(
        s,
        StatusCode::TOO_MANY_REQUESTS,
        "the right password is refused while locked"
    );

    server.clock.advance(Duration::minutes(16));
    let (s, _, _) = login(&server, "eng", PASSWORD).await;
    assert_eq!(s, StatusCode::OK, "the lock lifts after 15 minutes");
    // A success clears the count: four more failures do not lock.
    for _ in 0..4 {
        assert_eq!(
            login(&server, "eng", "guess").await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(login(&server, "eng", PASSWORD).await.0, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_spread_over_more_than_fifteen_minutes_do_not_lock() {
    let server = TestServer::start().await;
    server.add_user("eng", Role::Engineer, None, None).await;
    for _ in 0..4 {
        assert_eq!(
            login(&server, "eng", "guess").await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    server.clock.advance(Duration::minutes(20));
    assert_eq!(
        login(&server, "eng", "guess").await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(login(&server, "eng", PASSWORD).await.0, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_slide_then_expire_and_logout_revokes() {
    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let server = TestServer::start_with(dir, |c| c.token_ttl = Duration::hours(1)).await;
    server.add_user("eng", Role::Engineer, None, None).await;
    let mut api = server.api();
    api.login("eng", PASSWORD).await;

    // Used every 40 minutes, the token lives on past its first hour.
    for _ in 0..3 {
        server.clock.advance(Duration::minutes(40));
        assert_eq!(api.get("/api/v1/me").await.0, StatusCode::OK);
    }
    // Unused for over an hour, it expires.
    server.clock.advance(Duration::minutes(61));
    let res = api.get("/api/v1/me").await;
    assert_error(&res, 401, "unauthorized");
    assert!(
        res.1["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expired")
    );

    api.login("eng", PASSWORD).await;
    assert_eq!(
        api.call(Method::POST, "/api/v1/auth/logout", None).await.0,
        StatusCode::NO_CONTENT
    );
    assert_error(&api.get("/api/v1/me").await, 401, "unauthorized");
    assert_error(
        &api.call(Method::POST, "/api/v1/auth/logout", None).await,
        401,
        "unauthorized",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_api_route_needs_a_token() {
    let server = TestServer::start().await;
    let api = server.api();
    let id = uuid::Uuid::now_v7();
    for (m, path) in [
        (Method::GET, "/api/v1/me".to_owned()),
        (Method::GET, "/api/v1/campuses".into()),
        (Method::GET, "/api/v1/departments".into()),
        (Method::GET, "/api/v1/users".into()),
        (Method::GET, "/api/v1/tickets".into()),
        (Method::GET, format!("/api/v1/tickets/{id}")),
        (Method::GET, format!("/api/v1/tickets/{id}/comments")),
        (Method::GET, "/api/v1/sync/pull".into()),
        (Method::GET, "/api/v1/events".into()),
        (
            Method::GET,
            format!("/api/v1/attachments/{}", "a".repeat(64)),
        ),
    ] {
        assert_error(&api.call(m.clone(), &path, None).await, 401, "unauthorized");
    }
    for path in [
        "/api/v1/tickets",
        "/api/v1/sync/push",
        "/api/v1/campuses",
        "/api/v1/users",
    ] {
        assert_error(&api.post(path, json!({})).await, 401, "unauthorized");
    }
    let health = api.request(Method::GET, "/healthz").send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(health.text().await.unwrap(), "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_hashed_with_an_earlier_setting_moves_to_the_current_one_at_sign_in() {
    use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
    let server = TestServer::start().await;
    server.seed().await;
    let hash_of = |name: &'static str| {
        server.state.db.read(move |tx| {
            Ok(tx.query_row(
                "SELECT password_hash FROM users WHERE username = ?1",
                [name],
                |r| r.get::<_, String>(0),
            )?)
        })
    };
    // As an older server stored it: the argon2 crate's default, 19 MiB and 2 passes.
    let old = argon2::Argon2::default()
        .hash_password(PASSWORD.as_bytes(), &SaltString::generate(&mut OsRng))
        .unwrap()
        .to_string();
    assert!(old.contains("m=19456,t=2,p=1"), "{old}");
    let o = old.clone();
    server
        .state
        .db
        .write(move |tx| {
            tx.execute(
                "UPDATE users SET password_hash = ?1 WHERE username = 'nurse'",
                [o],
            )?;
            Ok(())
        })
        .await
        .unwrap();

    // A wrong password changes nothing.
    assert_eq!(
        login(&server, "nurse", "not the password").await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(hash_of("nurse").await.unwrap(), old);

    // The right one signs in and leaves a hash with the current setting, which verifies.
    assert_eq!(login(&server, "nurse", PASSWORD).await.0, StatusCode::OK);
    let new = hash_of("nurse").await.unwrap();
    assert!(new.contains("m=7168,t=5,p=1"), "{new}");
    assert_ne!(new, old);
    assert_eq!(login(&server, "nurse", PASSWORD).await.0, StatusCode::OK);
    // Already current: signing in again does not rewrite it.
    assert_eq!(hash_of("nurse").await.unwrap(), new);
}
