//! The handle a call or a session holds for one agent's audio.

use tokio::sync::{mpsc, watch};

use super::driver::Control;
use crate::media::frame_pipe::{self, FrameReceiver, FrameSender};

/// Where an agent leg stands, as ICE and DTLS progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LegState {
    Connecting,
    Connected,
    /// Final: the leg is gone and its channels will carry nothing more.
    Disconnected(String),
}

/// One agent's audio leg. Fields are public so a caller can move the channels where they are
/// used (mixer, recorder); the leg is closed by [`AgentLeg::close`], or by the driver once both
/// `from_agent` and `to_agent` have been dropped.
pub struct AgentLeg {
    pub id: u64,
    /// 20 ms frames the agent speaks (decoded PCMU). The driver never waits on a full channel: it
    /// drops the new frame and counts it (`HubStats::frames_dropped_in`).
    pub from_agent: FrameReceiver,
    /// Frames to play to the agent; the driver takes one per 20 ms, encodes it (PCMU) and stamps
    /// it with its own RTP clock. Nothing queued means nothing is sent for that slot.
    pub to_agent: FrameSender,
    /// Connected / Disconnected(reason) as ICE and DTLS progress.
    pub state: watch::Receiver<LegState>,
    control: Option<mpsc::UnboundedSender<Control>>,
}

impl AgentLeg {
    pub(super) fn new(
        id: u64,
        from_agent: FrameReceiver,
        to_agent: FrameSender,
        state: watch::Receiver<LegState>,
        control: mpsc::UnboundedSender<Control>,
    ) -> Self {
        AgentLeg {
            id,
            from_agent,
            to_agent,
            state,
            control: Some(control),
        }
    }

    /// A leg with no network behind it, for tests of the code that consumes legs (calls, mixer):
    /// the returned [`DetachedLeg`] plays the agent's side.
    pub fn detached(id: u64, capacity: usize) -> (AgentLeg, DetachedLeg) {
        let (in_tx, in_rx) = frame_pipe::pipe(capacity);
        let (out_tx, out_rx) = frame_pipe::pipe(capacity);
        let (state_tx, state_rx) = watch::channel(LegState::Connected);
        let leg = AgentLeg {
            id,
            from_agent: in_rx,
            to_agent: out_tx,
            state: state_rx,
            control: None,
        };
        let far = DetachedLeg {
            speak: in_tx,
            hear: out_rx,
            state: state_tx,
        };
        (leg, far)
    }

    /// Tears the leg down (DTLS close_notify to the agent). Idempotent; the state turns
    /// `Disconnected` once the driver has dropped the leg.
    pub fn close(&self) {
        if let Some(control) = &self.control {
            // A stopped driver has already dropped every leg.
            let _ = control.send(Control::Close(self.id));
        }
    }
}

/// The agent's end of a [`AgentLeg::detached`] leg.
pub struct DetachedLeg {
    /// Frames "the agent" speaks; they come out of `AgentLeg::from_agent`.
    pub speak: FrameSender,
    /// Frames written to `AgentLeg::to_agent`.
    pub hear: FrameReceiver,
    pub state: watch::Sender<LegState>,
}
