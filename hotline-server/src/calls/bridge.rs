//! A caller bridged with an agent: audio both ways through the mix matrix, and the recording.
//! A supervisor joins as a third participant; the mode decides who hears them. A second agent
//! (consulted for an attended transfer, or an expert in a three-way call) is the fourth.

use hotline_media::MixMatrix;
use hotline_protocol::MonitorMode;

use crate::agents::AgentAudio;
use crate::media::recorder::Recorder;
use crate::media::webrtc::{AudioFrame, FRAME_SAMPLES};

pub struct Bridge {
    pub agent: String,
    pub audio: Option<AgentAudio>,
    pub recorder: Option<Recorder>,
    pub started_ms: i64,
    /// The last frame the agent sent, replayed once if the next is late (hides one lost frame).
    pub last: AudioFrame,
    /// On hold the caller hears music (from the call's player) and the agent hears nothing.
    pub held: bool,
    /// Who hears whom between caller and agent (mute is a change here); a supervisor's row and
    /// column come from their mode, see [`Bridge::exchange_with`].
    pub matrix: MixMatrix,
    pub scratch: [i32; FRAME_SAMPLES],
    /// A consulted agent or a conference guest.
    pub guest: Option<Guest>,
}

/// A second agent in the bridge. Consulted (attended transfer): talks with the agent while the
/// caller hears music. In conference: everyone hears everyone.
pub struct Guest {
    pub name: String,
    pub audio: Option<AgentAudio>,
    pub conference: bool,
    last: AudioFrame,
}

impl Guest {
    pub fn new(name: String, audio: Option<AgentAudio>, conference: bool) -> Guest {
        Guest {
            name,
            audio,
            conference,
            last: AudioFrame::SILENCE,
        }
    }

    /// The caller is on hold (hears music) while the agent consults this guest.
    pub fn consulting(&self) -> bool {
        !self.conference
    }
}

/// A supervisor in a call's bridge: listening, whispering to the agent, or barging in.
pub struct Monitor {
    pub supervisor: String,
    pub mode: MonitorMode,
    /// `None` for a workstation without a media leg (it still sees the call's state).
    pub audio: Option<AgentAudio>,
    last: AudioFrame,
}

impl Monitor {
    pub fn new(supervisor: String, mode: MonitorMode, audio: Option<AgentAudio>) -> Monitor {
        Monitor {
            supervisor,
            mode,
            audio,
            last: AudioFrame::SILENCE,
        }
    }
}

/// Bridge participants in the mix matrix.
const CALLER: usize = 0;
const AGENT: usize = 1;
const SUPERVISOR: usize = 2;
const GUEST: usize = 3;

/// Frames a workstation's queue may hold behind the one taken: one absorbs network jitter.
/// More is latency that a burst added and one-frame-per-turn would never take back, so it is
/// dropped.
const MAX_WAITING_FRAMES: usize = 1;

/// The next frame a workstation sent: a late frame is covered once by the last one, then it is
/// silence. Never waits.
fn next_frame(audio: Option<&mut AgentAudio>, last: &mut AudioFrame) -> AudioFrame {
    let Some(audio) = audio else {
        return AudioFrame::SILENCE;
    };
    while audio.from_agent.len() > MAX_WAITING_FRAMES + 1 {
        let _ = audio.from_agent.try_recv();
    }
    if let Ok(f) = audio.from_agent.try_recv() {
        *last = f;
        f
    } else {
        std::mem::replace(last, AudioFrame::SILENCE)
    }
}

impl Bridge {
    /// A caller bridged with `agent` (whose leg is `audio`), recorded when `recorder` is set.
    pub fn new(
        agent: String,
        audio: Option<AgentAudio>,
        recorder: Option<Recorder>,
        started_ms: i64,
    ) -> Bridge {
        Bridge {
            agent,
            audio,
            recorder,
            started_ms,
            last: AudioFrame::SILENCE,
            held: false,
            matrix: MixMatrix::new(2),
            scratch: [0; FRAME_SAMPLES],
            guest: None,
        }
    }

