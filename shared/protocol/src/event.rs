//! Events: what the server pushes to workstations, unasked.

use serde::{Deserialize, Serialize};

use crate::agent::{AgentState, StateCause};
use crate::alarm::Alarm;
use crate::call::{CallState, Direction, Party};
use crate::callback::CallbackOffer;
use crate::error::ErrorBody;
use crate::ids::{AgentId, CallId};
use crate::monitor::MonitorMode;
use crate::queue::QueueSnapshot;
use crate::screen_pop::ScreenPop;
use crate::transfer::TransferInfo;
use crate::voicemail::VoicemailNotice;
use crate::webrtc::WebRtcSignal;

/// A server push. On the wire: `{"type":"<name>", ...fields}`.
// Messages are built once and serialised; boxing the screen-pop would only make them clumsier
// to construct.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// An agent's state changed (one's own always; everyone's with topic `agents`).
    AgentState {
        agent_id: AgentId,
        state: AgentState,
        /// When the agent entered this state (for "time in state").
        since_ms: u64,
        cause: StateCause,
        /// The caller's number while the agent's call rings or is connected (the supervisor's
        /// seat grid); absent otherwise.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        caller: Option<String>,
    },
    /// A call rings at this workstation: show the banner and the screen-pop.
    CallOffered {
        call_id: CallId,
        queue: String,
        /// How long the caller has waited so far (IVR excluded).
        waited_ms: u64,
        /// The offer is withdrawn after this long without an answer.
        ring_timeout_ms: u64,
        screen_pop: ScreenPop,
        /// Set when another agent transferred the call here: their note and ticket.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        transfer: Option<TransferInfo>,
        /// Set when the offer is a callback in queue (排队回拨): the caller has hung up and is
        /// dialled on `callback.number` once the agent answers. Boxed: keeps every event small.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        callback: Option<Box<CallbackOffer>>,
    },
    /// A call this user is in (or monitors) changed.
    CallState {
        call_id: CallId,
        state: CallState,
        direction: Direction,
        /// When the call connected (for the call timer); `None` before.
        connected_at_ms: Option<u64>,
        #[serde(default)]
        parties: Vec<Party>,
        /// A supervisor monitoring this call, as far as policy lets the agent know
        /// (see `MonitorMode::shown_to_agent`). Supervisors always see their own mode.
        monitor: Option<MonitorMode>,
    },
    /// A queue's live figures (topic `queues`).
    QueueSnapshot(QueueSnapshot),
    /// An alarm raised or cleared (topic `alarms`).
    Alarm(Alarm),
    /// A new voicemail or director's-mailbox message.
    Voicemail(VoicemailNotice),
    /// A message for the status line (broadcast by a supervisor, server shutting down, …).
    Notice { text: String, level: NoticeLevel },
    /// Media-leg signalling from the server.
    #[serde(rename = "webrtc")]
    WebRtc(WebRtcSignal),
    /// An error not tied to a request (session expired, forced log-out, leg failed).
    Error(ErrorBody),
    /// The caller the agent sent into an IVR flow (and waited for) is back; `result` is what
    /// the flow handed back (its `result` variable, empty if it set none).
    IvrResult {
        call_id: CallId,
        flow: String,
        result: String,
    },
}

impl Event {
    /// Every event `type`, in declaration order. Tests check it against serde's own list.
    pub const NAMES: [&'static str; 10] = [
        "agent_state",
        "call_offered",
        "call_state",
        "queue_snapshot",
        "alarm",
        "voicemail",
        "notice",
        "webrtc",
        "error",
        "ivr_result",
    ];

    /// The wire `type` of this event.
    pub fn name(&self) -> &'static str {
        match self {
            Event::AgentState { .. } => "agent_state",
            Event::CallOffered { .. } => "call_offered",
            Event::CallState { .. } => "call_state",
            Event::QueueSnapshot(_) => "queue_snapshot",
            Event::Alarm(_) => "alarm",
            Event::Voicemail(_) => "voicemail",
            Event::Notice { .. } => "notice",
            Event::WebRtc(_) => "webrtc",
            Event::Error(_) => "error",
            Event::IvrResult { .. } => "ivr_result",
        }
    }
}

/// How loud a notice is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeLevel {
    Info,
    Warning,
    /// Shown with a bell or flash.
    Critical,
}
