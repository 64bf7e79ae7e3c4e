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

/// Whether `heard` holds the prompt `clip` as it comes through G.711: some 250 ms from its
/// loudest part match a stretch of `heard` with a normalised correlation above 0.9 (speech
/// matched against other speech or music stays far below).
pub fn holds_clip(heard: &[i16], clip: &[i16]) -> bool {
    const WINDOW: usize = 2000;
    if clip.len() < WINDOW || heard.len() < WINDOW {
        return false;
    }
    // The loudest window of the clip, in 20 ms steps, so silence never matches silence.
    let energy = |w: &[i16]| w.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>();
    let start = (0..=clip.len() - WINDOW)
        .step_by(160)
        .max_by(|&a, &b| energy(&clip[a..a + WINDOW]).total_cmp(&energy(&clip[b..b + WINDOW])))
        .unwrap_or(0);
    let probe: Vec<f64> = clip[start..start + WINDOW]
        .iter()
        .map(|&s| f64::from(s))
        .collect();
    let probe_norm = probe.iter().map(|s| s * s).sum::<f64>().sqrt();
    let heard: Vec<f64> = heard.iter().map(|&s| f64::from(s)).collect();
    let mut window_energy: f64 = heard[..WINDOW].iter().map(|s| s * s).sum();
    for at in 0..=heard.len() - WINDOW {
        if at > 0 {
            window_energy += heard[at + WINDOW - 1].powi(2) - heard[at - 1].powi(2);
        }
        if window_energy > 1.0 {
            let dot: f64 = probe.iter().zip(&heard[at..]).map(|(a, b)| a * b).sum();
            if dot / (probe_norm * window_energy.max(0.0).sqrt()) > 0.9 {
                return true;
            }
        }
    }
    false
}
