//! `/departments`: the directory of handling departments. Administrators add; everyone
//! logged in reads (agents dispatch and transfer by it).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use hotline_protocol::Capability;
use serde::Deserialize;
use serde_json::{Value, json};

use super::session::Authed;
use super::{ApiError, Body, Params, now_ms, with_store};
use crate::api::ApiDeps;
use crate::store::{DepartmentRow, NewDepartment};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddRequest {
    name: String,
    #[serde(default)]
    parent_id: Option<i64>,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    phone: String,
}

/// `POST /departments`
pub async fn add(
    State(deps): State<ApiDeps>,
    me: Authed,
    Body(req): Body<AddRequest>,
) -> Result<(StatusCode, Json<DepartmentRow>), ApiError> {
    me.require(Capability::Administration)?;
    let new = NewDepartment {
        parent_id: req.parent_id,
        name: req.name,
        contact: req.contact,
        phone: req.phone,
    };
    let now = now_ms(&deps);
    let row = with_store(&deps, move |store| Ok(store.add_department(&new, now)?)).await?;
    Ok((StatusCode::CREATED, Json(row)))
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct ListParams {
    /// `true`: a flat list instead of the tree.
    flat: bool,
}

/// `GET /departments[?flat=true]`
pub async fn list(
    State(deps): State<ApiDeps>,
    me: Authed,
    Params(p): Params<ListParams>,
) -> Result<Json<Value>, ApiError> {
    me.require(Capability::Session)?;
    let body = with_store(&deps, move |store| {
        Ok(if p.flat {
            json!({ "departments": store.departments()? })
        } else {
            json!({ "departments": store.department_tree()? })
        })
    })
    .await?;
    Ok(Json(body))
}
