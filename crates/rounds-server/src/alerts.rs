//! Outgoing alerts: WeCom and DingTalk group robots and signed JSON webhooks, configured per
//! campus and per fault level, delivered from a persistent queue.
//!
//! An escalation enqueues one `alert_deliveries` row per matching endpoint in the same
//! transaction that records it, so an alert is never lost nor made twice. The delivery
//! worker sends outside any transaction, retries with exponential backoff (10 s doubling, at
//! most an hour, [`MAX_ATTEMPTS`] attempts) and keeps the log in the same table. A slow or
//! failing endpoint only delays its own queue: ticket writes never wait for it.
//!
//! Formats:
//! - `wecom`: `{"msgtype":"markdown","markdown":{"content":...}}` to the robot URL.
//! - `dingtalk`: `{"msgtype":"markdown","markdown":{"title":...,"text":...}}`; with a secret,
//!   `timestamp` (ms) and `sign` = urlencode(base64(HMAC-SHA256(secret, "{timestamp}\n{secret}")))
//!   are added to the query.
//! - `webhook`: the alert as JSON; with a secret, header
//!   `X-Rounds-Signature: sha256=<hex HMAC-SHA256(secret, body)>`.

use axum::extract::State;
use axum::http::StatusCode;
use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use rounds_core::model::Ticket;
use rounds_core::sla::Escalation;
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{Authed, require_admin};
use crate::db::Tx;
use crate::error::{ApiError, Json, Path, Query};
use crate::store::{self, ts};

/// Attempts before a delivery is given up as `failed`.
pub const MAX_ATTEMPTS: i64 = 8;
pub const SIGNATURE_HEADER: &str = "X-Rounds-Signature";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EndpointKind {
    Wecom,
    Dingtalk,
    Webhook,
}

impl EndpointKind {
    fn as_str(self) -> &'static str {
        match self {
            EndpointKind::Wecom => "wecom",
            EndpointKind::Dingtalk => "dingtalk",
            EndpointKind::Webhook => "webhook",
        }
    }
    fn parse(s: &str) -> Option<Self> {
        match s {
            "wecom" => Some(EndpointKind::Wecom),
            "dingtalk" => Some(EndpointKind::Dingtalk),
            "webhook" => Some(EndpointKind::Webhook),
            _ => None,
        }
    }
}

/// An alert endpoint as admins see it; the secret is never sent back.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Endpoint {
    pub id: Uuid,
    pub kind: EndpointKind,
    pub url: String,
    pub has_secret: bool,
    /// `None`: every campus.
    pub campus: Option<String>,
    pub levels: Vec<u8>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointRequest {
    pub kind: EndpointKind,
    pub url: String,
    #[serde(default)]
    pub secret: Option<String>,
    #[serde(default)]
    pub campus: Option<String>,
    /// Default: all four levels.
    #[serde(default)]
    pub levels: Option<Vec<u8>>,
}

/// The alert, as the generic webhook receives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Alert {
    pub event: String,
    pub ticket_id: Uuid,
    pub number: Option<String>,
    pub title: String,
    pub campus: String,
    pub department: String,
    pub level: u8,
    pub target: String,
    pub percent: u8,
    pub step: u8,
    pub due: DateTime<Utc>,
    pub at: DateTime<Utc>,
    /// Usernames of the people notified.
    pub notified: Vec<String>,
}

/// One row of the delivery log.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Delivery {
    pub id: i64,
    pub endpoint_id: Uuid,
    pub ticket_id: Uuid,
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

