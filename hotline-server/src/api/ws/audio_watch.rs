//! Watches a workstation's audio leg for the session that set it up, and reports its failure
//! to the distributor. One watch per session: a new leg (the workstation renegotiated) replaces
//! the old watch, and the session's end drops it, so a leg that was replaced or outlived its
//! session never reports.

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::agents::{Distributor, Input};
use crate::media::webrtc::LegState;

pub(super) struct AudioWatch(JoinHandle<()>);

impl AudioWatch {
    pub(super) fn start(
        agent: String,
        mut state: watch::Receiver<LegState>,
        distributor: Distributor,
    ) -> Self {
        AudioWatch(tokio::spawn(async move {
            loop {
                if let LegState::Disconnected(reason) = &*state.borrow_and_update() {
                    distributor.send(Input::AgentAudioLost {
                        agent,
                        reason: reason.clone(),
                    });
                    return;
                }
                if state.changed().await.is_err() {
                    // The hub dropped the leg without a final state: nothing to report.
                    return;
                }
            }
        }))
    }
}

impl Drop for AudioWatch {
    fn drop(&mut self) {
        self.0.abort();
    }
}
