//! REST API v1 under `/api/v1` (docs/api.md): tickets and their workflow, departments,
//! callers, the knowledge base. JSON in and out; `Authorization: Bearer <token>`; errors as
//! `{code, message}` ([`ApiError`]).
//!
//! Handlers only translate: they check the role, then run the store call on the blocking pool.
//! Storage: the REST API shares the auth service's [`Store`], one SQLite connection behind a
//! mutex. Requests therefore queue on it; that is fine at a call centre's request rates and
//! SQLite serialises writers anyway. A read pool is the next step if reads ever wait.

mod attachments;
mod callers;
mod campaigns;
mod consultations;
mod departments;
mod digest;
mod error;
mod inbound;
mod knowledge;
mod letter;
mod notifications;
mod related;
mod reports;
mod rules;
mod screen_pop;
mod session;
mod tickets;
mod voicemails;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::routing::{get, post, put};
use axum::{Extension, Json, Router};
use serde::de::DeserializeOwned;

pub use error::ApiError;
pub use rules::Rules;
pub(crate) use screen_pop::screen_pop_for;
pub use session::Authed;

use super::ApiDeps;
use crate::store::Store;

/// The `/api/v1` routes, to merge into the server's router.
pub fn router() -> Router<ApiDeps> {
    let v1 = Router::new()
        .route("/login", post(session::login))
        .route("/logout", post(session::logout))
        .route("/me", get(session::me))
        .route("/tickets", post(tickets::file).get(tickets::list))
        .route("/tickets/related", get(related::related))
        .route("/tickets/{id}", get(tickets::get))
        .route("/tickets/{id}/transitions", post(tickets::transition))
        .route("/tickets/{id}/history", get(tickets::history))
        .route(
            "/tickets/{id}/attachments",
            post(attachments::add)
                .layer(DefaultBodyLimit::max(attachments::MAX_BYTES))
                .get(attachments::list),
        )
        .route(
            "/tickets/{id}/attachments/{attachment}",
            get(attachments::download),
        )
        .route("/tickets/{id}/letter", get(letter::get))
        .route(
            "/departments",
            post(departments::add).get(departments::list),
        )
        .route("/callers", post(callers::add).get(callers::search))
        .route("/callers/{id}", get(callers::get).put(callers::update))
        .route("/knowledge", post(knowledge::add).get(knowledge::search))
        .route(
            "/knowledge/{id}",
            put(knowledge::update).get(knowledge::get),
        )
        .route("/knowledge/{id}/versions", get(knowledge::versions))
        .route(
            "/consultations",
            post(consultations::hold).get(consultations::list),
        )
        .route("/consultations/{id}", get(consultations::get))
        .route("/consultations/{id}/answer", post(consultations::answer))
        .route(
            "/consultations/{id}/callback",
            post(consultations::callback),
        )
        .route("/digest", get(digest::digest))
        .route("/screen-pop", get(screen_pop::screen_pop))
        .merge(reports::routes())
        .merge(notifications::routes())
        .merge(inbound::routes())
        .merge(campaigns::routes())
        .merge(voicemails::routes())
        .fallback(|| async { ApiError::not_found("no such endpoint") })
        .layer(Extension(Arc::new(Rules::default())));
    Router::new().nest("/api/v1", v1)
}

/// The server clock, in milliseconds.
pub(crate) fn now_ms(deps: &ApiDeps) -> i64 {
    (deps.ctx.clock)().as_millisecond()
}

/// Runs a store call on the blocking pool (SQLite calls block).
pub(crate) async fn with_store<T, F>(deps: &ApiDeps, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&Store) -> Result<T, ApiError> + Send + 'static,
{
    let auth = deps.auth.clone();
    tokio::task::spawn_blocking(move || f(auth.store()))
        .await
        .map_err(|e| ApiError::internal(&e))?
}

/// A JSON body whose rejection is an [`ApiError`].
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Body(v)),
            Err(e) => Err(json_rejection(&e)),
        }
    }
}

fn json_rejection(e: &JsonRejection) -> ApiError {
    ApiError::bad_request(e.body_text())
}

/// Query parameters whose rejection is an [`ApiError`].
pub struct Params<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| Params(v))
            .map_err(|e: QueryRejection| ApiError::bad_request(e.body_text()))
    }
}

/// A numeric `{id}` path segment.
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Path::<i64>::from_request_parts(parts, state)
            .await
            .map(|Path(id)| Id(id))
            .map_err(|e: PathRejection| ApiError::bad_request(e.body_text()))
    }
}
