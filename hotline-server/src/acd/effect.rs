//! What the ACD asks the server to do, and the agent states it reports.

use std::time::{Duration, Instant};

use super::ids::{AgentId, CallId, QueueId};
use super::settings::OverflowTarget;

/// Not-ready reason set when an agent let an offer ring out (未接).
pub const REASON_MISSED: &str = "missed";
/// Not-ready reason while an agent's client is disconnected.
pub const REASON_DISCONNECTED: &str = "disconnected";
/// Not-ready reason right after log-in: agents start not ready and press ready.
pub const REASON_LOGIN: &str = "login";
/// Not-ready reason when a workstation's audio leg failed.
pub const REASON_NO_AUDIO: &str = "no_audio";

/// An agent's state as the ACD sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentState {
    LoggedOut,
    Ready,
    /// 临时闭席, with the agent's (or the ACD's) reason code.
    NotReady {
        reason: String,
    },
    Ringing {
        call: CallId,
    },
    OnCall {
        call: CallId,
    },
    WrapUp {
        until: Instant,
    },
}

impl AgentState {
    /// A short name for errors and logs.
    pub fn name(&self) -> &'static str {
        match self {
            Self::LoggedOut => "logged-out",
            Self::Ready => "ready",
            Self::NotReady { .. } => "not-ready",
            Self::Ringing { .. } => "ringing",
            Self::OnCall { .. } => "on-call",
            Self::WrapUp { .. } => "wrap-up",
        }
    }
}

/// Why an agent's state changed. Every [`AcdEffect::AgentState`] carries one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateCause {
    LoggedIn,
    /// The agent asked for it.
    AgentRequest,
    /// A supervisor forced it (force not-ready, force log-out).
    Forced,
    Offered,
    Answered,
    PickedUp,
    /// The agent rejected an offer.
    OfferRejected,
    /// The agent let an offer ring out.
    RingTimeout,
    /// Another agent answered or picked up the call, or the caller hung up.
    OfferWithdrawn,
    CallEnded,
    /// The agent transferred its call elsewhere.
    Transferred,
    WrapUpEnded,
    WrapUpExpired,
    WrapUpExtended,
    Disconnected,
    Reconnected,
    /// Disconnected longer than the grace period.
    GraceExpired,
    /// The workstation's audio leg failed.
    AudioLost,
}

/// Why an offer was cancelled. Every [`AcdEffect::Offer`] ends in one `CancelOffer` or `Connect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelReason {
    RingTimeout,
    Rejected,
    AnsweredElsewhere,
    PickedUp,
    CallerAbandoned,
    AgentDisconnected,
    AgentLoggedOut,
    AgentNotReady,
}

/// Why a call overflowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverflowCause {
    MaxLength,
    MaxWait,
    NoAgents,
}

impl OverflowCause {
    /// The name the call's events and reports use.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MaxLength => "max_length",
            Self::MaxWait => "max_wait",
            Self::NoAgents => "no_agents",
        }
    }
}

/// Why a call was turned away by the ACD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectCause {
    /// Queue full and no overflow target.
    QueueFull,
    /// Too many queue-to-queue overflows (a cycle in the configuration).
    OverflowLoop,
    /// The overflow target queue is not defined.
    UnknownOverflowQueue,
}

/// One call in a queue, for wallboards and agents' live queue view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingCall {
    pub call: CallId,
    pub caller: String,
    pub waited_ms: u64,
    pub priority: i32,
    /// Currently ringing at an agent (still counts as waiting for the caller).
    pub offered: bool,
}

/// A queue's state; emitted whenever its calls or agent counts change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueSnapshot {
    pub queue: QueueId,
    /// In queue order: the head first.
    pub waiting: Vec<WaitingCall>,
    pub longest_wait_ms: u64,
    /// Logged-in, connected, skilled agents that are ready.
    pub agents_ready: usize,
    /// Skilled agents ringing, on a call or in wrap-up.
    pub agents_busy: usize,
}

/// An instruction or report for the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AcdEffect {
    /// Ring `agent` with `call` for up to `ring_timeout`.
    Offer {
        call: CallId,
        agent: AgentId,
        ring_timeout: Duration,
    },
    /// Stop ringing `agent` with `call`.
    CancelOffer {
        call: CallId,
        agent: AgentId,
        reason: CancelReason,
    },
    /// Bridge `call` with `agent` (after an answer or a pick-up). The call leaves its queue.
    Connect {
        call: CallId,
        agent: AgentId,
    },
    AgentState {
        agent: AgentId,
        state: AgentState,
        cause: StateCause,
    },
    /// Tell the caller their position (1 = next) and the estimated wait.
    Announce {
        call: CallId,
        position: usize,
        estimated_wait_secs: u64,
    },
    /// The call overflowed. For `Voicemail` it has left the ACD; for `Queue` it now waits
    /// there; for `BackupGroup` it stays in its queue with backup agents eligible too.
    Overflow {
        call: CallId,
        to: OverflowTarget,
        cause: OverflowCause,
    },
    /// The call left the ACD unserved; the server plays a busy message and hangs up.
    Rejected {
        call: CallId,
        cause: RejectCause,
    },
    QueueSnapshot(QueueSnapshot),
    /// A callback attempt failed (see [`crate::acd::Acd::callback_failed`]): with `retry_at`
    /// the entry waits at the head of its queue until then; without, it has left the ACD.
    CallbackFailed {
        call: CallId,
        /// Failed attempts so far.
        attempts: u32,
        retry_at: Option<Instant>,
    },
}
