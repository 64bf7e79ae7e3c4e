//! The load agents' audio, kept cheap: one PCMU frame of 600 Hz encoded once and shared by
//! every session, and an ear that only counts frames and voiced frames.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use hotline_media::{Codec, ulaw_decode};

/// Samples per 20 ms PCMU frame (8 kHz): also its size in bytes.
pub const FRAME_BYTES: usize = 160;
/// A frame whose peak is at least this (1 % of full scale, about -40 dBFS) counts as voiced,
/// the threshold agent-tui's headless ear uses.
const VOICED_PEAK: u16 = 328;

/// The 600 Hz voice of agent-tui's headless sessions, as one PCMU payload. A frame holds 12
/// whole periods, so sending it over and over is a seamless tone. Shared as `Arc<[u8]>`
/// because that is what str0m's writer takes: each packet is a reference count, not a copy.
pub fn tone_payload() -> Arc<[u8]> {
    let pcm = agent_tui::headless::tone_frame();
    let mut payload = [0u8; FRAME_BYTES];
    Codec::Pcmu.encode(&pcm.0, &mut payload);
    Arc::from(payload.as_slice())
}

/// Whether a PCMU payload carries sound (its loudest sample reaches [`VOICED_PEAK`]).
pub fn is_voiced(payload: &[u8]) -> bool {
    payload
        .iter()
        .any(|&b| ulaw_decode(b).unsigned_abs() >= VOICED_PEAK)
}

/// How many 20 ms frames a payload holds (a packet carries at least one).
pub fn frames_in(payload: &[u8]) -> u64 {
    (payload.len() / FRAME_BYTES).max(1) as u64
}

/// Frames heard so far, and how many of them were voiced.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct HeardCount {
    pub frames: u64,
    pub voiced: u64,
}

impl HeardCount {
    /// What was heard after `before` was taken.
    #[must_use]
    pub fn since(self, before: HeardCount) -> HeardCount {
        HeardCount {
            frames: self.frames.saturating_sub(before.frames),
            voiced: self.voiced.saturating_sub(before.voiced),
        }
    }
}

/// One session's ear: written by the media shard, read by the session's call loop.
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

    /// Counts one received PCMU payload.
    pub fn hear(&self, payload: &[u8]) {
        let frames = frames_in(payload);
        self.frames.fetch_add(frames, Ordering::Relaxed);
        if is_voiced(payload) {
            self.voiced.fetch_add(frames, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(payload: &[u8]) -> Vec<i16> {
        let mut pcm = vec![0i16; payload.len()];
        Codec::Pcmu.decode(payload, &mut pcm);
        pcm
    }

    #[test]
    fn the_tone_payload_is_one_frame_of_600_hz() {
        let payload = tone_payload();
        assert_eq!(payload.len(), FRAME_BYTES);
        let looped: Vec<i16> = (0..25).flat_map(|_| decode(&payload)).collect();
        assert_eq!(
            hotline_media::dominant_frequency(&looped, &[400.0, 600.0, 1000.0], 8000),
            Some(600.0)
        );
        assert!(is_voiced(&payload));
    }

    #[test]
    fn silence_and_faint_noise_are_not_voiced() {
        let mut pcm = [0i16; FRAME_BYTES];
        let mut payload = [0u8; FRAME_BYTES];
        Codec::Pcmu.encode(&pcm, &mut payload);
        assert!(!is_voiced(&payload));
        pcm[7] = 200;
        Codec::Pcmu.encode(&pcm, &mut payload);
        assert!(!is_voiced(&payload));
        pcm[9] = -400;
        Codec::Pcmu.encode(&pcm, &mut payload);
        assert!(is_voiced(&payload));
    }

    #[test]
    fn the_ear_counts_frames_and_voiced_frames_apart() {
        let heard = Heard::default();
        heard.hear(&[0xFF; FRAME_BYTES]);
        let before = heard.count();
        heard.hear(&tone_payload());
        // A 40 ms packet is two frames.
        let double: Vec<u8> = tone_payload()
            .iter()
            .chain(tone_payload().iter())
            .copied()
            .collect();
        heard.hear(&double);
        assert_eq!(
            heard.count(),
            HeardCount {
                frames: 4,
                voiced: 3
            }
        );
        assert_eq!(
            heard.count().since(before),
            HeardCount {
                frames: 3,
                voiced: 3
            }
        );
        assert_eq!(frames_in(&[]), 1);
    }
}
