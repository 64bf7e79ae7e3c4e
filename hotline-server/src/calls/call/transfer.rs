//! The call's side of a blind transfer: the agent leaves, the caller waits with music, and the
//! recording carries on so one file covers the whole call, whoever the caller talks to.

use super::Call;
use crate::agents::{AgentAudio, Input};
use crate::calls::bridge::Bridge;
use crate::media::webrtc::FRAME_SAMPLES;

impl Call {
    /// The distributor re-routed the call: hand the agent's audio back and keep the caller.
    pub(super) fn on_transfer(&mut self, detail: serde_json::Value) {
        self.event("transfer", detail);
        if let Some(b) = self.bridge.as_mut() {
            b.held = true;
            if let Some(audio) = b.audio.take() {
                self.ctx.distributor.send(Input::AgentMedia {
                    agent: b.agent.clone(),
                    audio,
                });
            }
        }
        self.player.stop();
        if let Some(music) = self.ctx.hold_music.clone() {
            self.player.loop_clip(music);
        }
    }

    /// The next agent answered a transferred call: they join the bridge that holds the
    /// recording.
    pub(super) fn rejoin_bridge(&mut self, agent: &str, audio: Option<AgentAudio>) {
        // A call nobody recorded yet starts its recording when an agent who is recorded takes it.
        let unrecorded = self.bridge.as_ref().is_some_and(|b| b.recorder.is_none());
        let recorder = if unrecorded {
            self.start_call_recording(agent)
        } else {
            None
        };
        let Some(b) = self.bridge.as_mut() else {
            return;
        };
        if recorder.is_some() {
            b.recorder = recorder;
            b.started_ms = self.ctx.now_ms();
        }
        agent.clone_into(&mut b.agent);
        b.audio = audio;
        b.held = false;
        b.mute(false);
        self.player.stop();
    }
}

impl Bridge {
    /// While nobody talks to the caller (on hold, being transferred) the recording keeps time:
    /// the caller's side as heard, the agent's side silent.
    pub fn record_caller_only(&mut self, from_caller: &[i16]) {
        let Some(rec) = self.recorder.as_mut() else {
            return;
        };
        let n = from_caller.len().min(FRAME_SAMPLES);
        let channels = usize::from(rec.channels());
        let mut out = [0i16; 2 * FRAME_SAMPLES];
        // The caller's channel (the only one when mixed); the hotline's stays silent.
        for (frame, s) in out.chunks_exact_mut(channels).zip(&from_caller[..n]) {
            frame[0] = *s;
        }
        rec.write(&out[..channels * n]);
    }
}
