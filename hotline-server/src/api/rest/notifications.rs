//! Notifications through the API: the hooks the ticket handlers call after a step is stored,
//! a ticket's notifications and messages (`GET /tickets/{id}/notifications`), where a
//! department's notices go (`PUT /departments/{id}/contact`) and templates edited in the
//! database (`GET`, `PUT /notify/templates`); a knowledge-base item sent to a citizen
//! (`POST /knowledge/{id}/send`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use hotline_protocol::Capability;
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::{Value, json};
use tracing::warn;

use super::letter::{LetterParts, letter};
use super::session::Authed;
use super::tickets::visible;
use super::{ApiError, Body, Id, now_ms, with_store};
use crate::api::ApiDeps;
use crate::config::Config;
use crate::notify::email::TextAttachment;
use crate::notify::template::{self, Event};
use crate::notify::{NotifyError, events};
use crate::store::{
    AppliedTransition, DepartmentContact, FiledTicket, OutboxRow, SECRET_MARK, Store, TemplateRow,
};
use crate::tickets::Deadlines;

pub fn routes() -> Router<ApiDeps> {
    Router::new()
        .route("/tickets/{id}/notifications", get(for_ticket))
        .route("/departments/{id}/contact", put(set_contact).get(contact))
        .route("/notify/templates", get(templates).put(put_template))
        .route("/knowledge/{id}/send", post(send_knowledge))
}

impl From<NotifyError> for ApiError {
    fn from(e: NotifyError) -> Self {
        match e {
            NotifyError::Record(r) => r.into(),
            NotifyError::Template(t) => ApiError::bad_request(t.to_string()),
            other => ApiError::internal(&other),
        }
    }
}

/// After filing: the citizen's receipt with number and PIN. Never fails the filing.
pub(super) fn after_filing(store: &Store, config: &Config, filed: &FiledTicket, now: Timestamp) {
    if let Err(e) = events::after_filing(store, config, filed, now.as_millisecond()) {
        warn!(ticket = %filed.ticket.number, error = %e, "receipt not queued");
    }
}

/// After a workflow step: its notices, with the dispatch letter for a department's new work.
pub(super) fn after_transition(
    store: &Store,
    config: &Config,
    deadlines: &Deadlines,
    applied: &AppliedTransition,
    now: Timestamp,
) {
    let letter = events::wants_letter(applied)
        .then(|| dispatch_letter(store, config, deadlines, applied, now))
        .flatten();
    events::after_transition(
        store,
        config,
        applied,
        letter.as_ref(),
        now.as_millisecond(),
    );
}

fn dispatch_letter(
    store: &Store,
    config: &Config,
    deadlines: &Deadlines,
    applied: &AppliedTransition,
    now: Timestamp,
) -> Option<TextAttachment> {
    let t = &applied.ticket;
    let lead = t
        .lead_department_id
        .and_then(|d| store.department(d).ok().flatten())
        .map(|d| d.name);
    let history = store.ticket_history(t.id).ok()?;
    let category = deadlines
        .categories
        .find(&t.state.category)
        .map_or_else(|| t.state.category.clone(), |c| c.zh.clone());
    let centre = t.number.split('-').next().unwrap_or("").to_owned();
    let tz = config.server.tz();
    let text = letter(
        t,
        &LetterParts {
            centre: &centre,
            category: &category,
            lead: lead.as_deref(),
            history: &history,
            tz: &tz,
            printed_at: now,
        },
    );
    Some(TextAttachment {
        kind: "letter".into(),
        id: Some(t.id),
        name: format!("{}.txt", t.number),
        content_type: "text/plain; charset=utf-8".into(),
        text,
    })
}

/// An outbox row as the API shows it: the PIN stays a mark.
fn view(row: &OutboxRow) -> Value {
    let attachments: Vec<Value> = row
        .attachments
        .as_array()
        .map(|a| a.iter().map(|f| json!({ "name": f["name"] })).collect())
        .unwrap_or_default();
    json!({
        "id": row.id,
        "channel": row.channel,
        "event": row.event,
        "language": row.language,
        "recipient": row.recipient,
        "subject": row.subject,
        "body": row.body.replace(SECRET_MARK, "******"),
        "attachments": attachments,
        "status": row.status,
        "attempts": row.attempts,
        "next_at_ms": row.next_at_ms,
        "last_error": row.last_error,
        "created_at_ms": row.created_at_ms,
        "sent_at_ms": row.sent_at_ms,
    })
}

