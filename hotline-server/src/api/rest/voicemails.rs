//! `/voicemails`: the inbox of messages left by phone (24-hour voicemail, 局长信箱, recorded
//! complaints; C3). Agents and supervisors list them, fetch the audio to play at the
//! workstation, mark them handled (audited) and tie them to a ticket.
//!
//! The IVR already files each message as a ticket; `POST /voicemails/{id}/ticket` is for a
//! message without one (or to move it to the ticket it really belongs to).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use hotline_protocol::Role;
use serde::Deserialize;
use serde_json::{Value, json};

use super::session::Authed;
use super::{ApiError, Body, Id, Params, Rules, now_ms, with_store};
use crate::api::ApiDeps;
use crate::store::{AuditEntry, TicketDraft, VOICEMAIL_STATUSES, VoicemailQuery, VoicemailRow};
use crate::tickets::{Channel, Pin, TicketType, Urgency};

/// `audit_log.action` of marking a message handled.
pub const HANDLED_ACTION: &str = "voicemail_handled";

const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 500;
/// 8 kHz 16-bit mono: bytes of audio per millisecond, and the plain WAV header.
const BYTES_PER_MS: u64 = 16;
const WAV_HEADER: u64 = 44;

pub fn routes() -> Router<ApiDeps> {
    Router::new()
        .route("/voicemails", get(list))
        .route("/voicemails/{id}", get(one))
        .route("/voicemails/{id}/audio", get(audio))
        .route("/voicemails/{id}/handled", post(handled))
        .route("/voicemails/{id}/ticket", post(ticket))
}

/// The inbox is the call centre's: agents, supervisors and admins.
fn require_centre(me: &Authed) -> Result<(), ApiError> {
    match me.user.role {
        Role::Agent | Role::Supervisor | Role::Admin => Ok(()),
        _ => Err(ApiError::forbidden(
            "the voicemail inbox is for agents and supervisors",
        )),
    }
}

/// A recording's file: stored paths are absolute, or relative to the data directory.
fn part_path(data_dir: &Path, path: &str) -> PathBuf {
    let p = Path::new(path);
    if p.is_absolute() {
        p.to_owned()
    } else {
        data_dir.join(p)
    }
}

