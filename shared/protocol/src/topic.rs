//! Event topics a client subscribes to.

use serde::{Deserialize, Serialize};

/// Groups of events. Without subscribing, a client gets its own `agent_state`, `call_offered`,
/// `webrtc`, `notice` and `error` events; topics add the rest. `subscribe` replaces the set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    /// `queue_snapshot` for every queue the user may see.
    Queues,
    /// `agent_state` of every agent (the seat grid).
    Agents,
    /// `alarm` events.
    Alarms,
    /// `call_state` of the calls the user is in or monitors, and `voicemail` notices.
    MyCalls,
}

impl Topic {
    pub const ALL: [Topic; 4] = [Topic::Queues, Topic::Agents, Topic::Alarms, Topic::MyCalls];
}