/// Queues the alert of escalation `e` for every endpoint matching the ticket's campus and level.
pub fn enqueue(
    tx: &Tx<'_>,
    t: &Ticket,
    e: &Escalation,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let endpoints: Vec<(String, String)> = {
        let mut st = tx.prepare_cached(
            "SELECT id, levels FROM alert_endpoints WHERE campus IS NULL OR campus = ?1",
        )?;
        st.query_map([&t.campus], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?
    };
    let level = t.severity.get();
    let matching: Vec<String> = endpoints
        .into_iter()
        .filter(|(_, levels)| {
            serde_json::from_str::<Vec<u8>>(levels).is_ok_and(|l| l.contains(&level))
        })
        .map(|(id, _)| id)
        .collect();
    if matching.is_empty() {
        return Ok(());
    }
    let mut notified = Vec::new();
    for u in &e.notified {
        if let Some(user) = store::user_get(tx, *u)? {
            notified.push(user.username);
        }
    }
    let alert = Alert {
        event: "ticket.escalated".into(),
        ticket_id: t.id,
        number: t.number.clone(),
        title: t.title.clone(),
        campus: t.campus.clone(),
        department: t.department.clone(),
        level,
        target: e.target.as_str().into(),
        percent: e.percent,
        step: e.step,
        due: e.due,
        at: e.at,
        notified,
    };
    let body = serde_json::to_string(&alert).map_err(ApiError::internal)?;
    let mut st = tx.prepare_cached(
        "INSERT INTO alert_deliveries (endpoint_id, ticket_id, body, state, attempts, next_attempt_at, created_at) \
         VALUES (?1, ?2, ?3, 'pending', 0, ?4, ?4)",
    )?;
    for id in matching {
        st.execute(params![id, t.id.to_string(), body, ts(now)])?;
    }
    Ok(())
}

fn hmac_sha256(key: &[u8], msg: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(msg);
    mac.finalize().into_bytes().to_vec()
}

/// `sha256=<hex>` over `body`.
pub fn webhook_signature(secret: &str, body: &[u8]) -> String {
    format!(
        "sha256={}",
        hex::encode(hmac_sha256(secret.as_bytes(), body))
    )
}

/// DingTalk's `sign`: base64(HMAC-SHA256(secret, "{timestamp}\n{secret}")), urlencoded.
pub fn dingtalk_sign(secret: &str, timestamp_ms: i64) -> String {
    let raw = hmac_sha256(
        secret.as_bytes(),
        format!("{timestamp_ms}\n{secret}").as_bytes(),
    );
    let b64 = base64::engine::general_purpose::STANDARD.encode(raw);
    let mut out = String::with_capacity(b64.len() + 8);
    for b in b64.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The markdown text of an alert, in Chinese first.
pub fn markdown(a: &Alert) -> String {
    let what = match (a.percent, a.target.as_str()) {
        (0, _) => "应急工单：请值班工程师立即响应".to_owned(),
        (p, "response") => format!("响应时限已用 {p}%"),
        (p, _) => format!("解决时限已用 {p}%"),
    };
    format!(
        "### {level}级工单升级 {number}\n> {title}\n\n- {what}\n- 院区: {campus} / 科室: {dept}\n- 到期: {due}\n- 通知: {who}",
        level = a.level,
        number = a.number.as_deref().unwrap_or(""),
        title = a.title,
        campus = a.campus,
        dept = a.department,
        due = a.due.to_rfc3339(),
        who = a.notified.join(", "),
    )
}

/// An outgoing request: URL, body and extra headers.
pub struct Outgoing {
    pub url: String,
    pub body: String,
    pub headers: Vec<(&'static str, String)>,
}

/// The request to send for an alert.
pub fn render(
    kind: EndpointKind,
    url: &str,
    secret: Option<&str>,
    alert_json: &str,
    now: DateTime<Utc>,
) -> Result<Outgoing, String> {
    let alert: Alert = serde_json::from_str(alert_json).map_err(|e| e.to_string())?;
    let (url, body, headers) = match kind {
        EndpointKind::Wecom => (
            url.to_owned(),
            serde_json::json!({"msgtype": "markdown", "markdown": {"content": markdown(&alert)}})
                .to_string(),
            vec![],
        ),
        EndpointKind::Dingtalk => {
            let body = serde_json::json!({"msgtype": "markdown", "markdown": {
                "title": format!("{}级工单升级 {}", alert.level, alert.number.as_deref().unwrap_or("")),
                "text": markdown(&alert)}})
            .to_string();
            let url = match secret {
                Some(s) => {
                    let ms = now.timestamp_millis();
                    let sep = if url.contains('?') { '&' } else { '?' };
                    format!("{url}{sep}timestamp={ms}&sign={}", dingtalk_sign(s, ms))
                }
                None => url.to_owned(),
            };
            (url, body, vec![])
        }
        EndpointKind::Webhook => {
            let headers = secret
                .map(|s| {
                    vec![(
                        SIGNATURE_HEADER,
                        webhook_signature(s, alert_json.as_bytes()),
                    )]
                })
                .unwrap_or_default();
            (url.to_owned(), alert_json.to_owned(), headers)
        }
    };
    Ok(Outgoing { url, body, headers })
}

/// Seconds to wait before attempt `attempts + 1`.
pub fn backoff_secs(attempts: i64) -> i64 {
    (10_i64 << attempts.clamp(0, 12)).min(3_600)
}

struct Due {
    id: i64,
    kind: EndpointKind,
    url: String,
    secret: Option<String>,
    body: String,
    attempts: i64,
}

/// The delivery worker: sends what is due, records the outcome, sleeps at most `poll`.
pub async fn run_worker(state: AppState, poll: std::time::Duration) {
    let mut closing = state.closing();
    let http = match reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "no HTTP client: alerts will not be delivered");
            return;
        }
    };
    loop {
        let now = state.now();
        let due = state
            .db
            .read(move |tx| {
                let mut st = tx.prepare_cached(
                    "SELECT d.id, e.kind, e.url, e.secret, d.body, d.attempts FROM alert_deliveries d \
                     JOIN alert_endpoints e ON e.id = d.endpoint_id \
                     WHERE d.state = 'pending' AND d.next_attempt_at <= ?1 ORDER BY d.next_attempt_at, d.id LIMIT 50",
                )?;
                let rows = st.query_map([ts(now)], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
                })?;
                let mut out = Vec::new();
                for row in rows {
                    let (id, kind, url, secret, body, attempts) = row?;
                    if let Some(kind) = EndpointKind::parse(&kind) {
                        out.push(Due { id, kind, url, secret, body, attempts });
                    }
                }
                Ok(out)
            })
            .await
            .unwrap_or_default();
        let busy = !due.is_empty();
        // A write that failed (a full disk): stop this round and wait before the next.
        let mut stalled = false;
        for d in due {
            // Claimed before it is sent: its next attempt moves out by the backoff first, so a
            // delivery whose outcome cannot be recorded afterwards is sent again only after
            // the backoff (at least once, never in a tight loop), and none is sent while
            // nothing can be recorded.
            let (id, next) = (
                d.id,
                state.now() + chrono::Duration::seconds(backoff_secs(d.attempts)),
            );
            let claimed = state
                .db
                .write(move |tx| {
                    tx.execute(
                        "UPDATE alert_deliveries SET next_attempt_at = ?2 WHERE id = ?1",
                        params![id, ts(next)],
                    )?;
                    Ok(())
                })
                .await;
            if let Err(e) = claimed {
                tracing::warn!(error = %e.message, "claiming an alert delivery; sending none until that works");
                stalled = true;
                break;
            }
            let result = send(&http, &d, state.now()).await;
            let now = state.now();
            let outcome = state
                .db
                .write(move |tx| {
                    match result {
                        Ok(()) => tx.execute(
                            "UPDATE alert_deliveries SET state = 'delivered', attempts = attempts + 1, \
                             delivered_at = ?2, last_error = NULL WHERE id = ?1",
                            params![d.id, ts(now)],
                        )?,
                        Err(err) => {
                            let attempts = d.attempts + 1;
                            let state = if attempts >= MAX_ATTEMPTS { "failed" } else { "pending" };
                            tx.execute(
                                "UPDATE alert_deliveries SET state = ?2, attempts = ?3, next_attempt_at = ?4, \
                                 last_error = ?5 WHERE id = ?1",
                                params![d.id, state, attempts, ts(next), err],
                            )?
                        }
                    };
                    Ok(())
                })
                .await;
            if let Err(e) = outcome {
                tracing::warn!(error = %e.message, "recording an alert delivery");
                stalled = true;
                break;
            }
        }
        if busy && !stalled {
            continue;
        }
        tokio::select! {
            _ = tokio::time::sleep(poll) => {}
            _ = closing.changed() => return,
        }
        if *closing.borrow() {
            return;
        }
    }
}

