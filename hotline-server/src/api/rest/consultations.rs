//! `/consultations`: consultations the agent could not answer on the call (待答咨询). The
//! centre's own work: agents and supervisors hold them with a callback number, answer them
//! (from the knowledge base or in their own words, which is the ticket's reply) and record
//! the callback. Departments have no part in it.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use hotline_protocol::Capability;
use serde::Deserialize;
use serde_json::{Value, json};

use super::session::Authed;
use super::{ApiError, Body, Id, Params, Rules, now_ms, with_store};
use crate::api::ApiDeps;
use crate::store::{ConsultationAnswer, ConsultationRow};
use crate::tickets::TicketState;
use crate::tickets::consultation::{CallbackResult, PendingStatus};

/// How many knowledge-base items are suggested for one question.
const SUGGESTIONS: usize = 5;

fn require_centre(me: &Authed) -> Result<(), ApiError> {
    me.require(Capability::CallerData)?;
    if me.is_department() {
        return Err(ApiError::forbidden(
            "pending consultations are the centre's work",
        ));
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hold {
    ticket_id: i64,
    callback: String,
    #[serde(default)]
    question: Option<String>,
}

/// `POST /consultations`: holds a consultation ticket as pending.
pub async fn hold(
    State(deps): State<ApiDeps>,
    me: Authed,
    Body(body): Body<Hold>,
) -> Result<(StatusCode, Json<ConsultationRow>), ApiError> {
    require_centre(&me)?;
    let now = now_ms(&deps);
    let by = me.user.name.clone();
    let row = with_store(&deps, move |store| {
        Ok(store.hold_consultation(
            body.ticket_id,
            body.question.as_deref(),
            &body.callback,
            &by,
            now,
        )?)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(row)))
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct ListParams {
    status: Option<String>,
    /// Waiting consultations this knowledge-base item may answer, best first.
    knowledge: Option<i64>,
    limit: Option<usize>,
}

/// `GET /consultations?status=waiting|answered|done` (oldest first), or
/// `GET /consultations?knowledge=ID` (the waiting ones an item may answer).
pub async fn list(
    State(deps): State<ApiDeps>,
    me: Authed,
    Params(p): Params<ListParams>,
) -> Result<Json<Value>, ApiError> {
    require_centre(&me)?;
    let status = match p.status.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(
            PendingStatus::parse(s)
                .ok_or_else(|| ApiError::bad_request(format!("unknown status \"{s}\"")))?,
        ),
        None => None,
    };
    let limit = p.limit.unwrap_or(100).min(1_000);
    let listed = with_store(&deps, move |store| {
        let Some(item_id) = p.knowledge else {
            let rows = store.consultations(status, limit)?;
            return Ok(rows.into_iter().map(|r| json!(r)).collect::<Vec<_>>());
        };
        let item = store
            .knowledge(item_id)?
            .ok_or_else(|| ApiError::not_found(format!("knowledge item {item_id} not found")))?;
        let scored = store.consultations_for_item(&item, limit)?;
        Ok(scored
            .into_iter()
            .map(|(row, score)| {
                let mut v = json!(row);
                v["score"] = json!(score);
                v
            })
            .collect())
    })
    .await?;
    Ok(Json(
        json!({ "count": listed.len(), "consultations": listed }),
    ))
}

/// `GET /consultations/{ticket}`: the entry with knowledge-base items that may answer it.
pub async fn get(
    State(deps): State<ApiDeps>,
    me: Authed,
    Id(id): Id,
) -> Result<Json<Value>, ApiError> {
    require_centre(&me)?;
    let (row, items) = with_store(&deps, move |store| {
        let row = store.consultation(id)?.ok_or_else(|| {
            ApiError::not_found(format!("no pending consultation for ticket {id}"))
        })?;
        let items = store.items_for_question(&row.question, SUGGESTIONS)?;
        Ok((row, items))
    })
    .await?;
    let suggestions: Vec<Value> = items
        .into_iter()
        .map(|(id, title, score)| json!({ "id": id, "title": title, "score": score }))
        .collect();
    let mut body = json!(row);
    body["suggestions"] = json!(suggestions);
    Ok(Json(body))
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Answer {
    knowledge_id: Option<i64>,
    text: Option<String>,
}

/// `POST /consultations/{ticket}/answer`: the reply, from an item's reference answer or text.
pub async fn answer(
    State(deps): State<ApiDeps>,
    Extension(rules): Extension<Arc<Rules>>,
    me: Authed,
    Id(id): Id,
    Body(body): Body<Answer>,
) -> Result<Json<ConsultationRow>, ApiError> {
    require_centre(&me)?;
    let deadlines = rules.deadlines(&deps.ctx.config)?;
    let actor = me.actor();
    let now = (deps.ctx.clock)();
    let config = deps.ctx.config.clone();
    let answer = ConsultationAnswer {
        knowledge_id: body.knowledge_id,
        text: body.text,
    };
    let row = with_store(&deps, move |store| {
        let due = |s: &TicketState| deadlines.due_at(s).ok().flatten();
        let (row, applied) = store.answer_consultation(id, &answer, &actor, now, &due)?;
        // The citizen hears of the reply the same way as for any other reply.
        super::notifications::after_transition(store, &config, &deadlines, &applied, now);
        Ok(row)
    })
    .await?;
    Ok(Json(row))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Callback {
    result: String,
}

/// `POST /consultations/{ticket}/callback`: one callback attempt and its result.
pub async fn callback(
    State(deps): State<ApiDeps>,
    me: Authed,
    Id(id): Id,
    Body(body): Body<Callback>,
) -> Result<Json<ConsultationRow>, ApiError> {
    require_centre(&me)?;
    let result = CallbackResult::parse(&body.result).ok_or_else(|| {
        ApiError::bad_request(format!(
            "unknown result \"{}\" (reached, no_answer, busy, wrong_number)",
            body.result
        ))
    })?;
    let max = deps.ctx.config.tickets.consultation_callback_attempts;
    let now = now_ms(&deps);
    let by = me.user.name.clone();
    let row = with_store(&deps, move |store| {
        Ok(store.record_consultation_callback(id, result, max, &by, now)?)
    })
    .await?;
    Ok(Json(row))
}
