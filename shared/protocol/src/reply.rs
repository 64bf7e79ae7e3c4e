//! Reply bodies: the success half of a reply.

use serde::{Deserialize, Serialize};

use crate::agent::AgentInfo;
use crate::error::ErrorBody;
use crate::ids::CallId;
use crate::role::Role;
use crate::screen_pop::ScreenPop;

/// What a successful command returns. Most commands return `ack`; their effect arrives as events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ReplyBody {
    /// Answer to `login`.
    LoginOk {
        /// Opaque session token; send it as `resume_token` when reconnecting, and as a bearer
        /// token to the REST API.
        token: String,
        expires_at_ms: u64,
        agent: AgentInfo,
        role: Role,
        /// The server's clock, so the client can show timers that agree with the server.
        server_time_ms: u64,
    },
    /// Done; the consequences arrive as events.
    Ack,
    /// Answer to `ping`.
    Pong { server_time_ms: u64 },
    /// Answer to `dial`: the id of the new outbound call.
    Dialed { call_id: CallId },
    /// Answer to `caller_lookup`.
    CallerInfo(ScreenPop),
}

impl ReplyBody {
    /// Every reply `type`, in declaration order. Tests check it against serde's own list.
    pub const NAMES: [&'static str; 5] = ["login_ok", "ack", "pong", "dialed", "caller_info"];

    pub fn name(&self) -> &'static str {
        match self {
            ReplyBody::LoginOk { .. } => "login_ok",
            ReplyBody::Ack => "ack",
            ReplyBody::Pong { .. } => "pong",
            ReplyBody::Dialed { .. } => "dialed",
            ReplyBody::CallerInfo(_) => "caller_info",
        }
    }
}

/// The outcome of a request: `{"ok": {...}}` or `{"err": {"code": ..., "message": ...}}`.
// Short-lived and serialised at once; see `Event` on why nothing is boxed.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplyResult {
    Ok(ReplyBody),
    Err(ErrorBody),
}

impl ReplyResult {
    pub fn into_result(self) -> Result<ReplyBody, ErrorBody> {
        match self {
            ReplyResult::Ok(body) => Ok(body),
            ReplyResult::Err(err) => Err(err),
        }
    }

    pub fn is_ok(&self) -> bool {
        matches!(self, ReplyResult::Ok(_))
    }
}

impl From<Result<ReplyBody, ErrorBody>> for ReplyResult {
    fn from(result: Result<ReplyBody, ErrorBody>) -> Self {
        match result {
            Ok(body) => ReplyResult::Ok(body),
            Err(err) => ReplyResult::Err(err),
        }
    }
}