async fn send(http: &reqwest::Client, d: &Due, now: DateTime<Utc>) -> Result<(), String> {
    let Outgoing { url, body, headers } =
        render(d.kind, &d.url, d.secret.as_deref(), &d.body, now)?;
    let mut req = http
        .post(&url)
        .header("content-type", "application/json")
        .body(body);
    for (k, v) in headers {
        req = req.header(k, v);
    }
    let resp = req.send().await.map_err(|e| format!("sending: {e}"))?;
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    if !status.is_success() {
        return Err(format!(
            "HTTP {status}: {}",
            text.chars().take(200).collect::<String>()
        ));
    }
    // Both robots answer 200 with {"errcode":N} and a non-zero code on failure.
    if matches!(d.kind, EndpointKind::Wecom | EndpointKind::Dingtalk)
        && let Ok(v) = serde_json::from_str::<serde_json::Value>(&text)
        && let Some(code) = v.get("errcode").and_then(|c| c.as_i64())
        && code != 0
    {
        return Err(format!(
            "robot errcode {code}: {}",
            v.get("errmsg").unwrap_or(&serde_json::Value::Null)
        ));
    }
    Ok(())
}

fn endpoint_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Endpoint> {
    let bad = |i, e: Box<dyn std::error::Error + Send + Sync>| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e)
    };
    let kind: String = r.get(1)?;
    let levels: String = r.get(5)?;
    Ok(Endpoint {
        id: Uuid::parse_str(&r.get::<_, String>(0)?).map_err(|e| bad(0, Box::new(e)))?,
        kind: EndpointKind::parse(&kind).ok_or_else(|| bad(1, "kind".into()))?,
        url: r.get(2)?,
        has_secret: r.get::<_, Option<String>>(3)?.is_some(),
        campus: r.get(4)?,
        levels: serde_json::from_str(&levels).map_err(|e| bad(5, Box::new(e)))?,
    })
}