    /// One 20 ms turn with caller and agent only.
    pub fn exchange(&mut self, from_caller: &[i16], to_caller: &mut [i16]) {
        self.exchange_with(from_caller, to_caller, None);
    }

    /// One 20 ms turn through the mix matrix (who hears whom): caller, agent and, when one is
    /// in the bridge, the supervisor. The recording keeps the caller left and the hotline right:
    /// the agent, plus the supervisor when the caller hears them (barge-in), never a whisper.
    /// Never waits, never allocates.
    pub fn exchange_with(
        &mut self,
        from_caller: &[i16],
        to_caller: &mut [i16],
        mut monitor: Option<&mut Monitor>,
    ) {
        let n = from_caller.len().min(FRAME_SAMPLES).min(to_caller.len());
        let agent_frame = next_frame(self.audio.as_mut(), &mut self.last);
        let supervisor_frame = match monitor.as_deref_mut() {
            Some(m) => next_frame(m.audio.as_mut(), &mut m.last),
            None => AudioFrame::SILENCE,
        };
        let guest_frame = match self.guest.as_mut() {
            Some(g) => next_frame(g.audio.as_mut(), &mut g.last),
            None => AudioFrame::SILENCE,
        };
        let mode = monitor.as_deref().map(|m| m.mode);
        let matrix = self.matrix_for(mode);
        let mut to_agent = AudioFrame::SILENCE;
        let mut to_supervisor = AudioFrame::SILENCE;
        let mut to_guest = AudioFrame::SILENCE;
        {
            let inputs: [&[i16]; 4] = [
                &from_caller[..n],
                &agent_frame.0[..n],
                &supervisor_frame.0[..n],
                &guest_frame.0[..n],
            ];
            let (caller_out, _) = to_caller.split_at_mut(n);
            let mut outputs: [&mut [i16]; 4] = [
                caller_out,
                &mut to_agent.0[..n],
                &mut to_supervisor.0[..n],
                &mut to_guest.0[..n],
            ];
            matrix.mix(&inputs, &mut outputs, &mut self.scratch[..n]);
        }
        to_caller[n..].fill(0);
        if let Some(audio) = self.audio.as_mut() {
            let _ = audio.to_agent.try_send(to_agent);
        }
        if let Some(audio) = monitor.and_then(|m| m.audio.as_mut()) {
            let _ = audio.to_agent.try_send(to_supervisor);
        }
        let conference = self.guest.as_ref().is_some_and(|g| g.conference);
        if let Some(audio) = self.guest.as_mut().and_then(|g| g.audio.as_mut()) {
            let _ = audio.to_agent.try_send(to_guest);
        }
        if let Some(rec) = self.recorder.as_mut() {
            let barge = mode.is_some_and(MonitorMode::caller_hears_supervisor);
            let channels = usize::from(rec.channels());
            let mut out = [0i16; 2 * FRAME_SAMPLES];
            for (i, frame) in out.chunks_exact_mut(channels).enumerate().take(n) {
                let mut hotline = agent_frame.0[i];
                if barge {
                    hotline = hotline.saturating_add(supervisor_frame.0[i]);
                }
                if conference {
                    hotline = hotline.saturating_add(guest_frame.0[i]);
                }
                match frame {
                    [mixed] => *mixed = from_caller[i].saturating_add(hotline),
                    [left, right, ..] => {
                        *left = from_caller[i];
                        *right = hotline;
                    }
                    [] => {}
                }
            }
            rec.write(&out[..channels * n]);
        }
    }

