//! Audio backends: where the agent's voice comes from (`mic`) and where what the agent
//! hears goes (`speaker`). Every backend looks the same to the rest of the program — two
//! bounded channels of 20 ms frames plus level meters — so the WebRTC leg, the device
//! check screen and the headless test agent do not care which one runs.

pub(crate) mod device;
pub(crate) mod file;

use std::path::PathBuf;
use std::sync::Arc;

use hotline_media::ToneGenerator;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::error::SoftphoneError;
use crate::frame::{FRAME_DURATION, FRAME_SAMPLES, Frame, SAMPLE_RATE};
use crate::levels::LevelMeter;

/// One second of frames each way: enough to ride out a scheduling hiccup, short enough
/// that a stalled consumer shows up as dropped audio rather than ever-growing delay.
pub(crate) const QUEUE_FRAMES: usize = 50;

/// Which backend to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendKind {
    /// The sound card through cpal. `None` picks the host's default device; a name must
    /// match an [`AudioDevice::name`] from [`list_devices`](crate::list_devices).
    Cpal {
        input: Option<String>,
        output: Option<String>,
    },
    /// A WAV file (8 kHz mono 16-bit) is the microphone, paced at real time; when it ends
    /// it starts over (`loop_play`) or silence follows. Without `play` the mic is silent.
    /// Everything sent to the speaker is written to `record` as 8 kHz mono WAV.
    File {
        play: Option<PathBuf>,
        record: Option<PathBuf>,
        loop_play: bool,
    },
    /// Silence in (at real time, so a leg keeps sending), speaker discarded.
    Null,
}

/// A sound-card device as the host names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioDevice {
    pub name: String,
    pub is_input: bool,
    pub is_default: bool,
}

/// A running backend. The fields are public so the channels can be handed to a leg
/// (`let AudioIo { mic, speaker, levels, handle } = io;`) while `handle` keeps it alive.
pub struct AudioIo {
    /// Microphone frames, 8 kHz, one per 20 ms.
    pub mic: mpsc::Receiver<Frame>,
    /// Frames to play. Producers on the media path should `try_send`: a full queue means
    /// the device is behind, and dropping beats delaying.
    pub speaker: mpsc::Sender<Frame>,
    pub levels: Arc<LevelMeter>,
    /// Stops the backend when dropped.
    pub handle: AudioHandle,
}

impl AudioIo {
    /// Stops the backend; for the file backend, waits until the recording is complete
    /// on disk (frames already queued to the speaker are included).
    pub async fn finish(self) -> Result<(), SoftphoneError> {
        self.handle.finish().await
    }
}

/// Keeps a backend's tasks and device streams alive; dropping it stops them (a file
/// recording is then still finalised, but nobody waits for it).
pub struct AudioHandle {
    /// Never sent on: tasks watch for it being dropped.
    stop: Option<watch::Sender<()>>,
    recorder: Option<JoinHandle<Result<(), SoftphoneError>>>,
    streams: Option<device::Streams>,
}

impl AudioHandle {
    pub(crate) fn new(
        stop: watch::Sender<()>,
        recorder: Option<JoinHandle<Result<(), SoftphoneError>>>,
        streams: Option<device::Streams>,
    ) -> Self {
        AudioHandle {
            stop: Some(stop),
            recorder,
            streams,
        }
    }

    pub async fn finish(mut self) -> Result<(), SoftphoneError> {
        self.streams = None;
        self.stop = None;
        match self.recorder.take() {
            Some(task) => task
                .await
                .map_err(|e| SoftphoneError::Task(e.to_string()))?,
            None => Ok(()),
        }
    }
}

/// Starts a backend: returns where microphone frames come out and where speaker frames
/// go in. Must be called within a tokio runtime.
pub fn start_backend(kind: &BackendKind) -> Result<AudioIo, SoftphoneError> {
    match kind {
        BackendKind::Cpal { input, output } => device::start(input.as_deref(), output.as_deref()),
        BackendKind::File {
            play,
            record,
            loop_play,
        } => file::start(play.as_deref(), record.as_deref(), *loop_play),
        BackendKind::Null => file::start(None, None, false),
    }
}

/// Plays a sine of `freq` Hz for `millis` ms (rounded up to whole frames) on `speaker`,
/// paced at real time in the background: "a test tone" for the device check screen.
/// Outside a tokio runtime the frames are queued at once, as many as fit.
pub fn test_tone(speaker: &mpsc::Sender<Frame>, freq: f32, millis: u32) {
    const FRAME_MS: usize = 20;
    let frames = (millis as usize).div_ceil(FRAME_MS);
    // About -12 dBFS: clearly audible without being harsh in a headset.
    let mut tone = ToneGenerator::new(&[freq], 8192, SAMPLE_RATE);
    let mut next = move || {
        let mut f = Frame([0; FRAME_SAMPLES]);
        tone.fill(&mut f.0);
        f
    };
    let speaker = speaker.clone();
    if let Ok(rt) = tokio::runtime::Handle::try_current() {
        rt.spawn(async move {
            let mut tick = tokio::time::interval(FRAME_DURATION);
            for _ in 0..frames {
                tick.tick().await;
                if speaker.send(next()).await.is_err() {
                    break;
                }
            }
        });
    } else {
        for _ in 0..frames {
            if speaker.try_send(next()).is_err() {
                break;
            }
        }
    }
}