#[utoipa::path(get, path = "/api/v1/alerts/endpoints", tag = "alerts", security(("bearer" = [])),
    responses((status = 200, body = Vec<Endpoint>), (status = 403, body = rounds_core::ErrorBody)))]
pub async fn endpoints(
    State(state): State<AppState>,
    Authed(user): Authed,
) -> Result<Json<Vec<Endpoint>>, ApiError> {
    require_admin(&user)?;
    state
        .db
        .read(|tx| {
            let mut st = tx.prepare_cached(
                "SELECT id, kind, url, secret, campus, levels FROM alert_endpoints ORDER BY created_at, id",
            )?;
            let rows = st.query_map([], endpoint_from_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
        .map(Json)
}

#[utoipa::path(post, path = "/api/v1/alerts/endpoints", tag = "alerts", security(("bearer" = [])), request_body = EndpointRequest,
    responses((status = 201, body = Endpoint), (status = 403, body = rounds_core::ErrorBody), (status = 422, body = rounds_core::ErrorBody)))]
pub async fn endpoint_create(
    State(state): State<AppState>,
    Authed(user): Authed,
    Json(req): Json<EndpointRequest>,
) -> Result<(StatusCode, Json<Endpoint>), ApiError> {
    require_admin(&user)?;
    let url = req.url.trim().to_owned();
    if !(url.starts_with("http://") || url.starts_with("https://")) || url.len() > 2000 {
        return Err(ApiError::validation(
            "url must be an http:// or https:// URL",
        ));
    }
    let mut levels = req.levels.unwrap_or_else(|| vec![1, 2, 3, 4]);
    levels.sort_unstable();
    levels.dedup();
    if levels.is_empty() || levels.iter().any(|l| !(1..=4).contains(l)) {
        return Err(ApiError::validation("levels must be fault levels 1 to 4"));
    }
    let secret = req.secret.filter(|s| !s.is_empty());
    if secret.as_ref().is_some_and(|s| s.len() > 500) {
        return Err(ApiError::validation("the secret is too long"));
    }
    let now = state.now();
    let ep = Endpoint {
        id: Uuid::now_v7(),
        kind: req.kind,
        url,
        has_secret: secret.is_some(),
        campus: req.campus,
        levels,
    };
    let out = ep.clone();
    state
        .db
        .write(move |tx| {
            if let Some(c) = &ep.campus
                && store::campus_get(tx, c)?.is_none()
            {
                return Err(ApiError::validation(format!("unknown campus `{c}`")));
            }
            tx.execute(
                "INSERT INTO alert_endpoints (id, kind, url, secret, campus, levels, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![ep.id.to_string(), ep.kind.as_str(), ep.url, secret, ep.campus,
                        serde_json::to_string(&ep.levels).map_err(ApiError::internal)?, ts(now)],
            )?;
            store::audit(tx, now, Some(user.id), "alert_endpoint.create", "alert_endpoint", &ep.id.to_string(), None::<&()>, Some(&ep))
        })
        .await?;
    Ok((StatusCode::CREATED, Json(out)))
}