/// `GET /tickets/{id}/notifications`: what was sent about the ticket and how it ended, and the
/// messages the citizen sent.
async fn for_ticket(
    State(deps): State<ApiDeps>,
    me: Authed,
    Id(id): Id,
) -> Result<Json<Value>, ApiError> {
    me.require(Capability::ViewTickets)?;
    me.own_department()?;
    let actor = me.actor();
    let (rows, messages) = with_store(&deps, move |store| {
        visible(store, &actor, id)?;
        Ok((store.ticket_notifications(id)?, store.ticket_messages(id)?))
    })
    .await?;
    let notifications: Vec<Value> = rows.iter().map(view).collect();
    Ok(Json(
        json!({ "notifications": notifications, "messages": messages }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContactRequest {
    #[serde(default)]
    email: String,
    #[serde(default)]
    sms: String,
    #[serde(default)]
    language: String,
}

/// `PUT /departments/{id}/contact`: where the department's notices go.
async fn set_contact(
    State(deps): State<ApiDeps>,
    me: Authed,
    Id(id): Id,
    Body(req): Body<ContactRequest>,
) -> Result<Json<DepartmentContact>, ApiError> {
    me.require(Capability::Administration)?;
    if !req.email.is_empty() && req.email.parse::<lettre::message::Mailbox>().is_err() {
        return Err(ApiError::bad_request(format!(
            "\"{}\" is not an e-mail address",
            req.email
        )));
    }
    let contact = DepartmentContact {
        department_id: id,
        email: req.email,
        sms: req.sms,
        language: req.language,
    };
    let saved = contact.clone();
    with_store(&deps, move |store| {
        Ok(store.set_department_contact(&contact)?)
    })
    .await?;
    Ok(Json(saved))
}

/// `GET /departments/{id}/contact`
async fn contact(
    State(deps): State<ApiDeps>,
    me: Authed,
    Id(id): Id,
) -> Result<Json<DepartmentContact>, ApiError> {
    me.require(Capability::Administration)?;
    let row = with_store(&deps, move |store| Ok(store.department_contact(id)?)).await?;
    Ok(Json(row.unwrap_or(DepartmentContact {
        department_id: id,
        ..DepartmentContact::default()
    })))
}

/// `GET /notify/templates`: the rows edited in the database (the files are in assets).
async fn templates(State(deps): State<ApiDeps>, me: Authed) -> Result<Json<Value>, ApiError> {
    me.require(Capability::Administration)?;
    let rows = with_store(&deps, move |store| Ok(store.notify_templates()?)).await?;
    Ok(Json(json!({ "templates": rows })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateRequest {
    event: String,
    language: String,
    #[serde(default)]
    sms: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    html: String,
}

/// `PUT /notify/templates`: edits one event's template in one language; checked first.
async fn put_template(
    State(deps): State<ApiDeps>,
    me: Authed,
    Body(req): Body<TemplateRequest>,
) -> Result<Json<Value>, ApiError> {
    me.require(Capability::Administration)?;
    if Event::parse(&req.event).is_none() {
        return Err(ApiError::bad_request(format!(
            "unknown event \"{}\"",
            req.event
        )));
    }
    if req.language.is_empty() {
        return Err(ApiError::bad_request("the language is empty"));
    }
    for (field, text) in [
        ("sms", &req.sms),
        ("subject", &req.subject),
        ("text", &req.text),
        ("html", &req.html),
    ] {
        template::check(text).map_err(|e| ApiError::bad_request(format!("{field}: {e}")))?;
    }
    let row = TemplateRow {
        event: req.event,
        language: req.language,
        sms: req.sms,
        subject: req.subject,
        text: req.text,
        html: req.html,
    };
    let now = now_ms(&deps);
    let saved = row.clone();
    with_store(
        &deps,
        move |store| Ok(store.put_notify_template(&row, now)?),
    )
    .await?;
    Ok(Json(json!({ "template": saved })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SendKnowledgeRequest {
    /// `sms` or `email`.
    channel: String,
    to: String,
    /// The ticket the item answers: the notification is listed on it.
    #[serde(default)]
    ticket: Option<i64>,
    /// `""` = `[notify] default_language`.
    #[serde(default)]
    language: String,
}

/// `POST /knowledge/{id}/send`: an agent sends a knowledge-base item (office guide, policy)
/// to a citizen by SMS, or by e-mail with the item attached as a text file (A8).
async fn send_knowledge(
    State(deps): State<ApiDeps>,
    me: Authed,
    Id(id): Id,
    Body(req): Body<SendKnowledgeRequest>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    me.require(Capability::CallerData)?;
    let ctx = deps.ctx.clone();
    let config = &ctx.config;
    let configured = match req.channel.as_str() {
        "sms" => !config.notify.sms.url.is_empty(),
        "email" => {
            if req.to.parse::<lettre::message::Mailbox>().is_err() {
                return Err(ApiError::bad_request(format!(
                    "\"{}\" is not an e-mail address",
                    req.to
                )));
            }
            !config.notify.smtp.host.is_empty()
        }
        other => {
            return Err(ApiError::bad_request(format!(
                "channel \"{other}\": sms or email"
            )));
        }
    };
    if !configured {
        return Err(ApiError::bad_request(format!(
            "no {} channel is configured ([notify])",
            req.channel
        )));
    }
    if req.to.trim().is_empty() {
        return Err(ApiError::bad_request("no recipient"));
    }
    let actor = me.actor();
    let now = now_ms(&deps);
    let outbox = with_store(&deps, move |store| {
        let config = &ctx.config;
        let hotline = match req.ticket {
            Some(t) => {
                visible(store, &actor, t)?;
                store
                    .ticket(t)?
                    .and_then(|t| t.number.split('-').next().map(str::to_owned))
                    .unwrap_or_default()
            }
            None => config.profile_for_dnis("").name.clone(),
        };
        let item = store
            .knowledge(id)?
            .ok_or_else(|| ApiError::not_found(format!("knowledge item {id} not found")))?;
        let language = if req.language.is_empty() {
            config.notify.default_language.clone()
        } else {
            req.language.clone()
        };
        let info = crate::notify::information::InfoRequest {
            channel: &req.channel,
            to: &req.to,
            language: &language,
            hotline: &hotline,
            ticket_id: req.ticket,
        };
        Ok(crate::notify::information::send(
            store, config, &item, &info, now,
        )?)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(json!({ "notification": outbox }))))
}
