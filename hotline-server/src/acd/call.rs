//! A call while the ACD holds it: waiting, ringing at agents, or connected.

use std::cmp::{Ordering, Reverse};
use std::collections::BTreeSet;
use std::time::Instant;

use super::callback::Callback;
use super::ids::{AgentId, CallId, QueueId};

/// A call the IVR hands to a queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingCall {
    pub call: CallId,
    /// Caller number, for the live queue view.
    pub caller: String,
    pub queue: QueueId,
    /// Higher goes first.
    pub priority: i32,
    pub vip: bool,
    /// The agent who served this caller recently (the server looks it up), for 首问负责制.
    pub last_agent: Option<AgentId>,
    /// When the caller started waiting; waits shown to agents count from here.
    pub arrived_at: Instant,
}

/// Queue order: calls returned to the head first, then priority, then arrival.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct SortKey {
    pub front: bool,
    pub priority: i32,
    pub seq: u64,
}

impl Ord for SortKey {
    fn cmp(&self, other: &Self) -> Ordering {
        (Reverse(self.front), Reverse(self.priority), self.seq).cmp(&(
            Reverse(other.front),
            Reverse(other.priority),
            other.seq,
        ))
    }
}

impl PartialOrd for SortKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Phase {
    Waiting,
    /// Ringing at one agent, or at several for ring-all.
    Offered {
        agents: BTreeSet<AgentId>,
        deadline: Instant,
    },
    /// Answered; no longer in a queue, held until the call ends.
    Connected {
        agent: AgentId,
        since: Instant,
    },
}

#[derive(Debug, Clone)]
pub(super) struct CallEntry {
    pub id: CallId,
    pub caller: String,
    pub queue: QueueId,
    pub key: SortKey,
    pub arrived_at: Instant,
    pub phase: Phase,
    /// Overflowed into this backup group: its members are eligible too.
    pub backup_group: Option<String>,
    /// Queue-to-queue overflows so far.
    pub hops: u8,
    /// First-contact agent, and until when the call waits for it while it is busy.
    pub first_contact: Option<(AgentId, Instant)>,
    pub next_announce: Option<Instant>,
    pub max_wait_at: Option<Instant>,
    /// Agents that rejected or missed this call: tried last.
    pub declined: BTreeSet<AgentId>,
    /// Transferred to this agent: offered to them only (skills aside) until they take it or
    /// let it go, then routed as usual.
    pub directed: Option<AgentId>,
    /// The caller asked to be called back and has hung up (see `callback.rs`).
    pub callback: Option<Callback>,
}

impl CallEntry {
    pub fn is_waiting(&self) -> bool {
        self.phase == Phase::Waiting
    }

    /// Waiting and offerable now: not a callback still in its retry delay.
    pub fn offerable(&self, now: Instant) -> bool {
        self.is_waiting()
            && self
                .callback
                .as_ref()
                .and_then(|c| c.not_before)
                .is_none_or(|t| now >= t)
    }

    pub fn in_queue(&self) -> bool {
        !matches!(self.phase, Phase::Connected { .. })
    }
}
