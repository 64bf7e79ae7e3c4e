//! The call's side of supervision: a supervisor joins the bridge, switches mode, leaves, or
//! takes the call over from the agent. Legs that leave the call go back to the distributor.

use hotline_protocol::MonitorMode;
use serde_json::json;

use super::Call;
use crate::agents::{AgentAudio, Input};
use crate::calls::bridge::Monitor;
use crate::media::webrtc::AudioFrame;

impl Call {
    /// Joins the supervisor (with their leg) or switches their mode.
    pub(super) fn on_monitor(
        &mut self,
        supervisor: String,
        mode: MonitorMode,
        mut audio: Option<AgentAudio>,
    ) {
        self.event(
            "monitor",
            json!({"supervisor": supervisor, "mode": mode, "audio": audio.is_some()}),
        );
        // What the supervisor said before joining is stale.
        if let Some(a) = audio.as_mut() {
            while a.from_agent.try_recv().is_ok() {}
        }
        if mode == MonitorMode::Takeover {
            self.take_over(supervisor, audio);
            return;
        }
        match self.monitor.as_mut() {
            Some(m) => {
                m.mode = mode;
                if audio.is_some() {
                    m.audio = audio;
                }
            }
            None => self.monitor = Some(Monitor::new(supervisor, mode, audio)),
        }
    }

    pub(super) fn on_stop_monitor(&mut self) {
        if let Some(m) = &self.monitor {
            self.event("monitor_stop", json!({"supervisor": m.supervisor}));
        }
        self.release_monitor();
    }

    /// Gives the supervisor's leg back (they left, or the call is ending).
    pub(super) fn release_monitor(&mut self) {
        let Some(m) = self.monitor.take() else {
            return;
        };
        if let Some(audio) = m.audio {
            self.ctx.distributor.send(Input::AgentMedia {
                agent: m.supervisor,
                audio,
            });
        }
    }

    /// The supervisor takes the agent's place in the bridge; the agent's leg goes back.
    fn take_over(&mut self, supervisor: String, audio: Option<AgentAudio>) {
        let audio = audio.or_else(|| self.monitor.take().and_then(|m| m.audio));
        self.monitor = None;
        let Some(b) = self.bridge.as_mut() else {
            if let Some(audio) = audio {
                self.ctx.distributor.send(Input::AgentMedia {
                    agent: supervisor,
                    audio,
                });
            }
            return;
        };
        let agent = std::mem::replace(&mut b.agent, supervisor.clone());
        let old = std::mem::replace(&mut b.audio, audio);
        b.last = AudioFrame::SILENCE;
        b.mute(false);
        if let Some(old) = old {
            self.ctx.distributor.send(Input::AgentMedia {
                agent: agent.clone(),
                audio: old,
            });
        }
        self.event(
            "taken_over",
            json!({"supervisor": supervisor, "agent": agent}),
        );
    }
}
