//! Live queue figures for the agent's queue view and the supervisor's wallboard.

use serde::{Deserialize, Serialize};

use crate::ids::CallId;
use crate::screen_pop::Location;

/// One queue at one moment. Sent whole (not as a diff) so a client that missed one is right
/// again with the next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueSnapshot {
    pub queue: String,
    /// In the order the ACD will serve them (priority, then wait).
    #[serde(default)]
    pub waiting: Vec<WaitingCaller>,
    pub longest_wait_ms: u64,
    pub agents_ready: u32,
    pub agents_busy: u32,
    #[serde(default)]
    pub agents_not_ready: u32,
    pub answered_today: u32,
    pub abandoned_today: u32,
    /// Calls answered within the service-level threshold (15 s by default, GB/T 33358) as a
    /// percentage of calls answered or abandoned today; 100 before the first such call.
    pub service_level_pct: f64,
    #[serde(default)]
    pub avg_wait_ms: u64,
    #[serde(default)]
    pub avg_talk_ms: u64,
}

/// A caller waiting in a queue; agents may pick one up (抢接) with `pick_up`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitingCaller {
    pub call_id: CallId,
    pub number: String,
    pub name: Option<String>,
    pub location: Option<Location>,
    #[serde(default)]
    pub vip: bool,
    pub waited_ms: u64,
    /// Higher is served first; 0 is normal.
    #[serde(default)]
    pub priority: u8,
}