#[utoipa::path(delete, path = "/api/v1/alerts/endpoints/{id}", tag = "alerts", security(("bearer" = [])),
    responses((status = 204), (status = 403, body = rounds_core::ErrorBody), (status = 404, body = rounds_core::ErrorBody)))]
pub async fn endpoint_delete(
    State(state): State<AppState>,
    Authed(user): Authed,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    require_admin(&user)?;
    let now = state.now();
    state
        .db
        .write(move |tx| {
            let before = tx
                .query_row(
                    "SELECT id, kind, url, secret, campus, levels FROM alert_endpoints WHERE id = ?1",
                    [id.to_string()],
                    endpoint_from_row,
                )
                .optional()?
                .ok_or_else(|| ApiError::not_found("no such alert endpoint"))?;
            // Its queue goes with it; the log of what was delivered stays in the audit.
            tx.execute("DELETE FROM alert_deliveries WHERE endpoint_id = ?1", [id.to_string()])?;
            tx.execute("DELETE FROM alert_endpoints WHERE id = ?1", [id.to_string()])?;
            store::audit(tx, now, Some(user.id), "alert_endpoint.delete", "alert_endpoint", &id.to_string(), Some(&before), None::<&()>)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// 1..=500, default 100; newest first.
    pub limit: Option<u32>,
}

#[utoipa::path(get, path = "/api/v1/alerts/deliveries", tag = "alerts", security(("bearer" = [])), params(DeliveryQuery),
    responses((status = 200, body = Vec<Delivery>), (status = 403, body = rounds_core::ErrorBody)))]
pub async fn deliveries(
    State(state): State<AppState>,
    Authed(user): Authed,
    Query(q): Query<DeliveryQuery>,
) -> Result<Json<Vec<Delivery>>, ApiError> {
    require_admin(&user)?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::validation("limit must be from 1 to 500"));
    }
    state
        .db
        .read(move |tx| {
            let mut st = tx.prepare_cached(
                "SELECT id, endpoint_id, ticket_id, state, attempts, next_attempt_at, last_error, created_at, delivered_at \
                 FROM alert_deliveries ORDER BY id DESC LIMIT ?1",
            )?;
            let t = |s: String| {
                DateTime::parse_from_rfc3339(&s)
                    .map(|d| d.with_timezone(&Utc))
                    .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))
            };
            let u = |s: String| {
                Uuid::parse_str(&s)
                    .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))
            };
            let rows = st.query_map([limit], |r| {
                Ok(Delivery {
                    id: r.get(0)?,
                    endpoint_id: u(r.get(1)?)?,
                    ticket_id: u(r.get(2)?)?,
                    state: r.get(3)?,
                    attempts: r.get(4)?,
                    next_attempt_at: t(r.get(5)?)?,
                    last_error: r.get(6)?,
                    created_at: t(r.get(7)?)?,
                    delivered_at: r.get::<_, Option<String>>(8)?.map(t).transpose()?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
        .map(Json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_match_hand_computed_values() {
        // RFC 4231 test case 2.
        assert_eq!(
            hex::encode(hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            webhook_signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let sign = dingtalk_sign("SECabc", 1_700_000_000_000);
        let raw = hmac_sha256(b"SECabc", b"1700000000000\nSECabc");
        let b64 = base64::engine::general_purpose::STANDARD.encode(raw);
        assert_eq!(
            sign,
            b64.replace('+', "%2B")
                .replace('/', "%2F")
                .replace('=', "%3D")
        );
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff_secs(0), 10);
        assert_eq!(backoff_secs(1), 20);
        assert_eq!(backoff_secs(3), 80);
        assert_eq!(backoff_secs(20), 3_600);
    }
}
