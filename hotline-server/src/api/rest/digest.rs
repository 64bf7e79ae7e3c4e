//! `GET /digest?date=YYYY-MM-DD[&format=text|json]`: the daily key-issues digest (每日要情).

use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use hotline_protocol::Capability;
use serde::Deserialize;

use super::session::Authed;
use super::{ApiError, Params, Rules, with_store};
use crate::api::ApiDeps;

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct DigestParams {
    /// Default: today in the server's time zone.
    date: Option<String>,
    /// `json` (default) or `text`.
    format: Option<String>,
}

/// `GET /digest`: JSON, or a plain-text bulletin with `format=text`.
pub async fn digest(
    State(deps): State<ApiDeps>,
    Extension(rules): Extension<Arc<Rules>>,
    me: Authed,
    Params(p): Params<DigestParams>,
) -> Result<Response, ApiError> {
    me.require(Capability::Reports)?;
    let tz = deps.ctx.config.server.tz();
    let date = match p.date.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => d
            .parse::<jiff::civil::Date>()
            .map_err(|_| ApiError::bad_request(format!("\"{d}\" is not a date (YYYY-MM-DD)")))?,
        None => (deps.ctx.clock)().to_zoned_datetime(tz.clone()).date(),
    };
    let text = match p.format.as_deref().unwrap_or("json") {
        "json" => false,
        "text" => true,
        other => {
            return Err(ApiError::bad_request(format!(
                "format \"{other}\": use json or text"
            )));
        }
    };
    let deadlines = rules.deadlines(&deps.ctx.config)?;
    let digest = with_store(&deps, move |store| {
        Ok(store.digest(date, &tz, &deadlines.categories)?)
    })
    .await?;
    if text {
        let headers = [(header::CONTENT_TYPE, "text/plain; charset=utf-8")];
        return Ok((headers, digest.to_text()).into_response());
    }
    Ok(Json(digest).into_response())
}
