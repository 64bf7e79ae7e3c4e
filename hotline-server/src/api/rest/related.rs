//! `GET /tickets/related`: tickets that may be the same matter as the one being entered (F10),
//! scored by [`crate::tickets::find_related`] with the reasons.

use axum::Json;
use axum::extract::State;
use hotline_protocol::Capability;
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::{Value, json};

use super::session::Authed;
use super::{ApiError, Params, with_store};
use crate::api::ApiDeps;
use crate::store::{RelatedQuery, RelatedRow};
use crate::tickets::related::normalise_phone;
use crate::tickets::{Candidate, Draft, Reason, RelatedSettings, Status, find_related};

/// The longest look-back allowed.
const MAX_DAYS: u32 = 365;

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct RelatedParams {
    caller: Option<String>,
    address: Option<String>,
    text: Option<String>,
    /// Look-back in days (default 30).
    days: Option<u32>,
    /// Candidates returned (default 10, at most 50).
    limit: Option<usize>,
}

fn reason_json(reason: &Reason) -> Value {
    match reason {
        Reason::SameCaller { days_ago } => json!({"kind": "same_caller", "days_ago": days_ago}),
        Reason::SameAddress => json!({"kind": "same_address"}),
        Reason::NearbyAddress => json!({"kind": "nearby_address"}),
        Reason::SimilarText { similarity } => {
            json!({"kind": "similar_text", "similarity": (similarity * 1000.0).round() / 1000.0})
        }
    }
}

fn candidate(row: &RelatedRow) -> Option<Candidate> {
    Some(Candidate {
        number: row.number.clone(),
        caller: Some(row.caller_number.clone()).filter(|c| !c.is_empty()),
        address: Some(row.address.clone()).filter(|a| !a.is_empty()),
        text: format!("{} {}", row.subject, row.description),
        filed_at: Timestamp::from_millisecond(row.created_at_ms).ok()?,
    })
}

/// `GET /tickets/related?caller=&address=&text=&days=&limit=`
pub async fn related(
    State(deps): State<ApiDeps>,
    me: Authed,
    Params(p): Params<RelatedParams>,
) -> Result<Json<Value>, ApiError> {
    me.require(Capability::EditTickets)?;
    let given = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let (caller, address, text) = (given(p.caller), given(p.address), given(p.text));
    if caller.is_none() && address.is_none() && text.is_none() {
        return Err(ApiError::bad_request(
            "give at least one of caller, address, text",
        ));
    }
    let days = p.days.unwrap_or(30);
    if days == 0 || days > MAX_DAYS {
        return Err(ApiError::bad_request(format!(
            "days must be 1 to {MAX_DAYS}"
        )));
    }
    let now = (deps.ctx.clock)();
    let mut numbers = Vec::new();
    if let Some(c) = &caller {
        numbers.push(c.clone());
        numbers.push(normalise_phone(c));
        numbers.dedup();
    }
    let query = RelatedQuery {
        numbers,
        address: address.clone(),
        text: text.clone(),
        since_ms: now.as_millisecond() - i64::from(days) * 86_400_000,
    };
    let rows = with_store(&deps, move |store| Ok(store.related_candidates(&query)?)).await?;
    let draft = Draft {
        caller,
        address,
        text: text.unwrap_or_default(),
    };
    let settings = RelatedSettings {
        window_days: days,
        max_results: p.limit.unwrap_or(10).clamp(1, 50),
        ..RelatedSettings::default()
    };
    let candidates: Vec<Candidate> = rows.iter().filter_map(candidate).collect();
    let found = find_related(&draft, &candidates, &settings, now);
    let out: Vec<Value> = found
        .iter()
        .filter_map(|r| {
            let row = rows.iter().find(|row| row.number == r.number)?;
            let open = row.status.parse::<Status>().map_or(true, Status::is_open);
            Some(json!({
                "id": row.id,
                "number": row.number,
                "subject": row.subject,
                "address": row.address,
                "caller_number": row.caller_number,
                "status": row.status,
                "open": open,
                "created_at_ms": row.created_at_ms,
                "score": (r.score * 1000.0).round() / 1000.0,
                "reasons": r.reasons.iter().map(reason_json).collect::<Vec<_>>(),
            }))
        })
        .collect();
    Ok(Json(json!({ "count": out.len(), "candidates": out })))
}
