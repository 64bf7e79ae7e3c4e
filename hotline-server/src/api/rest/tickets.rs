//! `/tickets`: filing, reading, listing and searching, workflow transitions, history.
//!
//! Department users see only tickets dispatched to their department (as lead or co-handler);
//! another department's ticket answers 404, so its existence does not leak.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use hotline_protocol::Capability;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::session::Authed;
use super::{ApiError, Body, Id, Params, Rules, now_ms, with_store};
use crate::api::ApiDeps;
use crate::store::{HistoryRow, TicketDraft, TicketFilter, TicketRow, TicketStateDoc};
use crate::tickets::{
    Channel, Pin, Status, TicketState, TicketType, Urgency, WorkflowAction, can_see,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRequest {
    #[serde(rename = "type")]
    ticket_type: TicketType,
    #[serde(default = "phone")]
    channel: Channel,
    category: String,
    #[serde(default = "normal")]
    urgency: Urgency,
    subject: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    caller_id: Option<i64>,
    #[serde(default)]
    caller_number: String,
    #[serde(default)]
    call_id: Option<String>,
    /// Default: the default profile of the configuration.
    #[serde(default)]
    profile: Option<String>,
    /// Tickets to link (关联工单), by id or number.
    #[serde(default)]
    related: Vec<RelatedRef>,
}

/// A ticket named by its id or its number.
#[derive(Deserialize)]
#[serde(untagged)]
enum RelatedRef {
    Id(i64),
    Number(String),
}

impl RelatedRef {
    fn text(&self) -> String {
        match self {
            RelatedRef::Id(id) => id.to_string(),
            RelatedRef::Number(n) => n.clone(),
        }
    }
}

fn phone() -> Channel {
    Channel::Phone
}

fn normal() -> Urgency {
    Urgency::Normal
}

/// A ticket as the API shows it.
#[derive(Serialize)]
pub struct TicketView {
    id: i64,
    number: String,
    #[serde(rename = "type")]
    ticket_type: TicketType,
    channel: Channel,
    category: String,
    urgency: Urgency,
    status: Status,
    subject: String,
    description: String,
    address: String,
    region: String,
    caller_id: Option<i64>,
    caller_number: String,
    lead_department_id: Option<i64>,
    co_handlers: Vec<i64>,
    supervised: bool,
    instruction: String,
    due_at_ms: Option<i64>,
    overdue: bool,
    created_at_ms: i64,
    updated_at_ms: i64,
    created_by: String,
    version: i64,
    workflow: TicketStateDoc,
}

impl TicketView {
    fn new(t: &TicketRow, now_ms: i64) -> Self {
        let s = &t.state;
        Self {
            id: t.id,
            number: t.number.clone(),
            ticket_type: s.ticket_type,
            channel: s.channel,
            category: s.category.clone(),
            urgency: s.urgency,
            status: s.status,
            subject: t.subject.clone(),
            description: t.description.clone(),
            address: t.address.clone(),
            region: t.region.clone(),
            caller_id: t.caller_id,
            caller_number: t.caller_number.clone(),
            lead_department_id: t.lead_department_id,
            co_handlers: t.co_handlers.clone(),
            supervised: t.supervised,
            instruction: t.instruction.clone(),
            due_at_ms: t.due_at_ms,
            overdue: s.status.with_department() && t.due_at_ms.is_some_and(|d| d < now_ms),
            created_at_ms: t.created_at_ms,
            updated_at_ms: t.updated_at_ms,
            created_by: t.created_by.clone(),
            version: t.version,
            workflow: TicketStateDoc::from(s),
        }
    }
}

/// `POST /tickets`: agents and supervisors file (受理). Answers the ticket and its PIN.
pub async fn file(
    State(deps): State<ApiDeps>,
    Extension(rules): Extension<Arc<Rules>>,
    me: Authed,
    Body(req): Body<FileRequest>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    me.require(Capability::EditTickets)?;
    let config = &deps.ctx.config;
    let profile = match req.profile {
        Some(p) if config.profiles.iter().any(|c| c.name == p) => p,
        Some(p) => return Err(ApiError::bad_request(format!("unknown profile \"{p}\""))),
        None => config.profile_for_dnis("").name.clone(),
    };
    let deadlines = rules.deadlines(config)?;
    if deadlines.categories.find(&req.category).is_none() {
        return Err(ApiError::bad_request(format!(
            "unknown category \"{}\"",
            req.category
        )));
    }
    let draft = TicketDraft {
        profile,
        ticket_type: req.ticket_type,
        channel: req.channel,
        limit: deadlines.limit_for(&req.category, req.ticket_type, req.urgency),
        category: req.category,
        urgency: req.urgency,
        subject: req.subject,
        description: req.description,
        address: req.address,
        region: req.region,
        caller_id: req.caller_id,
        caller_number: req.caller_number,
        call_id: req.call_id,
    };
    let actor = me.actor();
    let now = (deps.ctx.clock)();
    let tz = config.server.tz();
    let pin = Pin::from_random(rand::random());
    let config = deps.ctx.config.clone();
    let related: Vec<String> = req.related.iter().map(RelatedRef::text).collect();
    let filed = with_store(&deps, move |store| {
        // An unknown related ticket refuses the request before anything is filed.
        let related = store.resolve_tickets(&related)?;
        let filed = store.create_ticket(&draft, &actor, pin, &tz, now)?;
        store.link_tickets(
            filed.ticket.id,
            &related,
            &actor.user.0,
            now.as_millisecond(),
        )?;
        super::notifications::after_filing(store, &config, &filed, now);
        Ok(filed)
    })
    .await?;
    let mut body = serde_json::to_value(TicketView::new(&filed.ticket, now.as_millisecond()))
        .map_err(|e| ApiError::internal(&e))?;
    // The only time the PIN is shown: only its hash is kept.
    body["pin"] = json!(filed.pin.as_str());
    Ok((StatusCode::CREATED, Json(body)))
}

/// Loads a ticket the user may see; 404 otherwise.
pub(super) fn visible(
    store: &crate::store::Store,
    me_actor: &crate::tickets::Actor,
    id: i64,
) -> Result<TicketRow, ApiError> {
    store
        .ticket(id)?
        .filter(|t| can_see(me_actor, &t.state))
        .ok_or_else(|| ApiError::not_found(format!("ticket {id} not found")))
}

/// `GET /tickets/{id}`
pub async fn get(
    State(deps): State<ApiDeps>,
    me: Authed,
    Id(id): Id,
) -> Result<Json<Value>, ApiError> {
    me.require(Capability::ViewTickets)?;
    me.own_department()?;
    let actor = me.actor();
    let (ticket, calls, attachments, links) = with_store(&deps, move |store| {
        let t = visible(store, &actor, id)?;
        let calls = store.ticket_calls(id)?;
        let attachments = store.attachments(id)?;
        let links = store.ticket_links(id)?;
        Ok((t, calls, attachments, links))
    })
    .await?;
    let mut body = serde_json::to_value(TicketView::new(&ticket, now_ms(&deps)))
        .map_err(|e| ApiError::internal(&e))?;
    body["calls"] = json!(calls);
    body["attachments"] = json!(attachments);
    body["links"] = json!(links);
    Ok(Json(body))
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct ListParams {
    q: Option<String>,
    /// Comma-separated.
    status: Option<String>,
    #[serde(rename = "type")]
    ticket_type: Option<String>,
    category: Option<String>,
    department: Option<i64>,
    from: Option<String>,
    to: Option<String>,
    overdue: Option<bool>,
    caller_number: Option<String>,
    limit: Option<usize>,
    offset: Option<usize>,
}

/// A time bound: milliseconds, an RFC 3339 instant, or a local date (`to` then means the end
/// of that day).
fn parse_bound(text: &str, tz: &jiff::tz::TimeZone, end_of_day: bool) -> Result<i64, ApiError> {
    if let Ok(ms) = text.parse::<i64>() {
        return Ok(ms);
    }
    if let Ok(t) = text.parse::<Timestamp>() {
        return Ok(t.as_millisecond());
    }
    let bad = || ApiError::bad_request(format!("\"{text}\" is not a date or time"));
    let date: jiff::civil::Date = text.parse().map_err(|_| bad())?;
    let day = if end_of_day {
        date.tomorrow().map_err(|_| bad())?
    } else {
        date
    };
    let zoned = day.to_zoned_datetime(tz.clone()).map_err(|_| bad())?;
    Ok(zoned.timestamp().as_millisecond())
}

/// `GET /tickets?q=&status=&type=&category=&department=&from=&to=&overdue=`
pub async fn list(
    State(deps): State<ApiDeps>,
    me: Authed,
    Params(p): Params<ListParams>,
) -> Result<Json<Value>, ApiError> {
    me.require(Capability::ViewTickets)?;
    let tz = deps.ctx.config.server.tz();
    let now = now_ms(&deps);
    let statuses = p
        .status
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<Status>()
                .map_err(|e| ApiError::bad_request(e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let ticket_type = p
        .ticket_type
        .as_deref()
        .filter(|t| !t.is_empty())
        .map(|t| {
            t.parse::<TicketType>()
                .map_err(|e| ApiError::bad_request(e.to_string()))
        })
        .transpose()?;
    let department = match me.own_department()? {
        Some(own) if p.department.is_some_and(|d| d != own) => {
            return Err(ApiError::forbidden(
                "a department user lists only its own department's tickets",
            ));
        }
        Some(own) => Some(own),
        None => p.department,
    };
    let filter = TicketFilter {
        q: p.q,
        statuses,
        ticket_type,
        category: p.category,
        department,
        from_ms: p
            .from
            .as_deref()
            .map(|f| parse_bound(f, &tz, false))
            .transpose()?,
        to_ms: p
            .to
            .as_deref()
            .map(|t| parse_bound(t, &tz, true))
            .transpose()?,
        overdue_at_ms: p.overdue.filter(|o| *o).map(|_| now),
        caller_number: p.caller_number,
        limit: p.limit,
        offset: p.offset.unwrap_or(0),
    };
    let hits = with_store(&deps, move |store| Ok(store.search_tickets(&filter)?)).await?;
    let tickets: Vec<Value> = hits
        .iter()
        .map(|h| {
            let mut v =
                serde_json::to_value(TicketView::new(&h.ticket, now)).unwrap_or(Value::Null);
            v["exact"] = json!(h.exact);
            v
        })
        .collect();
    Ok(Json(json!({ "count": tickets.len(), "tickets": tickets })))
}

/// `POST /tickets/{id}/transitions`: the body is a workflow action (`{"action": "accept"}`),
/// optionally with `expected_version` to refuse a step taken on a stale view (409).
pub async fn transition(
    State(deps): State<ApiDeps>,
    Extension(rules): Extension<Arc<Rules>>,
    me: Authed,
    Id(id): Id,
    Body(mut body): Body<Value>,
) -> Result<Json<Value>, ApiError> {
    me.require(Capability::ViewTickets)?;
    me.own_department()?;
    let expected_version = match body
        .as_object_mut()
        .and_then(|o| o.remove("expected_version"))
    {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_i64()
                .ok_or_else(|| ApiError::bad_request("expected_version must be an integer"))?,
        ),
    };
    let action: WorkflowAction =
        serde_json::from_value(body).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let deadlines = rules.deadlines(&deps.ctx.config)?;
    let actor = me.actor();
    let now = (deps.ctx.clock)();
    let config = deps.ctx.config.clone();
    let applied = with_store(&deps, move |store| {
        let due = |s: &TicketState| deadlines.due_at(s).ok().flatten();
        let applied = store.apply_transition(id, &actor, &action, now, expected_version, &due)?;
        super::notifications::after_transition(store, &config, &deadlines, &applied, now);
        Ok(applied)
    })
    .await?;
    let effects: Vec<String> = applied.effects.iter().map(|e| format!("{e:?}")).collect();
    let ticket = TicketView::new(&applied.ticket, now.as_millisecond());
    Ok(Json(json!({ "ticket": ticket, "effects": effects })))
}

/// `GET /tickets/{id}/history`
pub async fn history(
    State(deps): State<ApiDeps>,
    me: Authed,
    Id(id): Id,
) -> Result<Json<Value>, ApiError> {
    me.require(Capability::ViewTickets)?;
    me.own_department()?;
    let actor = me.actor();
    let rows: Vec<HistoryRow> = with_store(&deps, move |store| {
        visible(store, &actor, id)?;
        Ok(store.ticket_history(id)?)
    })
    .await?;
    Ok(Json(json!({ "history": rows })))
}
