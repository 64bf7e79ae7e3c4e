//! `[acd]` and `[[acd.queue]]`: the queues the IVR hands calls to, and how each picks an agent.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::acd::Strategy;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AcdConfig {
    /// How long a disconnected agent keeps their seat before being logged out.
    pub disconnect_grace_secs: u64,
    /// 首问负责制: a caller who calls again within this many days is offered first to the agent
    /// who served them (0 turns it off).
    pub first_contact_days: u32,
    /// How long an agent's workstation rings for a supervisor's internal call (内部呼叫).
    pub intercom_ring_secs: u64,
    /// Every queue a flow may name.
    #[serde(rename = "queue")]
    pub queues: Vec<QueueEntry>,
    /// Backup groups (后备座席组) by name, each with the agents (user names) in it: a queue with
    /// `overflow = "backup:NAME"` is also offered to them, whatever their skills, when nobody
    /// with the skills is logged in or the wait runs past `max_wait_secs`.
    pub backup_groups: BTreeMap<String, Vec<String>>,
}

impl Default for AcdConfig {
    fn default() -> Self {
        Self {
            disconnect_grace_secs: 60,
            first_contact_days: 3,
            intercom_ring_secs: 30,
            queues: Vec::new(),
            backup_groups: BTreeMap::new(),
        }
    }
}

/// One queue. `overflow` is `""` (none), `"voicemail"`, `"queue:NAME"` or `"backup:GROUP"`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueEntry {
    pub name: String,
    #[serde(default = "default_strategy")]
    pub strategy: Strategy,
    #[serde(default)]
    pub skills: Vec<String>,
    #[serde(default = "default_ring")]
    pub ring_timeout_secs: u64,
    #[serde(default = "default_wrap_up")]
    pub wrap_up_secs: u64,
    #[serde(default)]
    pub max_length: Option<usize>,
    #[serde(default)]
    pub max_wait_secs: Option<u64>,
    #[serde(default)]
    pub overflow: String,
    /// Added to a VIP caller's priority (VIP from the caller record), so they are served first.
    #[serde(default = "default_vip_boost")]
    pub vip_priority_boost: i32,
    /// A queue VIP callers are moved to instead of this one (a VIP line with its own agents).
    #[serde(default)]
    pub vip_queue: String,
    /// For `strategy = "linear"`: agents (user names) in the order they are tried; agents not
    /// listed follow by skill level.
    #[serde(default)]
    pub agent_order: Vec<String>,
    /// How long a returning caller waits for their first-contact agent before anyone may answer.
    #[serde(default = "default_first_contact_wait")]
    pub first_contact_wait_secs: u64,
    /// Position and estimated-wait announcements every this many seconds.
    #[serde(default)]
    pub announce_secs: Option<u64>,
    /// 排队回拨: the key (`0`-`9`, `*`, `#`) a waiting caller presses to be called back while
    /// keeping their place; the announcements offer it. `""` turns callbacks off.
    #[serde(default)]
    pub callback_key: String,
    /// Dialling attempts per callback, the first included.
    #[serde(default = "default_callback_attempts")]
    pub callback_attempts: u32,
    /// How long a failed callback waits (at the head of the queue) before the next attempt.
    #[serde(default = "default_callback_retry")]
    pub callback_retry_secs: u64,
}

fn default_callback_attempts() -> u32 {
    3
}

fn default_callback_retry() -> u64 {
    300
}

fn default_strategy() -> Strategy {
    Strategy::LongestIdle
}

fn default_ring() -> u64 {
    20
}

fn default_vip_boost() -> i32 {
    10
}

fn default_first_contact_wait() -> u64 {
    15
}

fn default_wrap_up() -> u64 {
    10
}
