//! Who is asking: `Authorization: Bearer <token>` (a token from the WebSocket log-in or from
//! `POST /api/v1/login`), checked against the session table; log-in and log-out.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use hotline_protocol::{Capability, Role};
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::ApiError;
use super::{Body, now_ms};
use crate::api::ApiDeps;
use crate::store::{UserRow, dept_id};
use crate::tickets;

/// An authenticated user.
pub struct Authed {
    pub user: UserRow,
    pub token: String,
}

impl Authed {
    /// Refuses the request unless the user's role has `capability`.
    pub fn require(&self, capability: Capability) -> Result<(), ApiError> {
        if self.user.role.has(capability) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "a {} may not do this",
                role_name(self.user.role)
            )))
        }
    }

    pub fn is_department(&self) -> bool {
        self.user.role == Role::Department
    }

    /// The department of a department user; an error if the account has none.
    pub fn own_department(&self) -> Result<Option<i64>, ApiError> {
        if !self.is_department() {
            return Ok(None);
        }
        self.user
            .department_id
            .map(Some)
            .ok_or_else(|| ApiError::forbidden("this department account has no department"))
    }

    /// The user as the ticket rules see them.
    pub fn actor(&self) -> tickets::Actor {
        tickets::Actor {
            user: tickets::UserId::new(self.user.name.clone()),
            role: ticket_role(self.user.role),
            department: self.user.department_id.map(dept_id),
        }
    }
}

/// The protocol's role in the ticket rules' vocabulary (the same five roles).
pub fn ticket_role(role: Role) -> tickets::Role {
    match role {
        Role::Agent => tickets::Role::Agent,
        Role::Supervisor => tickets::Role::Supervisor,
        Role::Director => tickets::Role::Director,
        Role::Department => tickets::Role::Department,
        Role::Admin => tickets::Role::Admin,
    }
}

pub fn role_name(role: Role) -> &'static str {
    ticket_role(role).as_str()
}

fn bearer(parts: &Parts) -> Option<String> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

impl FromRequestParts<ApiDeps> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, deps: &ApiDeps) -> Result<Self, ApiError> {
        let token = bearer(parts).ok_or_else(|| {
            ApiError::unauthorized("missing \"Authorization: Bearer <token>\"; log in first")
        })?;
        let auth = deps.auth.clone();
        let now = now_ms(deps);
        let checked = token.clone();
        let user = tokio::task::spawn_blocking(move || auth.authenticate(&checked, now))
            .await
            .map_err(|e| ApiError::internal(&e))??;
        Ok(Self { user, token })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    user: String,
    password: String,
    #[serde(default)]
    client: Option<String>,
}

fn user_json(user: &UserRow) -> Value {
    json!({
        "name": user.name,
        "display_name": user.display_name,
        "work_number": user.work_number,
        "role": role_name(user.role),
        "department_id": user.department_id,
    })
}

/// `POST /login`
pub async fn login(
    State(deps): State<ApiDeps>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Body(req): Body<LoginRequest>,
) -> Result<(StatusCode, axum::Json<Value>), ApiError> {
    let auth = deps.auth.clone();
    let now = now_ms(&deps);
    let client = req.client.unwrap_or_else(|| "rest".to_owned());
    // Argon2 takes tens of milliseconds on purpose: off the async workers.
    let session = tokio::task::spawn_blocking(move || {
        auth.login(&req.user, &req.password, addr.ip(), &client, now)
    })
    .await
    .map_err(|e| ApiError::internal(&e))??;
    let body = json!({
        "token": session.token,
        "expires_at_ms": session.expires_at_ms,
        "user": user_json(&session.user),
    });
    Ok((StatusCode::OK, axum::Json(body)))
}

/// `POST /logout`: ends the session of the bearer token.
pub async fn logout(State(deps): State<ApiDeps>, me: Authed) -> Result<StatusCode, ApiError> {
    let auth = deps.auth.clone();
    let now = now_ms(&deps);
    tokio::task::spawn_blocking(move || auth.logout(&me.token, now))
        .await
        .map_err(|e| ApiError::internal(&e))??;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /me`
pub async fn me(me: Authed) -> axum::Json<Value> {
    axum::Json(user_json(&me.user))
}
