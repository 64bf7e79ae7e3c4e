//! Wallboard alarms.

use serde::{Deserialize, Serialize};

/// A threshold crossed (or, with `cleared`, no longer crossed). The same `id` is sent again when
/// the alarm clears, so a client can keep an alarm list keyed by id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alarm {
    pub id: u64,
    pub kind: AlarmKind,
    /// What the alarm is about: a queue name for queue alarms, an agent id for agent alarms.
    pub subject: String,
    /// The measured value, in the unit of the kind (see [`AlarmKind::unit`]).
    pub value: f64,
    pub threshold: f64,
    pub raised_at_ms: u64,
    #[serde(default)]
    pub cleared: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlarmKind {
    /// A queue's service level fell under target (value, threshold in percent).
    ServiceLevel,
    /// A call lasts longer than allowed (seconds); subject is the agent.
    LongCall,
    /// Too many callers waiting (count); subject is the queue.
    LongQueue,
    /// An agent not ready for too long (seconds).
    LongNotReady,
    /// An agent asked for help (求助); subject is the agent, value and threshold are 0. Cleared
    /// when a supervisor joins the agent's call.
    HelpRequest,
    /// An agent pressed emergency; as `help_request`, to be answered at once.
    Emergency,
}

impl AlarmKind {
    /// The unit of `value` and `threshold`.
    pub fn unit(self) -> &'static str {
        match self {
            AlarmKind::ServiceLevel => "percent",
            AlarmKind::LongCall | AlarmKind::LongNotReady => "seconds",
            AlarmKind::LongQueue => "callers",
            AlarmKind::HelpRequest | AlarmKind::Emergency => "none",
        }
    }
}