    /// The four-party matrix for this turn: caller and agent as the bridge's own matrix says
    /// (mute), the supervisor hearing everyone and heard as `mode` allows, the guest as their
    /// role allows. An empty seat's column is cut, so it adds nothing.
    fn matrix_for(&self, mode: Option<MonitorMode>) -> MixMatrix {
        let guest = self.guest.as_ref();
        let consulting = guest.is_some_and(Guest::consulting);
        let conference = guest.is_some_and(|g| g.conference);
        let mut m = MixMatrix::new(4);
        // While the agent consults, the caller is on hold: neither side hears the other.
        m.set(
            CALLER,
            AGENT,
            self.matrix.hears(CALLER, AGENT) && !consulting,
        );
        m.set(
            AGENT,
            CALLER,
            self.matrix.hears(AGENT, CALLER) && !consulting,
        );
        let agent_hears_sup = mode.is_some_and(MonitorMode::agent_hears_supervisor);
        let caller_hears_sup = mode.is_some_and(MonitorMode::caller_hears_supervisor);
        m.set(AGENT, SUPERVISOR, agent_hears_sup);
        m.set(CALLER, SUPERVISOR, caller_hears_sup);
        m.set(GUEST, SUPERVISOR, caller_hears_sup && guest.is_some());
        m.set(SUPERVISOR, GUEST, guest.is_some());
        m.set(AGENT, GUEST, guest.is_some());
        m.set(GUEST, AGENT, guest.is_some());
        m.set(CALLER, GUEST, conference);
        m.set(GUEST, CALLER, conference);
        m
    }

