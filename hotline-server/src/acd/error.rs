//! Errors for inputs the ACD cannot apply. The state is unchanged when one is returned.

use super::ids::{AgentId, CallId, QueueId};

/// Why an input was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AcdError {
    #[error("unknown queue {0}")]
    UnknownQueue(QueueId),
    #[error("unknown agent {0}")]
    UnknownAgent(AgentId),
    #[error("unknown call {0}")]
    UnknownCall(CallId),
    #[error("call {0} is already known to the ACD")]
    DuplicateCall(CallId),
    #[error("agent {0} is not logged in")]
    NotLoggedIn(AgentId),
    #[error("agent {0} is disconnected")]
    Disconnected(AgentId),
    #[error("agent {agent}: {action} is not possible while {state}")]
    InvalidState {
        agent: AgentId,
        action: &'static str,
        state: &'static str,
    },
    #[error("call {call} is not offered to agent {agent}")]
    NotOffered { call: CallId, agent: AgentId },
    #[error("call {0} is not connected")]
    NotConnected(CallId),
    #[error("call {0} is no longer waiting")]
    NotWaiting(CallId),
    #[error("agent {agent} lacks a skill queue {queue} requires")]
    MissingSkill { agent: AgentId, queue: QueueId },
    #[error("skill {skill} level {level} is outside 1..=10")]
    SkillLevel { skill: String, level: u8 },
    #[error("queue {queue}: {problem}")]
    InvalidQueue {
        queue: QueueId,
        problem: &'static str,
    },
}
