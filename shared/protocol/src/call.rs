//! The state of a call as a workstation shows it.

use serde::{Deserialize, Serialize};

/// Where a call is in its life, from the point of view of the agent's workstation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CallState {
    /// Offered to an agent (inbound) or dialling out (outbound), not yet talking.
    Ringing,
    /// Caller and agent talk.
    Connected,
    /// The caller hears music; the agent is free to consult.
    Held,
    /// An attended transfer is in progress (the agent talks to the target).
    Transferring,
    /// Three or more parties share the bridge.
    Conference,
    /// The call is over for this workstation.
    Ended { cause: EndCause },
}

impl CallState {
    pub fn is_ended(&self) -> bool {
        matches!(self, CallState::Ended { .. })
    }
}

/// Why a call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndCause {
    /// The citizen hung up.
    CallerHangup,
    /// The agent hung up.
    AgentHangup,
    /// The call left this agent by a transfer (blind, or attended and completed).
    Transferred,
    /// The call was handed to an IVR flow that does not return to the agent.
    TransferredToIvr,
    /// A supervisor released the call (强拆).
    ForceReleased,
    /// A supervisor took the call over; the agent dropped out.
    TakenOver,
    /// The agent rejected the offer.
    Rejected,
    /// The offer rang out unanswered.
    NoAnswer,
    /// The caller hung up before an agent answered.
    Abandoned,
    /// Outbound: busy, unreachable, or refused by the network.
    Failed,
    /// The agent's workstation lost its connection.
    Disconnected,
    /// The supervisor left the call they monitored (`stop_monitor`); the call goes on.
    Left,
}

/// Which way a call goes, as the agent sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// A citizen called the hotline.
    Inbound,
    /// Click-to-dial, callback, follow-up visit.
    Outbound,
    /// Agent to agent or supervisor (call the supervisor, consult).
    Internal,
}

/// Someone in a call's bridge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    pub kind: PartyKind,
    /// A phone number for callers and external parties, an agent id for agents and supervisors,
    /// a flow name for the IVR.
    pub id: String,
    /// Display name when known (caller record, agent name, department).
    pub name: Option<String>,
    /// Held parties hear music and are not heard.
    #[serde(default)]
    pub held: bool,
    #[serde(default)]
    pub muted: bool,
}

/// The part a party plays in a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyKind {
    Caller,
    Agent,
    Supervisor,
    /// A consultation or transfer target: another agent, a department, an expert.
    Consult,
    /// An external number dialled out.
    External,
    /// The IVR, while the call is in a flow (survey, PIN entry).
    Ivr,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ended_state_carries_its_cause() {
        let s = CallState::Ended {
            cause: EndCause::ForceReleased,
        };
        assert!(s.is_ended());
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            r#"{"type":"ended","cause":"force_released"}"#
        );
        assert!(!CallState::Held.is_ended());
    }
}
