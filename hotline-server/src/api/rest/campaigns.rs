//! `/campaigns`: follow-up (回访) and survey campaigns by outbound call. A supervisor creates
//! one from a ticket query (or a list of tickets); the campaign task calls each citizen, with an
//! IVR survey (`connect: "survey"`, the default) or through an agent of a queue
//! (`connect: "agent"`). The calls and their results show on the campaign and on each ticket
//! (`GET /tickets/{id}/follow-ups`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use hotline_protocol::Capability;
use serde::Deserialize;
use serde_json::{Value, json};

use super::session::Authed;
use super::tickets::visible;
use super::{ApiError, Body, Id, now_ms, with_store};
use crate::api::ApiDeps;
use crate::campaign::policy::Window;
use crate::store::{NewCampaign, TicketFilter};
use crate::tickets::Status;

pub fn routes() -> Router<ApiDeps> {
    Router::new()
        .route("/campaigns", post(create))
        .route("/campaigns/{id}", get(show))
        .route("/tickets/{id}/follow-ups", get(for_ticket))
}

/// Which tickets to call about (their caller numbers).
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct TicketQuery {
    /// Statuses, e.g. `["replied"]` for the follow-up visit.
    status: Vec<Status>,
    category: Option<String>,
    department: Option<i64>,
    from_ms: Option<i64>,
    to_ms: Option<i64>,
    limit: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateRequest {
    name: String,
    /// Ticket ids to call about.
    #[serde(default)]
    tickets: Vec<i64>,
    /// Or a ticket query.
    #[serde(default)]
    query: Option<TicketQuery>,
    /// The IVR flow (default `[campaign] survey_flow`).
    #[serde(default)]
    flow: Option<String>,
    #[serde(default)]
    max_attempts: Option<u32>,
    #[serde(default)]
    retry_secs: Option<u64>,
    /// Local `HH:MM`.
    #[serde(default)]
    window_start: Option<String>,
    #[serde(default)]
    window_end: Option<String>,
    /// `follow_up` (default) or `survey`: the keypad answer is recorded.
    #[serde(default)]
    purpose: Option<String>,
    /// `survey` (default: the IVR flow asks) or `agent` (an agent of `queue` talks).
    #[serde(default)]
    connect: Option<String>,
    /// With `connect: "agent"`: the queue whose agents take the calls (default `general`).
    #[serde(default)]
    queue: Option<String>,
}

/// `POST /campaigns`: answers the campaign and how many citizens it will call.
async fn create(
    State(deps): State<ApiDeps>,
    me: Authed,
    Body(req): Body<CreateRequest>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    me.require(Capability::Monitoring)?;
    let defaults = &deps.ctx.config.campaign;
    let mode = req.connect.as_deref().unwrap_or("survey");
    let (flow, queue) = match mode {
        "survey" => {
            if req.queue.is_some() {
                return Err(ApiError::bad_request(
                    "queue goes with connect \"agent\" only",
                ));
            }
            let flow = req.flow.unwrap_or_else(|| defaults.survey_flow.clone());
            if deps.ctx.flows.get(&flow).is_none() {
                return Err(ApiError::bad_request(format!("no IVR flow \"{flow}\"")));
            }
            (flow, String::new())
        }
        "agent" => {
            if req.flow.is_some() {
                return Err(ApiError::bad_request(
                    "an agent talks to the citizen: no flow with connect \"agent\"",
                ));
            }
            let queue = req
                .queue
                .unwrap_or_else(|| crate::campaign::agent::DEFAULT_QUEUE.to_owned());
            if !deps.ctx.config.acd.queues.iter().any(|q| q.name == queue) {
                return Err(ApiError::bad_request(format!("no queue \"{queue}\"")));
            }
            (String::new(), queue)
        }
        other => {
            return Err(ApiError::bad_request(format!(
                "connect \"{other}\": survey or agent"
            )));
        }
    };
    let mode = mode.to_owned();
    let start = req
        .window_start
        .unwrap_or_else(|| defaults.window_start.clone());
    let end = req
        .window_end
        .unwrap_or_else(|| defaults.window_end.clone());
    let window = Window::parse(&start, &end).ok_or_else(|| {
        ApiError::bad_request(format!(
            "calling window {start}–{end}: two HH:MM times, the first earlier"
        ))
    })?;
    if let Some(p) = req.purpose.as_deref()
        && !matches!(p, "follow_up" | "survey")
    {
        return Err(ApiError::bad_request(format!(
            "purpose \"{p}\": follow_up or survey (dispatch orders start from dispatching)"
        )));
    }
    let campaign = NewCampaign {
        name: req.name,
        mode,
        flow,
        agent: queue,
        max_attempts: req.max_attempts.unwrap_or(defaults.max_attempts).max(1),
        retry_secs: i64::try_from(req.retry_secs.unwrap_or(defaults.retry_secs))
            .unwrap_or(i64::MAX),
        window_start: window.start_min,
        window_end: window.end_min,
        created_by: me.actor().user.as_str().to_owned(),
        purpose: req.purpose.unwrap_or_else(|| "follow_up".into()),
    };
    let actor = me.actor();
    let now = now_ms(&deps);
    let (row, count) = with_store(&deps, move |store| {
        let mut tickets = Vec::new();
        for id in req.tickets {
            tickets.push(visible(store, &actor, id)?);
        }
        if let Some(q) = req.query {
            let filter = TicketFilter {
                statuses: q.status,
                category: q.category,
                department: q.department,
                from_ms: q.from_ms,
                to_ms: q.to_ms,
                limit: Some(q.limit.unwrap_or(1000)),
                ..TicketFilter::default()
            };
            tickets.extend(store.search_tickets(&filter)?.into_iter().map(|h| h.ticket));
        }
        let mut targets: Vec<(Option<i64>, String)> = tickets
            .into_iter()
            .filter(|t| !t.caller_number.trim().is_empty())
            .map(|t| (Some(t.id), t.caller_number))
            .collect();
        targets.sort();
        targets.dedup();
        if targets.is_empty() {
            return Err(ApiError::bad_request(
                "no ticket with a caller number to call",
            ));
        }
        let row = store.create_campaign(&campaign, &targets, now)?;
        Ok((row, targets.len()))
    })
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "campaign": row, "targets": count })),
    ))
}

/// `GET /campaigns/{id}`: the campaign and each citizen's attempts, result and answer.
async fn show(
    State(deps): State<ApiDeps>,
    me: Authed,
    Id(id): Id,
) -> Result<Json<Value>, ApiError> {
    me.require(Capability::Monitoring)?;
    let (campaign, targets) = with_store(&deps, move |store| {
        let c = store
            .campaign(id)?
            .ok_or_else(|| ApiError::not_found(format!("campaign {id} not found")))?;
        Ok((c, store.campaign_targets(id)?))
    })
    .await?;
    Ok(Json(json!({ "campaign": campaign, "targets": targets })))
}

/// `GET /tickets/{id}/follow-ups`: the campaign calls about a ticket with their results.
async fn for_ticket(
    State(deps): State<ApiDeps>,
    me: Authed,
    Id(id): Id,
) -> Result<Json<Value>, ApiError> {
    me.require(Capability::ViewTickets)?;
    me.own_department()?;
    let actor = me.actor();
    let calls = with_store(&deps, move |store| {
        visible(store, &actor, id)?;
        Ok(store.ticket_campaign_calls(id)?)
    })
    .await?;
    Ok(Json(json!({ "calls": calls })))
}
