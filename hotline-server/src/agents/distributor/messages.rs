//! What the distributor is told (inputs from calls, sessions and its own timers) and what it
//! tells a call (controls).

use std::collections::BTreeMap;

use hotline_protocol as proto;
use tokio::sync::{mpsc, oneshot};

use super::{CampaignCall, Outbox};
use crate::acd;
use crate::media::frame_pipe::{FrameReceiver, FrameSender};

/// An agent's audio while bridged to a call: what they say, and where to send what they hear.
#[derive(Debug)]
pub struct AgentAudio {
    pub from_agent: FrameReceiver,
    pub to_agent: FrameSender,
}

/// What the distributor tells a waiting or connected call.
#[derive(Debug)]
pub enum CallControl {
    /// An agent answered: bridge the caller with them (audio is `None` when the workstation has
    /// no media leg, e.g. a phone-less supervisor test).
    Bridge {
        agent: String,
        work_number: String,
        audio: Option<AgentAudio>,
    },
    Announce {
        position: usize,
        wait_secs: u64,
    },
    /// The queue's overflow: to voicemail (or a polite goodbye), on to another queue (the call
    /// now counts as that queue's), or opened to a backup group while it keeps waiting.
    Overflow {
        to: acd::OverflowTarget,
        cause: acd::OverflowCause,
    },
    Rejected,
    /// The agent (or a supervisor) hung up.
    Hangup {
        cause: String,
    },
    /// The caller hears music and the agent nothing, or the conversation resumes.
    Hold(bool),
    /// The agent's microphone is cut (the caller hears silence), or restored.
    Mute(bool),
    /// The agent transferred the call: give their audio back, keep the caller (with music)
    /// and the recording until the next `Bridge`. `detail` goes into the call's event log.
    Transfer {
        detail: serde_json::Value,
    },
    /// A second agent joins: consulted (the caller hears music) or in conference (everyone
    /// hears everyone).
    Guest {
        name: String,
        audio: Option<AgentAudio>,
        conference: bool,
    },
    /// The second agent leaves; the caller and the agent talk on.
    GuestLeaves,
    /// Attended transfer completed: the second agent takes the agent's place.
    GuestTakesOver,
    /// A supervisor joins the bridge or switches mode in it (`audio` comes with the join).
    /// `Takeover` swaps them in for the agent, whose audio goes back as `Input::AgentMedia`.
    Monitor {
        supervisor: String,
        mode: proto::MonitorMode,
        audio: Option<AgentAudio>,
    },
    /// The supervisor leaves the bridge; their audio goes back as `Input::AgentMedia`.
    StopMonitor,
    /// The answer to `Input::CallbackRequest`: the entry keeps its place for a callback, or
    /// (not waiting any more: an agent is being offered the call) it could not.
    Callback {
        accepted: bool,
    },
    /// The agent hands the caller to an IVR flow; with `return_to_agent` the agent waits and
    /// the call comes back to them (`Input::BackFromIvr`) when the flow ends.
    Ivr {
        flow: String,
        return_to_agent: bool,
    },
}

/// Everything the distributor reacts to.
#[derive(Debug)]
pub enum Input {
    CallQueued {
        call_id: String,
        caller: String,
        queue: String,
        priority: i32,
        /// The agent who served this caller recently (首问负责制), if any.
        last_agent: Option<String>,
        /// The caller record marks them VIP: the queue's VIP boost applies.
        vip: bool,
        /// What the records say about the caller (`None`: the look-up was not done in time).
        screen_pop: Option<Box<proto::ScreenPop>>,
        control: mpsc::Sender<CallControl>,
    },
    /// The call ended (either side) or left the queue; gives back the agent's audio if bridged.
    CallGone {
        call_id: String,
        audio: Option<(String, AgentAudio)>,
    },
    AgentOnline {
        agent: String,
        work_number: String,
        skills: BTreeMap<String, u8>,
        events: Outbox,
    },
    AgentMedia {
        agent: String,
        audio: AgentAudio,
    },
    /// The workstation's audio leg failed (ICE/DTLS lost, or silent past the hub's limit).
    AgentAudioLost {
        agent: String,
        reason: String,
    },
    AgentCommand {
        agent: String,
        command: proto::Command,
        reply: oneshot::Sender<Result<(), String>>,
    },
    AgentOffline {
        agent: String,
    },
    /// The ACD's view of an agent (wallboards, tests).
    /// A supervisor's (or director's) workstation: the live feed and supervision, but no calls
    /// from the ACD. Their media leg arrives as `AgentMedia` and leaves with `AgentOffline`.
    SupervisorOnline {
        name: String,
        events: Outbox,
    },
    AgentStateQuery {
        agent: String,
        reply: oneshot::Sender<Option<acd::AgentState>>,
    },
    /// Click-to-dial or callback: answered with the new call's id.
    Dial {
        agent: String,
        number: String,
        caller_id: Option<String>,
        ticket_id: Option<String>,
        reply: oneshot::Sender<Result<String, String>>,
    },
    /// The dialer task is up: where outbound calls are ordered.
    DialerReady(crate::calls::outbound::DialerLink),
    /// News of an outbound call the distributor ordered.
    Outbound {
        call_id: String,
        progress: crate::calls::outbound::Progress,
    },
    /// A caller left a message (voicemail, 局长信箱): every agent and the supervisors who
    /// follow calls are told.
    Voicemail(proto::VoicemailNotice),
    /// A queued caller keyed the callback key and a number (checked against the dial plan):
    /// keep their place and call them back (排队回拨). Answered with `CallControl::Callback`.
    CallbackRequest {
        call_id: String,
        number: String,
    },
    /// A callback stored before a restart: it waits in its queue again.
    RestoreCallback(crate::store::CallbackRow),
    /// A follow-up campaign's citizen to connect to an agent, then dial (回访 by an agent).
    CampaignCall(CampaignCall),
    /// The campaign stopped waiting for an agent to take this entry. Answered `false` when an
    /// agent already has it (the attempt's end will still come).
    CampaignWithdraw {
        entry_id: String,
        reply: oneshot::Sender<bool>,
    },
    /// An internal call (supervisor to agent) rang unanswered too long.
    IntercomRingTimeout {
        call_id: String,
    },
    /// A caller the agent sent into a flow is back: `result` is the flow's `result` variable.
    BackFromIvr {
        call_id: String,
        flow: String,
        result: String,
    },
}
