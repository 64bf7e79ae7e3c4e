//! `/knowledge`: the knowledge base. Everyone logged in searches it; supervisors and
//! administrators write it, and every edit is a new version.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use hotline_protocol::Role;
use serde::Deserialize;
use serde_json::{Value, json};

use super::session::{Authed, role_name};
use super::{ApiError, Body, Id, Params, now_ms, with_store};
use crate::api::ApiDeps;
use crate::store::{KnowledgeKind, KnowledgeRow, NewKnowledge};

fn require_editor(me: &Authed) -> Result<(), ApiError> {
    if matches!(me.user.role, Role::Supervisor | Role::Admin) {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!(
            "a {} may not edit the knowledge base",
            role_name(me.user.role)
        )))
    }
}

/// `POST /knowledge`
pub async fn add(
    State(deps): State<ApiDeps>,
    me: Authed,
    Body(new): Body<NewKnowledge>,
) -> Result<(StatusCode, Json<KnowledgeRow>), ApiError> {
    require_editor(&me)?;
    let now = now_ms(&deps);
    let by = me.user.name.clone();
    let row = with_store(&deps, move |store| Ok(store.add_knowledge(&new, &by, now)?)).await?;
    Ok((StatusCode::CREATED, Json(row)))
}

/// `PUT /knowledge/{id}`: a new version.
pub async fn update(
    State(deps): State<ApiDeps>,
    me: Authed,
    Id(id): Id,
    Body(new): Body<NewKnowledge>,
) -> Result<Json<KnowledgeRow>, ApiError> {
    require_editor(&me)?;
    let now = now_ms(&deps);
    let by = me.user.name.clone();
    let row = with_store(&deps, move |store| {
        Ok(store.update_knowledge(id, &new, &by, now)?)
    })
    .await?;
    Ok(Json(row))
}

/// `GET /knowledge/{id}`
pub async fn get(
    State(deps): State<ApiDeps>,
    _me: Authed,
    Id(id): Id,
) -> Result<Json<KnowledgeRow>, ApiError> {
    let row = with_store(&deps, move |store| {
        store
            .knowledge(id)?
            .ok_or_else(|| ApiError::not_found(format!("knowledge item {id} not found")))
    })
    .await?;
    Ok(Json(row))
}

/// `GET /knowledge/{id}/versions`
pub async fn versions(
    State(deps): State<ApiDeps>,
    _me: Authed,
    Id(id): Id,
) -> Result<Json<Value>, ApiError> {
    let rows = with_store(&deps, move |store| Ok(store.knowledge_versions(id)?)).await?;
    if rows.is_empty() {
        return Err(ApiError::not_found(format!(
            "knowledge item {id} not found"
        )));
    }
    Ok(Json(json!({ "versions": rows })))
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct SearchParams {
    q: String,
    kind: Option<String>,
    limit: Option<usize>,
}

/// `GET /knowledge?q=&kind=`
pub async fn search(
    State(deps): State<ApiDeps>,
    _me: Authed,
    Params(p): Params<SearchParams>,
) -> Result<Json<Value>, ApiError> {
    let kind = match p.kind.as_deref().filter(|k| !k.is_empty()) {
        Some(k) => Some(
            KnowledgeKind::parse(k)
                .ok_or_else(|| ApiError::bad_request(format!("unknown kind \"{k}\"")))?,
        ),
        None => None,
    };
    let limit = p.limit.unwrap_or(20);
    let hits = with_store(&deps, move |store| {
        Ok(store.search_knowledge(&p.q, kind, limit)?)
    })
    .await?;
    Ok(Json(json!({ "count": hits.len(), "items": hits })))
}
