//! Commands: what a workstation asks the server to do.
//!
//! Every command is answered by exactly one reply with the same request id. State changes that
//! follow (the agent becomes ready, the call connects) arrive as events, so a client renders
//! from events and uses replies only for errors and request-specific data.

use serde::{Deserialize, Serialize};

use crate::ids::{AgentId, CallId, TicketId};
use crate::monitor::MonitorMode;
use crate::reason::NotReadyReason;
use crate::topic::Topic;
use crate::transfer::{TransferMode, TransferTarget};
use crate::webrtc::WebRtcSignal;

/// A request from a workstation. On the wire: `{"type":"<name>", ...fields}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Command {
    // --- session ---
    /// Opens a session. With `resume_token` (from an earlier `login_ok`) a reconnecting client
    /// takes its session back within the grace period and `password` may be empty.
    Login {
        user: String,
        password: String,
        client: ClientKind,
        resume_token: Option<String>,
    },
    Logout,
    /// Keep-alive; answered with `pong`.
    Ping,
    /// Replaces the set of event topics.
    Subscribe {
        topics: Vec<Topic>,
    },
    /// Signalling of the workstation's media leg.
    #[serde(rename = "webrtc")]
    WebRtc(WebRtcSignal),

    // --- own state ---
    SetReady,
    SetNotReady {
        reason: NotReadyReason,
    },
    /// Leaves wrap-up now (ready again).
    EndWrapUp,
    /// Adds `secs` to the wrap-up timer (capped by the queue's settings).
    ExtendWrapUp {
        secs: u32,
    },

    // --- call control ---
    Answer {
        call_id: CallId,
    },
    /// Declines an offer; the call goes to the next agent.
    Reject {
        call_id: CallId,
    },
    Hangup {
        call_id: CallId,
    },
    /// Holds the agent's active call (the caller hears music).
    Hold,
    Resume,
    /// Mutes or unmutes the agent's microphone in the bridge.
    Mute {
        on: bool,
    },
    Transfer {
        call_id: CallId,
        target: TransferTarget,
        mode: TransferMode,
        /// Shown to the target with the screen-pop.
        note: Option<String>,
        /// The ticket filed so far travels with the call.
        ticket_id: Option<TicketId>,
    },
    /// Attended transfer: hand the caller to the consulted party and drop out.
    CompleteTransfer,
    /// Attended transfer: drop the consulted party and return to the caller.
    CancelTransfer,
    /// Adds `target` to the call (three-way call with an expert or department).
    Conference {
        call_id: CallId,
        target: TransferTarget,
    },
    /// Click-to-dial or callback through the trunk. Replied with `dialed`.
    Dial {
        number: String,
        /// The number presented to the callee; the trunk default when absent.
        caller_id: Option<String>,
        /// The ticket this callback belongs to (follow-up visit, reply).
        ticket_id: Option<TicketId>,
    },
    /// Takes a waiting caller out of the queue (抢接).
    PickUp {
        call_id: CallId,
    },
    /// Sends DTMF digits (`0-9*#A-D`) into the active call.
    SendDtmf {
        digits: String,
    },
    /// Hands the caller to an IVR flow (survey, PIN entry); with `return_to_agent` the call
    /// comes back to this agent when the flow ends.
    TransferToIvr {
        call_id: CallId,
        flow: String,
        return_to_agent: bool,
    },
    /// Calls the shift supervisor (help request).
    CallSupervisor,
    /// Emergency: alerts every supervisor, who may barge in at once.
    Emergency,

    // --- supervision ---
    /// Joins, or switches mode in, the call of `agent_id`.
    Monitor {
        agent_id: AgentId,
        mode: MonitorMode,
    },
    StopMonitor,
    /// Calls an agent between calls (内部呼叫): they get `call_offered` from queue `supervisor`.
    CallAgent {
        agent_id: AgentId,
    },
    ForceNotReady {
        agent_id: AgentId,
        reason: NotReadyReason,
    },
    ForceLogout {
        agent_id: AgentId,
    },
    /// Ends a call (强拆).
    ForceRelease {
        call_id: CallId,
    },

    // --- data ---
    /// The screen-pop for any number; replied with `caller_info`.
    CallerLookup {
        number: String,
    },
}

