//! What SMS gateways post to us: messages from citizens (`POST /inbound/sms`), which become
//! tickets or join the ticket they answer, and delivery reports (`POST /inbound/sms/status`).
//!
//! A gateway is no logged-in user: it sends the shared `[notify.inbound] sms_token` in
//! `X-Hotline-Token` or `?token=`. With no token configured the endpoints do not exist (404).
//! Bodies are JSON or form-encoded; the usual field names of providers are understood.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::post;
use axum::{Extension, Json, Router};
use serde_json::{Value, json};

use super::{ApiError, Rules, with_store};
use crate::api::ApiDeps;
use crate::notify::inbound::{self, Outcome, national_number};
use crate::store::NewInbound;

pub fn routes() -> Router<ApiDeps> {
    Router::new()
        .route("/inbound/sms", post(sms))
        .route("/inbound/sms/status", post(status))
}

const SENDER: &[&str] = &["from", "sender", "mobile", "phone", "src"];
const TEXT: &[&str] = &["text", "content", "body", "message", "msg"];
const ID: &[&str] = &["id", "msgid", "message_id", "sid", "reference"];
const STATE: &[&str] = &["status", "state", "report"];

/// Checks the gateway's token; a wrong one is 401, none configured is 404.
fn check_token(
    deps: &ApiDeps,
    headers: &HeaderMap,
    query: &BTreeMap<String, String>,
) -> Result<(), ApiError> {
    let expected = deps.ctx.config.notify.inbound.sms_token.as_bytes();
    if expected.is_empty() {
        return Err(ApiError::not_found("no such endpoint"));
    }
    let given = headers
        .get("x-hotline-token")
        .map(|v| v.as_bytes().to_vec())
        .or_else(|| query.get("token").map(|t| t.as_bytes().to_vec()))
        .unwrap_or_default();
    // Compared without an early exit, so the time taken does not hint at the token.
    let same = given.len() == expected.len()
        && given
            .iter()
            .zip(expected)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if same {
        Ok(())
    } else {
        Err(ApiError::unauthorized("wrong or missing gateway token"))
    }
}

/// The fields of a JSON object or a form body, as text.
fn fields(headers: &HeaderMap, body: &[u8]) -> Result<BTreeMap<String, String>, ApiError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.contains("json"));
    if is_json {
        let value: Value = serde_json::from_slice(body)
            .map_err(|e| ApiError::bad_request(format!("body: {e}")))?;
        let object = value
            .as_object()
            .ok_or_else(|| ApiError::bad_request("body: a JSON object is expected"))?;
        Ok(object
            .iter()
            .map(|(k, v)| {
                let text = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.to_ascii_lowercase(), text)
            })
            .collect())
    } else {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
            .map_err(|e| ApiError::bad_request(format!("body: {e}")))?;
        Ok(pairs
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect())
    }
}

fn pick<'a>(fields: &'a BTreeMap<String, String>, names: &[&str]) -> Option<&'a str> {
    names
        .iter()
        .find_map(|n| fields.get(*n))
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
}

/// `POST /inbound/sms`: answers `{"outcome": "filed" | "attached" | "duplicate", "ticket_id",
/// "number"}`.
async fn sms(
    State(deps): State<ApiDeps>,
    Extension(rules): Extension<Arc<Rules>>,
    Query(query): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    check_token(&deps, &headers, &query)?;
    let f = fields(&headers, &body)?;
    let sender = pick(&f, SENDER).ok_or_else(|| ApiError::bad_request("no sender (from)"))?;
    let text = pick(&f, TEXT).ok_or_else(|| ApiError::bad_request("no text"))?;
    let now = (deps.ctx.clock)();
    let sender = national_number(sender);
    // Without an id from the gateway, the same sender and text in the same second is a repeat.
    let external_id = pick(&f, ID).map_or_else(
        || format!("{sender}:{}:{}", now.as_second(), text.len()),
        str::to_owned,
    );
    let message = NewInbound {
        channel: "sms".into(),
        external_id,
        sender,
        subject: String::new(),
        body: text.to_owned(),
        received_at_ms: now.as_millisecond(),
    };
    let config = deps.ctx.config.clone();
    let deadlines = rules.deadlines(&config)?;
    let category = config.notify.inbound.category.clone();
    let ticket_type = config.notify.inbound.ticket_type;
    let limit = deadlines.limit_for(&category, ticket_type, crate::tickets::Urgency::Normal);
    let outcome = with_store(&deps, move |store| {
        Ok(inbound::receive(
            store, &config, &message, None, limit, now,
        )?)
    })
    .await?;
    let (status, body) = match outcome {
        Outcome::Filed { ticket_id, number } => (
            StatusCode::CREATED,
            json!({"outcome": "filed", "ticket_id": ticket_id, "number": number}),
        ),
        Outcome::Attached { ticket_id } => (
            StatusCode::OK,
            json!({"outcome": "attached", "ticket_id": ticket_id}),
        ),
        Outcome::Duplicate { ticket_id } => (
            StatusCode::OK,
            json!({"outcome": "duplicate", "ticket_id": ticket_id}),
        ),
    };
    Ok((status, Json(body)))
}

/// `POST /inbound/sms/status`: a delivery report for a message id the gateway gave us.
async fn status(
    State(deps): State<ApiDeps>,
    Query(query): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    check_token(&deps, &headers, &query)?;
    let f = fields(&headers, &body)?;
    let id = pick(&f, ID)
        .ok_or_else(|| ApiError::bad_request("no message id"))?
        .to_owned();
    let state = pick(&f, STATE).unwrap_or("").to_ascii_lowercase();
    let delivered = matches!(
        state.as_str(),
        "delivered" | "delivrd" | "success" | "ok" | "0"
    );
    let now = (deps.ctx.clock)().as_millisecond();
    let found = with_store(&deps, move |store| {
        Ok(store.mark_notification_delivered(&id, delivered, &state, now)?)
    })
    .await?;
    if !found {
        return Err(ApiError::not_found("no message with that id was sent"));
    }
    Ok(Json(
        json!({"status": if delivered { "delivered" } else { "failed" }}),
    ))
}
