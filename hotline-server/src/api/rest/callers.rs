//! `/callers`: caller profiles. Centre roles with caller data read them; agents, supervisors
//! and administrators add them. Department users see none.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use hotline_protocol::Capability;
use serde::Deserialize;
use serde_json::{Value, json};

use super::session::Authed;
use super::{ApiError, Body, Id, Params, now_ms, with_store};
use crate::api::ApiDeps;
use crate::store::{CallerQuery, CallerRow, CallerUpdate, NewCaller};

/// `POST /callers`
pub async fn add(
    State(deps): State<ApiDeps>,
    me: Authed,
    Body(new): Body<NewCaller>,
) -> Result<(StatusCode, Json<CallerRow>), ApiError> {
    me.require(Capability::CallerData)?;
    me.require(Capability::EditTickets)?;
    let now = now_ms(&deps);
    let row = with_store(&deps, move |store| Ok(store.add_caller(&new, now)?)).await?;
    Ok((StatusCode::CREATED, Json(row)))
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct SearchParams {
    q: Option<String>,
    name: Option<String>,
    number: Option<String>,
    id_number: Option<String>,
    area: Option<String>,
    company: Option<String>,
    limit: Option<usize>,
}

/// `GET /callers?q=&name=&number=&id_number=&area=&company=`
pub async fn search(
    State(deps): State<ApiDeps>,
    me: Authed,
    Params(p): Params<SearchParams>,
) -> Result<Json<Value>, ApiError> {
    me.require(Capability::CallerData)?;
    let query = CallerQuery {
        any: p.q,
        name: p.name,
        number: p.number,
        id_number: p.id_number,
        area: p.area,
        company: p.company,
        limit: p.limit,
    };
    let rows = with_store(&deps, move |store| Ok(store.search_callers(&query)?)).await?;
    Ok(Json(json!({ "count": rows.len(), "callers": rows })))
}

/// `GET /callers/{id}`
pub async fn get(
    State(deps): State<ApiDeps>,
    me: Authed,
    Id(id): Id,
) -> Result<Json<CallerRow>, ApiError> {
    me.require(Capability::CallerData)?;
    let row = with_store(&deps, move |store| {
        store
            .caller(id)?
            .ok_or_else(|| ApiError::not_found(format!("caller {id} not found")))
    })
    .await?;
    Ok(Json(row))
}

/// `PUT /callers/{id}`: fields left out keep their values; `numbers` replaces the list.
pub async fn update(
    State(deps): State<ApiDeps>,
    me: Authed,
    Id(id): Id,
    Body(edit): Body<CallerUpdate>,
) -> Result<Json<CallerRow>, ApiError> {
    me.require(Capability::CallerData)?;
    me.require(Capability::EditTickets)?;
    if edit.name.as_deref().is_some_and(|n| n.trim().is_empty()) {
        return Err(ApiError::bad_request("a caller's name cannot be empty"));
    }
    let now = now_ms(&deps);
    let row = with_store(&deps, move |store| Ok(store.update_caller(id, &edit, now)?)).await?;
    Ok(Json(row))
}
