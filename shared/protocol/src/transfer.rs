//! Transfer and conference targets.

use serde::{Deserialize, Serialize};

use crate::ids::{AgentId, TicketId};

/// Where a call goes on transfer, or who joins it on conference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TransferTarget {
    /// Another agent by account.
    Agent { id: AgentId },
    /// A queue by name; the call waits there like any other (ahead of new callers).
    Queue { name: String },
    /// A department from the directory; the server dials its contact number.
    Department { id: String },
    /// Any number through the trunk (subject to the dial plan).
    External { number: String },
}

/// Blind: the call leaves at once. Attended: the agent talks to the target first, then sends
/// `complete_transfer` or `cancel_transfer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferMode {
    Blind,
    Attended,
}

/// What travels with a transferred call to the agent who takes it next: who handed it over,
/// their note and the ticket filed so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferInfo {
    /// The agent who transferred the call.
    pub from_agent: AgentId,
    pub mode: TransferMode,
    pub note: Option<String>,
    pub ticket_id: Option<TicketId>,
}