    pub fn mute(&mut self, on: bool) {
        self.matrix.set(CALLER, AGENT, !on);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::frame_pipe::{FrameReceiver, FrameSender, pipe};

    /// A workstation's leg as the bridge sees it, with the test's ends.
    fn leg() -> (AgentAudio, FrameSender, FrameReceiver) {
        let (say_tx, say_rx) = pipe(4);
        let (hear_tx, hear_rx) = pipe(4);
        let audio = AgentAudio {
            from_agent: say_rx,
            to_agent: hear_tx,
        };
        (audio, say_tx, hear_rx)
    }

    fn frame(v: i16) -> AudioFrame {
        AudioFrame([v; FRAME_SAMPLES])
    }

    fn bridge(audio: AgentAudio) -> Bridge {
        Bridge::new("a1".into(), Some(audio), None, 0)
    }

    /// A backlog of the agent's frames is cut to one waiting: the caller hears the newest
    /// but one, not the oldest, so a burst does not delay the rest of the call.
    #[test]
    fn a_standing_queue_from_the_agent_is_cut_back() {
        let (agent, mut agent_says, _agent_hears) = leg();
        let mut b = bridge(agent);
        for v in 1..=4 {
            agent_says.try_send(frame(v)).expect("agent frame");
        }
        let mut to_caller = [0i16; FRAME_SAMPLES];
        b.exchange(&[0; FRAME_SAMPLES], &mut to_caller);
        assert_eq!(to_caller[0], 3);
        b.exchange(&[0; FRAME_SAMPLES], &mut to_caller);
        assert_eq!(to_caller[0], 4);
    }

    /// One turn where the caller says 1, the agent 10 and the supervisor 100: returns what
    /// the caller, the agent and the supervisor heard.
    fn turn(mode: MonitorMode, muted: bool) -> (i16, i16, i16) {
        let (agent, mut agent_says, mut agent_hears) = leg();
        let (sup, mut sup_says, mut sup_hears) = leg();
        let mut b = bridge(agent);
        b.mute(muted);
        let mut m = Monitor::new("s1".into(), mode, Some(sup));
        agent_says.try_send(frame(10)).expect("agent frame");
        sup_says.try_send(frame(100)).expect("supervisor frame");
        let mut to_caller = [0i16; FRAME_SAMPLES];
        b.exchange_with(&[1; FRAME_SAMPLES], &mut to_caller, Some(&mut m));
        let a = agent_hears.try_recv().expect("agent heard").0[0];
        let s = sup_hears.try_recv().expect("supervisor heard").0[0];
        (to_caller[0], a, s)
    }

    /// The recording of one turn where the caller says 1 and the agent 10, then one on hold
    /// where the caller says 5, in a file with `channels` channels: the first sample frame of
    /// each turn.
    async fn recorded(channels: u16) -> (u16, Vec<i16>) {
        use crate::media::recorder::{Recorder, RecordingWriters};
        let dir = tempfile::tempdir().expect("tempdir");
        let writers = RecordingWriters::start(1).expect("writers");
        let path = dir.path().join("call.wav");
        let (agent, mut agent_says, _agent_hears) = leg();
        let recorder = Recorder::create(&writers, &path, channels);
        let mut b = Bridge::new("a1".into(), Some(agent), Some(recorder), 0);
        agent_says.try_send(frame(10)).expect("agent frame");
        let mut to_caller = [0i16; FRAME_SAMPLES];
        b.exchange(&[1; FRAME_SAMPLES], &mut to_caller);
        b.record_caller_only(&[5; FRAME_SAMPLES]);
        let rec = b.recorder.take().expect("recorder");
        assert_eq!(rec.duration_ms(), 40, "two frames, whatever the layout");
        rec.finish().await.expect("finished").expect("written");
        let bytes = std::fs::read(&path).expect("file");
        let (info, samples) = hotline_media::read_wav(&bytes).expect("wav");
        let width = usize::from(channels);
        let held = width * FRAME_SAMPLES;
        let mut firsts = samples[..width].to_vec();
        firsts.extend_from_slice(&samples[held..held + width]);
        (info.channels, firsts)
    }

    #[tokio::test]
    async fn the_recording_splits_the_sides_or_mixes_them() {
        assert_eq!(
            recorded(2).await,
            (2, vec![1, 10, 5, 0]),
            "caller left, agent right; on hold the agent's side is silent"
        );
        assert_eq!(
            recorded(1).await,
            (1, vec![11, 5]),
            "everyone in one channel"
        );
    }

    #[test]
    fn who_hears_whom_in_each_mode() {
        assert_eq!(turn(MonitorMode::Listen, false), (10, 1, 11));
        assert_eq!(turn(MonitorMode::Whisper, false), (10, 101, 11));
        assert_eq!(turn(MonitorMode::Barge, false), (110, 101, 11));
        // A muted agent stays muted for the caller; the supervisor still hears them.
        assert_eq!(turn(MonitorMode::Whisper, true), (0, 101, 11));
    }

    #[test]
    fn without_a_supervisor_it_is_the_two_party_bridge() {
        let (agent, mut agent_says, mut agent_hears) = leg();
        let mut b = bridge(agent);
        agent_says.try_send(frame(10)).expect("agent frame");
        let mut to_caller = [0i16; FRAME_SAMPLES];
        b.exchange(&[1; FRAME_SAMPLES], &mut to_caller);
        assert_eq!(to_caller[0], 10);
        assert_eq!(agent_hears.try_recv().expect("heard").0[0], 1);
        // A late frame is covered once by the last one, then silence.
        b.exchange(&[1; FRAME_SAMPLES], &mut to_caller);
        assert_eq!(to_caller[0], 10);
        b.exchange(&[1; FRAME_SAMPLES], &mut to_caller);
        assert_eq!(to_caller[0], 0);
    }

    /// One turn with a guest: caller 1, agent 10, guest 1000. Returns what the caller, the
    /// agent and the guest heard.
    fn turn_with_guest(conference: bool) -> (i16, i16, i16) {
        let (agent, mut agent_says, mut agent_hears) = leg();
        let (guest, mut guest_says, mut guest_hears) = leg();
        let mut b = bridge(agent);
        b.guest = Some(Guest::new("a2".into(), Some(guest), conference));
        agent_says.try_send(frame(10)).expect("agent frame");
        guest_says.try_send(frame(1000)).expect("guest frame");
        let mut to_caller = [0i16; FRAME_SAMPLES];
        b.exchange_with(&[1; FRAME_SAMPLES], &mut to_caller, None);
        let a = agent_hears.try_recv().expect("agent heard").0[0];
        let g = guest_hears.try_recv().expect("guest heard").0[0];
        (to_caller[0], a, g)
    }

    #[test]
    fn a_consulted_agent_talks_with_the_agent_only_and_a_conference_joins_everyone() {
        // Consulting: the caller (on hold) hears nobody here (music comes from the call's
        // player) and nobody hears the caller.
        assert_eq!(turn_with_guest(false), (0, 1000, 10));
        assert_eq!(turn_with_guest(true), (1010, 1001, 11));
    }
}
