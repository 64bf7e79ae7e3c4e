//! Tones for test parties and checks of what they heard.

use std::path::{Path, PathBuf};

/// Writes a 5 s, 8 kHz mono WAV of `freq` to `dir/name` (a party's looped voice).
pub fn tone_file(dir: &Path, name: &str, freq: f32) -> PathBuf {
    let mut samples = vec![0i16; 8000 * 5];
    hotline_media::ToneGenerator::new(&[freq], 8000, 8000).fill(&mut samples);
    let path = dir.join(name);
    std::fs::write(&path, hotline_media::wav_bytes(&samples, 8000, 1)).expect("write tone");
    path
}

/// Power of `freq` per sample.
pub fn power(samples: &[i16], freq: f32) -> f32 {
    assert!(samples.len() > 4000, "window too short: {}", samples.len());
    hotline_media::goertzel_power(samples, freq, 8000) / samples.len() as f32
}

/// `freq` is heard: within 20 dB of `reference`, a tone certainly there.
pub fn hears(samples: &[i16], freq: f32, reference: f32) -> bool {
    power(samples, freq) > power(samples, reference) * 0.01
}

/// `freq` is not heard: more than 30 dB under `reference`.
pub fn deaf_to(samples: &[i16], freq: f32, reference: f32) -> bool {
    power(samples, freq) < power(samples, reference) * 0.001
}
