//! Cheap audio for many headless agents in one process: one voice shared by every session
//! (a 600 Hz tone or a WAV read once), played by one small task per session, and an ear that
//! only counts frames. No threads and no files per session.

use std::f64::consts::TAU;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use hotline_softphone::{FRAME_DURATION, Frame, SAMPLE_RATE};
use tokio::sync::mpsc;
use tokio::time::MissedTickBehavior;

/// The load agents' default voice.
pub const TONE_HZ: f64 = 600.0;
/// About -10 dBFS, like the `sox … vol 0.3` voice of the load script.
const TONE_AMPLITUDE: f64 = 0.3 * 32767.0;
/// A frame whose peak is under this (about -40 dBFS) counts as silence.
const VOICED_PEAK: f32 = 0.01;
/// Frames queued toward the leg: the leg reads one per 20 ms, so a short queue is enough.
const MIC_QUEUE: usize = 4;
/// The leg drops frames rather than wait on a full ear; the counter never falls behind.
const EAR_QUEUE: usize = 8;

/// One 20 ms frame of 600 Hz: 12 whole periods, so repeating it is a seamless tone.
pub fn tone_frame() -> Frame {
    let mut f = Frame::SILENCE;
    for (n, s) in f.0.iter_mut().enumerate() {
        let t = n as f64 / f64::from(SAMPLE_RATE);
        *s = ((TAU * TONE_HZ * t).sin() * TONE_AMPLITUDE).round() as i16;
    }
    f
}

/// The samples every session plays, looped; never empty.
pub type Voice = Arc<[i16]>;

/// The voice: `samples` if there are any, else the tone.
pub fn voice(samples: Vec<i16>) -> Voice {
    if samples.is_empty() {
        Arc::from(tone_frame().0.as_slice())
    } else {
        Arc::from(samples)
    }
}

/// The next frame of `voice` from `pos`, wrapping around.
pub(super) fn next_frame(voice: &[i16], pos: &mut usize) -> Frame {
    let mut f = Frame::SILENCE;
    if voice.is_empty() {
        return f;
    }
    for s in &mut f.0 {
        if *pos >= voice.len() {
            *pos = 0;
        }
        *s = voice[*pos];
        *pos += 1;
    }
    f
}

/// A microphone playing `voice` at real time, starting `start` samples in (so sessions
/// do not all say the same thing at once); the task ends when the leg lets go of it.
pub(super) fn mic(voice: Voice, start: usize) -> mpsc::Receiver<Frame> {
    let (tx, rx) = mpsc::channel(MIC_QUEUE);
    tokio::spawn(async move {
        let mut pos = start % voice.len().max(1);
        let mut tick = tokio::time::interval(FRAME_DURATION);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if tx.send(next_frame(&voice, &mut pos)).await.is_err() {
                return;
            }
        }
    });
    rx
}

/// Frames heard so far, and how many of them were not silence.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct HeardCount {
    pub frames: u64,
    pub voiced: u64,
}

impl HeardCount {
    /// What was heard after `before` was taken.
    pub fn since(self, before: HeardCount) -> HeardCount {
        HeardCount {
            frames: self.frames.saturating_sub(before.frames),
            voiced: self.voiced.saturating_sub(before.voiced),
        }
    }
}

/// The counters of one session's ear.
#[derive(Debug, Default)]
pub struct Heard {
    frames: AtomicU64,
    voiced: AtomicU64,
}

impl Heard {
    pub fn count(&self) -> HeardCount {
        HeardCount {
            frames: self.frames.load(Ordering::Relaxed),
            voiced: self.voiced.load(Ordering::Relaxed),
        }
    }

    fn hear(&self, frame: &Frame) {
        self.frames.fetch_add(1, Ordering::Relaxed);
        if frame.peak() >= VOICED_PEAK {
            self.voiced.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// A speaker that counts what it is given into `heard`; the task ends with the leg.
pub(super) fn ear(heard: Arc<Heard>) -> mpsc::Sender<Frame> {
    let (tx, mut rx) = mpsc::channel::<Frame>(EAR_QUEUE);
    tokio::spawn(async move {
        while let Some(frame) = rx.recv().await {
            heard.hear(&frame);
        }
    });
    tx
}

#[cfg(test)]
mod tests {
    use super::*;
    use hotline_softphone::FRAME_SAMPLES;

    #[test]
    fn the_tone_frame_is_600_hz_and_loops_seamlessly() {
        let f = tone_frame();
        let looped: Vec<i16> = (0..25).flat_map(|_| f.0).collect();
        assert_eq!(
            hotline_media::dominant_frequency(&looped, &[400.0, 600.0, 1000.0], SAMPLE_RATE),
            Some(600.0)
        );
        // The sample after the last one would be sample 0 again: sin(0) = 0.
        let next = (TAU * TONE_HZ * FRAME_SAMPLES as f64 / f64::from(SAMPLE_RATE)).sin();
        assert!(next.abs() < 1e-9);
        assert!(f.peak() > 0.25 && f.peak() < 0.35);
    }

    #[test]
    fn frames_wrap_around_the_voice() {
        let voice: Vec<i16> = (0..100).collect();
        let mut pos = 90;
        let f = next_frame(&voice, &mut pos);
        assert_eq!(&f.0[..12], &[90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 0, 1]);
        assert_eq!(pos, 50);
        assert_eq!(next_frame(&[], &mut pos), Frame::SILENCE);
    }

    #[test]
    fn the_ear_counts_voiced_frames_apart() {
        let heard = Heard::default();
        heard.hear(&Frame::SILENCE);
        heard.hear(&tone_frame());
        let before = heard.count();
        heard.hear(&tone_frame());
        assert_eq!(
            heard.count(),
            HeardCount {
                frames: 3,
                voiced: 2
            }
        );
        assert_eq!(
            heard.count().since(before),
            HeardCount {
                frames: 1,
                voiced: 1
            }
        );
    }

    #[test]
    fn an_empty_file_voice_falls_back_to_the_tone() {
        assert_eq!(voice(Vec::new()).len(), FRAME_SAMPLES);
        assert_eq!(voice(vec![1, 2, 3]).len(), 3);
    }
}
