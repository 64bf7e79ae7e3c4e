//! Configuration: global ACD settings and per-queue definitions.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::callback::CallbackPolicy;
use super::ids::{AgentId, QueueId};

/// Knobs that apply to the whole ACD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcdSettings {
    /// How long a disconnected agent stays logged in, waiting to reconnect.
    pub disconnect_grace: Duration,
    /// Handle time assumed for estimates until a queue has its own samples.
    pub default_handle_time: Duration,
    /// How many recent handle times a queue averages over.
    pub handle_time_window: usize,
    /// How many queue-to-queue overflows one call may take before it is rejected (breaks cycles).
    pub max_overflow_hops: u8,
}

impl Default for AcdSettings {
    fn default() -> Self {
        Self {
            disconnect_grace: Duration::from_mins(1),
            default_handle_time: Duration::from_mins(3),
            handle_time_window: 50,
            max_overflow_hops: 4,
        }
    }
}

/// How a queue chooses among eligible ready agents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    /// Offer to every eligible agent at once; the first answer wins.
    RingAll,
    /// Rotate through agents (ordered by id) from the last one offered.
    RoundRobin,
    /// Always the same order: `agent_order` first, then skill level, then id.
    Linear,
    /// The agent whose last call ended longest ago.
    LongestIdle,
    /// The agent who answered the fewest calls today.
    FewestCalls,
    /// The agent with the least talk time today.
    LeastTalkTime,
    /// Uniformly random (seeded, so tests are reproducible).
    Random,
}

/// Where a call goes when its queue overflows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OverflowTarget {
    /// Move to another queue (which applies its own limits).
    Queue(QueueId),
    /// Stay in this queue but also offer to agents of this backup group, whatever their skills.
    BackupGroup(String),
    /// Leave the ACD; the server takes the caller to voicemail.
    Voicemail,
    /// No overflow: a full queue rejects, and a long wait just goes on.
    None,
}

/// One queue's definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueConfig {
    pub name: QueueId,
    pub strategy: Strategy,
    /// Skills an agent must all have to be offered this queue's calls.
    pub skills: Vec<String>,
    /// How long an offer rings before it goes to the next agent. Must be non-zero.
    pub ring_timeout: Duration,
    /// Calls allowed in the queue (ringing ones included); `None` is unlimited.
    pub max_length: Option<usize>,
    /// Longest wait in this queue before overflow; `None` waits forever.
    pub max_wait: Option<Duration>,
    pub overflow: OverflowTarget,
    /// Position and estimated-wait announcements every so often; `None` announces nothing.
    pub announce_interval: Option<Duration>,
    /// After-call work time; zero makes the agent ready at once.
    pub wrap_up: Duration,
    /// Added to a VIP call's priority in this queue.
    pub vip_priority_boost: i32,
    /// VIP calls arriving at this queue are moved to that queue instead.
    pub vip_queue: Option<QueueId>,
    /// How long a returning caller waits for their busy previous agent (首问负责制).
    pub first_contact_wait: Duration,
    /// Fixed order for [`Strategy::Linear`]; agents not listed follow by skill level.
    pub agent_order: Vec<AgentId>,
    /// Attempts and retry delay for callbacks in this queue (排队回拨).
    pub callback: CallbackPolicy,
}

impl QueueConfig {
    /// A queue with no skills, no limits, 20 s ring timeout and no wrap-up.
    pub fn new(name: impl Into<String>, strategy: Strategy) -> Self {
        Self {
            name: QueueId(name.into()),
            strategy,
            skills: Vec::new(),
            ring_timeout: Duration::from_secs(20),
            max_length: None,
            max_wait: None,
            overflow: OverflowTarget::None,
            announce_interval: None,
            wrap_up: Duration::ZERO,
            vip_priority_boost: 0,
            vip_queue: None,
            first_contact_wait: Duration::ZERO,
            agent_order: Vec::new(),
            callback: CallbackPolicy::default(),
        }
    }
}
