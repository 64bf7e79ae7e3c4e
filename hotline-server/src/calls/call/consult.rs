//! The call's side of an attended transfer or a three-way call: a second agent joins the
//! bridge, leaves it, or takes the first agent's place. Legs leaving the call go back to the
//! distributor.

use serde_json::json;

use super::Call;
use crate::agents::{AgentAudio, Input};
use crate::calls::bridge::Guest;
use crate::media::webrtc::AudioFrame;

impl Call {
    pub(super) fn on_guest(
        &mut self,
        name: String,
        mut audio: Option<AgentAudio>,
        conference: bool,
    ) {
        self.event("consult", json!({"agent": name, "conference": conference}));
        // What the second agent said before joining is stale.
        if let Some(a) = audio.as_mut() {
            while a.from_agent.try_recv().is_ok() {}
        }
        let Some(b) = self.bridge.as_mut() else {
            self.give_back(name, audio);
            return;
        };
        b.held = false;
        b.guest = Some(Guest::new(name, audio, conference));
        self.player.stop();
        // Consulting: the caller keeps hearing music (the bridge cuts them off both ways).
        if !conference && let Some(music) = self.ctx.hold_music.clone() {
            self.player.loop_clip(music);
        }
    }

    pub(super) fn on_guest_leaves(&mut self) {
        let guest = self.bridge.as_mut().and_then(|b| b.guest.take());
        self.player.stop();
        if let Some(g) = guest {
            self.event("consult_end", json!({"agent": g.name}));
            self.give_back(g.name, g.audio);
        }
    }

    /// Attended transfer completed: the second agent takes the first agent's place.
    pub(super) fn on_guest_takes_over(&mut self) {
        self.player.stop();
        let Some(b) = self.bridge.as_mut() else {
            return;
        };
        let Some(g) = b.guest.take() else {
            return;
        };
        let from = std::mem::replace(&mut b.agent, g.name.clone());
        let old = std::mem::replace(&mut b.audio, g.audio);
        b.last = AudioFrame::SILENCE;
        b.held = false;
        b.mute(false);
        self.event(
            "transfer",
            json!({"from": from, "to": {"agent": g.name}, "mode": "attended"}),
        );
        self.event("connected", json!({"agent": g.name, "audio": true}));
        self.give_back(from, old);
    }

    /// The call is ending: a second agent's leg goes back too.
    pub(super) fn release_guest(&mut self) {
        if let Some(g) = self.bridge.as_mut().and_then(|b| b.guest.take()) {
            self.give_back(g.name, g.audio);
        }
    }

    fn give_back(&self, agent: String, audio: Option<AgentAudio>) {
        if let Some(audio) = audio {
            self.ctx
                .distributor
                .send(Input::AgentMedia { agent, audio });
        }
    }
}