/// The message as JSON, with each part's length from its file size (0 if the file is gone).
fn view(v: &VoicemailRow, data_dir: &Path) -> Value {
    let lengths: Vec<u64> = v
        .parts
        .iter()
        .map(|p| {
            std::fs::metadata(part_path(data_dir, &p.path))
                .map_or(0, |m| m.len().saturating_sub(WAV_HEADER) / BYTES_PER_MS)
        })
        .collect();
    let parts: Vec<Value> = v
        .parts
        .iter()
        .zip(&lengths)
        .enumerate()
        .map(|(i, (p, ms))| json!({"index": i, "label": p.label, "duration_ms": ms}))
        .collect();
    let mut body = serde_json::to_value(v).unwrap_or(Value::Null);
    body["parts"] = Value::from(parts);
    body["duration_ms"] = json!(lengths.iter().sum::<u64>());
    body
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct ListParams {
    /// Comma-separated: new, heard, answered.
    status: Option<String>,
    kind: Option<String>,
    limit: Option<usize>,
    offset: Option<usize>,
}

/// `GET /voicemails?status=&kind=&limit=&offset=`: newest first, with `total` for paging.
async fn list(
    State(deps): State<ApiDeps>,
    me: Authed,
    Params(p): Params<ListParams>,
) -> Result<Json<Value>, ApiError> {
    require_centre(&me)?;
    let statuses: Vec<String> = p
        .status
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if let Some(bad) = statuses
        .iter()
        .find(|s| !VOICEMAIL_STATUSES.contains(&s.as_str()))
    {
        return Err(ApiError::bad_request(format!("unknown status \"{bad}\"")));
    }
    let kind = p.kind.filter(|k| !k.is_empty());
    if let Some(k) = &kind
        && crate::store::MessageKind::parse(k).is_none()
    {
        return Err(ApiError::bad_request(format!("unknown kind \"{k}\"")));
    }
    let query = VoicemailQuery {
        statuses,
        kind,
        limit: p.limit.unwrap_or(DEFAULT_LIMIT).min(MAX_LIMIT),
        offset: p.offset.unwrap_or(0),
    };
    let data_dir = deps.ctx.config.server.data_dir.clone();
    let body = with_store(&deps, move |store| {
        let (rows, total) = store.voicemails(&query)?;
        let list: Vec<Value> = rows.iter().map(|v| view(v, &data_dir)).collect();
        Ok(json!({"voicemails": list, "total": total}))
    })
    .await?;
    Ok(Json(body))
}

fn found(row: Option<VoicemailRow>, id: i64) -> Result<VoicemailRow, ApiError> {
    row.ok_or_else(|| ApiError::not_found(format!("voicemail {id} not found")))
}

/// `GET /voicemails/{id}`
async fn one(State(deps): State<ApiDeps>, me: Authed, Id(id): Id) -> Result<Json<Value>, ApiError> {
    require_centre(&me)?;
    let data_dir = deps.ctx.config.server.data_dir.clone();
    let body = with_store(&deps, move |store| {
        Ok(view(&found(store.voicemail(id)?, id)?, &data_dir))
    })
    .await?;
    Ok(Json(body))
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct AudioParams {
    /// One part by index; all parts one after the other when absent.
    part: Option<usize>,
}

/// `GET /voicemails/{id}/audio?part=`: `audio/wav`, 8 kHz mono. The first listen marks the
/// message heard.
async fn audio(
    State(deps): State<ApiDeps>,
    me: Authed,
    Id(id): Id,
    Params(p): Params<AudioParams>,
) -> Result<Response, ApiError> {
    require_centre(&me)?;
    let data_dir = deps.ctx.config.server.data_dir.clone();
    let user = me.user.name.clone();
    let now = now_ms(&deps);
    let wav = with_store(&deps, move |store| {
        let v = found(store.voicemail(id)?, id)?;
        let parts: Vec<_> =
            match p.part {
                Some(i) => vec![v.parts.get(i).ok_or_else(|| {
                    ApiError::not_found(format!("voicemail {id} has no part {i}"))
                })?],
                None => v.parts.iter().collect(),
            };
        if parts.is_empty() {
            return Err(ApiError::not_found(format!(
                "voicemail {id} has no recording"
            )));
        }
        let mut samples = Vec::new();
        for part in parts {
            let bytes = std::fs::read(part_path(&data_dir, &part.path))
                .map_err(|e| ApiError::not_found(format!("recording of voicemail {id}: {e}")))?;
            let pcm =
                hotline_media::read_wav_8k_mono(&bytes).map_err(|e| ApiError::internal(&e))?;
            samples.extend_from_slice(&pcm);
        }
        store.mark_voicemail_heard(id, &user, now)?;
        Ok(hotline_media::wav_bytes(&samples, 8000, 1))
    })
    .await?;
    Ok(([(header::CONTENT_TYPE, "audio/wav")], wav).into_response())
}

/// `POST /voicemails/{id}/handled`: status `answered`, who and when, and an audit entry.
/// Answers the message.
async fn handled(
    State(deps): State<ApiDeps>,
    me: Authed,
    Id(id): Id,
) -> Result<Json<Value>, ApiError> {
    require_centre(&me)?;
    let data_dir = deps.ctx.config.server.data_dir.clone();
    let user = me.user.name.clone();
    let role = me.user.role;
    let now = now_ms(&deps);
    let body = with_store(&deps, move |store| {
        let newly = store.mark_voicemail_handled(id, &user, now)?;
        if newly {
            let entry = AuditEntry::new(now, &user, Some(role), HANDLED_ACTION, &id.to_string());
            store
                .append_audit(&entry)
                .map_err(|e| ApiError::internal(&e))?;
        }
        Ok(view(&found(store.voicemail(id)?, id)?, &data_dir))
    })
    .await?;
    Ok(Json(body))
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct TicketRequest {
    /// Tie the message to this existing ticket instead of making one.
    ticket_id: Option<i64>,
    #[serde(rename = "type")]
    ticket_type: Option<TicketType>,
    category: Option<String>,
    subject: Option<String>,
    description: Option<String>,
}

/// `POST /voicemails/{id}/ticket`: links the message to `ticket_id`, or makes a ticket for a
/// message that has none (409 if it has one). Answers the message and, for a new ticket, its
/// number and PIN.
async fn ticket(
    State(deps): State<ApiDeps>,
    Extension(rules): Extension<Arc<Rules>>,
    me: Authed,
    Id(id): Id,
    Body(req): Body<TicketRequest>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    require_centre(&me)?;
    me.require(hotline_protocol::Capability::EditTickets)?;
    let config = deps.ctx.config.clone();
    let data_dir = config.server.data_dir.clone();
    let now = (deps.ctx.clock)();
    if let Some(ticket_id) = req.ticket_id {
        let body = with_store(&deps, move |store| {
            store.set_voicemail_ticket(id, ticket_id, now.as_millisecond())?;
            Ok(view(&found(store.voicemail(id)?, id)?, &data_dir))
        })
        .await?;
        return Ok((StatusCode::OK, Json(body)));
    }
    let deadlines = rules.deadlines(&config)?;
    let category = req.category.unwrap_or_else(|| "other".to_owned());
    if deadlines.categories.find(&category).is_none() {
        return Err(ApiError::bad_request(format!(
            "unknown category \"{category}\""
        )));
    }
    let actor = me.actor();
    let tz = config.server.tz();
    let pin = Pin::from_random(rand::random());
    let profile = config.profile_for_dnis("").name.clone();
    let (message, filed) = with_store(&deps, move |store| {
        let v = found(store.voicemail(id)?, id)?;
        if let Some(t) = v.ticket_id {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                format!("voicemail {id} already has ticket {t}"),
            ));
        }
        let ticket_type = req.ticket_type.unwrap_or(if v.kind == "director_mail" {
            TicketType::DirectorMail
        } else {
            TicketType::Complaint
        });
        let draft = TicketDraft {
            profile,
            ticket_type,
            channel: Channel::Voicemail,
            limit: deadlines.limit_for(&category, ticket_type, Urgency::Normal),
            category,
            urgency: Urgency::Normal,
            subject: req
                .subject
                .unwrap_or_else(|| format!("留言 {}", v.caller).trim().to_owned()),
            description: req
                .description
                .unwrap_or_else(|| format!("回电号码 / callback: {}", v.callback)),
            address: String::new(),
            region: String::new(),
            caller_id: None,
            caller_number: v.caller.clone(),
            call_id: Some(v.call_id.clone()),
        };
        let filed = store.create_ticket(&draft, &actor, pin, &tz, now)?;
        store.set_voicemail_ticket(id, filed.ticket.id, now.as_millisecond())?;
        Ok((view(&found(store.voicemail(id)?, id)?, &data_dir), filed))
    })
    .await?;
    let body = json!({
        "voicemail": message,
        "ticket": {"id": filed.ticket.id, "number": filed.ticket.number, "pin": filed.pin.as_str()},
    });
    Ok((StatusCode::CREATED, Json(body)))
}
