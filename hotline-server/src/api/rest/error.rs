//! The REST API's one error type: an HTTP status and a JSON body `{code, message}`.
//! Codes are stable snake_case words (see docs/api.md); messages are for people.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::auth::AuthError;
use crate::store::RecordError;
use crate::tickets::WorkflowError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// Details go to the log, not to the client.
    pub fn internal(detail: &dyn std::fmt::Display) -> Self {
        tracing::error!(%detail, "REST request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; see the server log",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({ "code": self.code, "message": self.message });
        (self.status, Json(body)).into_response()
    }
}

impl From<WorkflowError> for ApiError {
    fn from(e: WorkflowError) -> Self {
        let message = e.to_string();
        match e {
            WorkflowError::InvalidState { .. } => {
                Self::new(StatusCode::CONFLICT, "invalid_state", message)
            }
            WorkflowError::Invalid { .. } => Self::new(StatusCode::BAD_REQUEST, "invalid", message),
            WorkflowError::Forbidden { .. }
            | WorkflowError::NoDepartment { .. }
            | WorkflowError::NotAssigned { .. }
            | WorkflowError::NotLead { .. } => Self::forbidden(message),
        }
    }
}

impl From<RecordError> for ApiError {
    fn from(e: RecordError) -> Self {
        match e {
            RecordError::NotFound { .. } => Self::not_found(e.to_string()),
            RecordError::Invalid(m) => Self::new(StatusCode::BAD_REQUEST, "invalid", m),
            RecordError::Conflict(m) => Self::new(StatusCode::CONFLICT, "conflict", m),
            RecordError::Workflow(w) => w.into(),
            RecordError::Number(n) => Self::new(StatusCode::BAD_REQUEST, "invalid", n.to_string()),
            RecordError::Store(s) => Self::internal(&s),
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::InvalidCredentials | AuthError::Disabled | AuthError::Unauthorized => {
                Self::unauthorized(e.to_string())
            }
            AuthError::RateLimited { .. } => {
                Self::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", e.to_string())
            }
            other => Self::internal(&other),
        }
    }
}