impl Command {
    /// Every command `type`, in declaration order. Tests check it against serde's own list.
    pub const NAMES: [&'static str; 32] = [
        "login",
        "logout",
        "ping",
        "subscribe",
        "webrtc",
        "set_ready",
        "set_not_ready",
        "end_wrap_up",
        "extend_wrap_up",
        "answer",
        "reject",
        "hangup",
        "hold",
        "resume",
        "mute",
        "transfer",
        "complete_transfer",
        "cancel_transfer",
        "conference",
        "dial",
        "pick_up",
        "send_dtmf",
        "transfer_to_ivr",
        "call_supervisor",
        "emergency",
        "monitor",
        "stop_monitor",
        "call_agent",
        "force_not_ready",
        "force_logout",
        "force_release",
        "caller_lookup",
    ];

    /// The wire `type` of this command.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Login { .. } => "login",
            Command::Logout => "logout",
            Command::Ping => "ping",
            Command::Subscribe { .. } => "subscribe",
            Command::WebRtc(_) => "webrtc",
            Command::SetReady => "set_ready",
            Command::SetNotReady { .. } => "set_not_ready",
            Command::EndWrapUp => "end_wrap_up",
            Command::ExtendWrapUp { .. } => "extend_wrap_up",
            Command::Answer { .. } => "answer",
            Command::Reject { .. } => "reject",
            Command::Hangup { .. } => "hangup",
            Command::Hold => "hold",
            Command::Resume => "resume",
            Command::Mute { .. } => "mute",
            Command::Transfer { .. } => "transfer",
            Command::CompleteTransfer => "complete_transfer",
            Command::CancelTransfer => "cancel_transfer",
            Command::Conference { .. } => "conference",
            Command::Dial { .. } => "dial",
            Command::PickUp { .. } => "pick_up",
            Command::SendDtmf { .. } => "send_dtmf",
            Command::TransferToIvr { .. } => "transfer_to_ivr",
            Command::CallSupervisor => "call_supervisor",
            Command::Emergency => "emergency",
            Command::Monitor { .. } => "monitor",
            Command::StopMonitor => "stop_monitor",
            Command::CallAgent { .. } => "call_agent",
            Command::ForceNotReady { .. } => "force_not_ready",
            Command::ForceLogout { .. } => "force_logout",
            Command::ForceRelease { .. } => "force_release",
            Command::CallerLookup { .. } => "caller_lookup",
        }
    }

    /// Whether the server writes this command to the audit log (log-in, monitoring, force
    /// actions, emergency).
    pub fn is_audited(&self) -> bool {
        matches!(
            self,
            Command::Login { .. }
                | Command::Logout
                | Command::Monitor { .. }
                | Command::StopMonitor
                | Command::CallAgent { .. }
                | Command::ForceNotReady { .. }
                | Command::ForceLogout { .. }
                | Command::ForceRelease { .. }
                | Command::Emergency
        )
    }

    /// A copy fit for logs: the password is blanked.
    #[must_use]
    pub fn redacted(&self) -> Command {
        let mut copy = self.clone();
        if let Command::Login { password, .. } = &mut copy {
            "***".clone_into(password);
        }
        copy
    }
}

/// Which program is connecting; the server uses it for defaults (the headless agent gets no
/// wallboard topics) and shows it in the seat grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientKind {
    AgentTui,
    SupervisorTui,
    /// `agent-tui --headless`: tests, load runs, scripting.
    Headless,
    /// Anything else (an integration).
    Other,
}

/// `SendDtmf` digits are valid if non-empty and made of `0-9 * # A-D`.
pub fn valid_dtmf(digits: &str) -> bool {
    !digits.is_empty()
        && digits
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '*' | '#' | 'A'..='D'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_is_redacted_for_logs() {
        let login = Command::Login {
            user: "agent1".into(),
            password: "secret".into(),
            client: ClientKind::AgentTui,
            resume_token: None,
        };
        assert!(!format!("{:?}", login.redacted()).contains("secret"));
        assert_eq!(Command::Hold.redacted(), Command::Hold);
    }

    #[test]
    fn dtmf_digits() {
        assert!(valid_dtmf("123#*A"));
        assert!(!valid_dtmf(""));
        assert!(!valid_dtmf("12e"));
    }
}
