//! Agent states (座席状态) and the agent's profile.

use serde::{Deserialize, Serialize};

use crate::ids::{AgentId, CallId};
use crate::reason::NotReadyReason;

/// An agent's state. The server owns it; clients only show it and ask for changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AgentState {
    LoggedOut,
    /// Waiting for a call.
    Ready,
    /// Logged in, receives no calls (临时闭席).
    NotReady {
        reason: NotReadyReason,
    },
    /// A call is offered and rings at the workstation.
    Ringing {
        call_id: CallId,
    },
    /// Talking, holding or transferring.
    OnCall {
        call_id: CallId,
    },
    /// After-call work; becomes ready at `until_ms` unless extended or ended early.
    WrapUp {
        until_ms: u64,
    },
}

impl AgentState {
    /// The state's wire name, for tables and reports.
    pub fn name(&self) -> &'static str {
        match self {
            AgentState::LoggedOut => "logged_out",
            AgentState::Ready => "ready",
            AgentState::NotReady { .. } => "not_ready",
            AgentState::Ringing { .. } => "ringing",
            AgentState::OnCall { .. } => "on_call",
            AgentState::WrapUp { .. } => "wrap_up",
        }
    }

    /// The call the agent is busy with, if any.
    pub fn call_id(&self) -> Option<&CallId> {
        match self {
            AgentState::Ringing { call_id } | AgentState::OnCall { call_id } => Some(call_id),
            _ => None,
        }
    }

    /// Wrap-up seconds left at `now_ms` (0 once due); `None` outside wrap-up.
    pub fn wrap_up_remaining_secs(&self, now_ms: u64) -> Option<u64> {
        match self {
            AgentState::WrapUp { until_ms } => Some(until_ms.saturating_sub(now_ms).div_ceil(1000)),
            _ => None,
        }
    }
}

/// What made an agent's state change. Every change has one (reports and audits rely on it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StateCause {
    Login,
    Logout,
    /// The agent asked (ready, not ready, end or extend wrap-up).
    Request,
    /// A supervisor forced it (force not-ready, force log-out).
    Forced,
    /// The ACD offered a call.
    Offered,
    Answered,
    Rejected,
    /// The offer rang out; the agent is set not-ready with reason `missed`.
    RingTimeout,
    /// The call ended; wrap-up (or ready) follows.
    CallEnded,
    /// The wrap-up timer ran out.
    WrapUpExpired,
    /// The workstation dropped; a ringing call went back to the queue.
    Disconnected,
    /// The session expired or the grace period after a disconnect ran out.
    SessionExpired,
    /// The workstation reconnected with its resume token within the grace period.
    Resumed,
    /// The workstation's audio leg failed (ICE or DTLS lost, or no audio for seconds): not
    /// ready with reason `no_audio`, so no call is offered to a seat nobody can hear.
    AudioLost,
}

/// The logged-in account, sent with `login_ok`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentInfo {
    pub id: AgentId,
    /// Display name.
    pub name: String,
    /// 工号: the number announced to the caller at answer.
    pub work_number: String,
    #[serde(default)]
    pub skills: Vec<SkillLevel>,
    /// Queues the agent serves.
    #[serde(default)]
    pub queues: Vec<String>,
}

/// One skill and how good the agent is at it (1 lowest … 10 highest).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkillLevel {
    pub skill: String,
    pub level: u8,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_up_countdown_rounds_up() {
        let s = AgentState::WrapUp { until_ms: 10_000 };
        assert_eq!(s.wrap_up_remaining_secs(8_500), Some(2));
        assert_eq!(s.wrap_up_remaining_secs(10_000), Some(0));
        assert_eq!(s.wrap_up_remaining_secs(12_000), Some(0));
        assert_eq!(AgentState::Ready.wrap_up_remaining_secs(0), None);
    }

    #[test]
    fn names_match_the_wire() {
        let states = [
            AgentState::LoggedOut,
            AgentState::Ready,
            AgentState::NotReady {
                reason: NotReadyReason::new("break", "小休"),
            },
            AgentState::Ringing {
                call_id: "c".into(),
            },
            AgentState::OnCall {
                call_id: "c".into(),
            },
            AgentState::WrapUp { until_ms: 1 },
        ];
        for s in states {
            let v = serde_json::to_value(&s).unwrap();
            assert_eq!(v["type"], s.name());
        }
    }
}
