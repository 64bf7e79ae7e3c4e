//! A caller bridged with an agent: audio both ways through the mix matrix, and the recording.

use crate::agents::AgentAudio;
use crate::media::recorder::Recorder;
use crate::media::webrtc::AudioFrame;

pub struct Bridge {
    pub agent: String,
    pub audio: Option<AgentAudio>,
    pub recorder: Option<Recorder>,
    pub started_ms: i64,
    /// The last frame the agent sent, replayed once if the next is late (hides one lost frame).
    pub last: AudioFrame,
    /// On hold the caller hears music (from the call's player) and the agent hears nothing.
    pub held: bool,
    /// Who hears whom; muting the agent is a change here, as listen and whisper will be.
    pub matrix: hotline_media::MixMatrix,
    pub scratch: [i32; crate::media::webrtc::FRAME_SAMPLES],
}

/// Bridge participants in the mix matrix. Supervisors (listen, whisper, barge-in) join as more.
const CALLER: usize = 0;
const AGENT: usize = 1;

impl Bridge {
    /// One 20 ms turn through the mix matrix (who hears whom): the caller's audio to the agent,
    /// the agent's to the caller, both sides to the recording. Never waits: a missing agent
    /// frame is covered once, then silence.
    pub fn exchange(&mut self, from_caller: &[i16], to_caller: &mut [i16]) {
        const N: usize = crate::media::webrtc::FRAME_SAMPLES;
        let n = from_caller.len().min(N).min(to_caller.len());
        let mut agent_frame = AudioFrame::SILENCE;
        if let Some(audio) = self.audio.as_mut() {
            if let Ok(f) = audio.from_agent.try_recv() {
                agent_frame = f;
                self.last = f;
            } else {
                agent_frame = self.last;
                self.last = AudioFrame::SILENCE;
            }
        }
        let mut to_agent = AudioFrame::SILENCE;
        {
            let inputs: [&[i16]; 2] = [&from_caller[..n], &agent_frame.0[..n]];
            let (caller_out, _) = to_caller.split_at_mut(n);
            let mut outputs: [&mut [i16]; 2] = [caller_out, &mut to_agent.0[..n]];
            self.matrix
                .mix(&inputs, &mut outputs, &mut self.scratch[..n]);
        }
        to_caller[n..].fill(0);
        if let Some(audio) = self.audio.as_mut() {
            let _ = audio.to_agent.try_send(to_agent);
        }
        if let Some(rec) = self.recorder.as_mut() {
            let mut stereo = [0i16; 2 * N];
            for (i, pair) in stereo.chunks_exact_mut(2).enumerate().take(n) {
                pair[0] = from_caller[i];
                pair[1] = agent_frame.0[i];
            }
            rec.write(&stereo[..2 * n]);
        }
    }

    pub fn mute(&mut self, on: bool) {
        self.matrix.set(CALLER, AGENT, !on);
    }
}
