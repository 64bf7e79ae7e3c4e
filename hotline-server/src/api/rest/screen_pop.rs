//! `GET /screen-pop?number=`: the screen-pop of any number (what `call_offered` carries), for a
//! look-up outside a ringing call.

use axum::Json;
use axum::extract::State;
use hotline_protocol::{Capability, ScreenPop};
use serde::Deserialize;

use super::session::Authed;
use super::{ApiError, Params, now_ms, with_store};
use crate::agents::screen_pop::{LookupInput, look_up};
use crate::api::ApiDeps;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScreenPopParams {
    number: String,
}

/// `GET /screen-pop?number=13912345678`
pub async fn screen_pop(
    State(deps): State<ApiDeps>,
    me: Authed,
    Params(p): Params<ScreenPopParams>,
) -> Result<Json<ScreenPop>, ApiError> {
    me.require(Capability::CallerData)?;
    Ok(Json(screen_pop_for(&deps, p.number).await?))
}

/// The screen-pop of `number`; also the answer to the workstation's `caller_lookup`.
pub(crate) async fn screen_pop_for(deps: &ApiDeps, number: String) -> Result<ScreenPop, ApiError> {
    let number = number.trim().to_owned();
    if number.is_empty() {
        return Err(ApiError::bad_request("number is empty"));
    }
    let now = now_ms(deps);
    let ctx = deps.ctx.clone();
    with_store(deps, move |store| {
        let blacklist = ctx.blacklist.read().ok();
        let input = LookupInput {
            number: &number,
            call_id: "",
            now_ms: now,
            first_contact_days: ctx.config.acd.first_contact_days,
            regions: &ctx.regions,
            blacklist: blacklist.as_deref(),
        };
        Ok(look_up(store, &input).screen_pop)
    })
    .await
}
