//! Tone generation and analysis: Goertzel power, RMS, a phase-continuous generator
//! and an in-band DTMF detector (ITU-T Q.23/Q.24 frequencies).

use std::f64::consts::TAU;

const ROWS: [f32; 4] = [697.0, 770.0, 852.0, 941.0];
const COLS: [f32; 4] = [1209.0, 1336.0, 1477.0, 1633.0];
const KEYS: [[char; 4]; 4] = [
    ['1', '2', '3', 'A'],
    ['4', '5', '6', 'B'],
    ['7', '8', '9', 'C'],
    ['*', '0', '#', 'D'],
];

/// Power of `samples` at `freq_hz` (Goertzel), scaled so that a sine of amplitude A
/// at exactly that frequency gives A²/2, i.e. comparable with `rms(samples)²`.
pub fn goertzel_power(samples: &[i16], freq_hz: f32, sample_rate: u32) -> f32 {
    if samples.is_empty() || sample_rate == 0 {
        return 0.0;
    }
    let coeff = 2.0 * (TAU * f64::from(freq_hz) / f64::from(sample_rate)).cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &x in samples {
        let s0 = f64::from(x) + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    let n = samples.len() as f64;
    ((s1 * s1 + s2 * s2 - coeff * s1 * s2) * 2.0 / (n * n)) as f32
}

/// Root mean square of the samples (0 for an empty slice).
pub fn rms(samples: &[i16]) -> f32 {
    if samples.is_empty() {
        return 0.0;
    }
    let sum: f64 = samples.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    (sum / samples.len() as f64).sqrt() as f32
}

/// The (row, column) frequencies of a DTMF key.
pub fn dtmf_frequencies(c: char) -> Option<(f32, f32)> {
    let c = c.to_ascii_uppercase();
    for (r, row) in KEYS.iter().enumerate() {
        for (k, &key) in row.iter().enumerate() {
            if key == c {
                return Some((ROWS[r], COLS[k]));
            }
        }
    }
    None
}

/// Which candidate frequency carries the most power; `None` if the signal is
/// silent (RMS below 16) or there are no candidates.
pub fn dominant_frequency(samples: &[i16], candidates: &[f32], sample_rate: u32) -> Option<f32> {
    if rms(samples) < 16.0 {
        return None;
    }
    candidates
        .iter()
        .map(|&f| (f, goertzel_power(samples, f, sample_rate)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(f, _)| f)
}

/// Sum of up to four sines, phase continuous across `fill` calls.
#[derive(Debug, Clone)]
pub struct ToneGenerator {
    phases: [f64; 4],
    steps: [f64; 4],
    count: usize,
    amplitude: f64,
}

impl ToneGenerator {
    /// `amplitude` is the peak of the sum: each of n tones gets `amplitude / n`, so
    /// the output never clips. Frequencies beyond the fourth are ignored; none gives silence.
    pub fn new(freqs: &[f32], amplitude: i16, sample_rate: u32) -> Self {
        let count = freqs.len().min(4);
        let mut steps = [0.0; 4];
        for (s, &f) in steps.iter_mut().zip(freqs) {
            *s = TAU * f64::from(f) / f64::from(sample_rate.max(1));
        }
        ToneGenerator {
            phases: [0.0; 4],
            steps,
            count,
            amplitude: if count == 0 {
                0.0
            } else {
                f64::from(amplitude) / count as f64
            },
        }
    }

    pub fn fill(&mut self, out: &mut [i16]) {
        for o in out.iter_mut() {
            let mut v = 0.0;
            for k in 0..self.count {
                v += self.phases[k].sin();
                // Keep the phase small so precision does not decay over long calls.
                self.phases[k] = (self.phases[k] + self.steps[k]) % TAU;
            }
            *o = (v * self.amplitude)
                .round()
                .clamp(f64::from(i16::MIN), f64::from(i16::MAX)) as i16;
        }
    }
}

/// Goertzel state for the eight DTMF frequencies over one analysis window.
#[derive(Debug, Clone, Copy, Default)]
struct Window {
    s1: [f32; 8],
    s2: [f32; 8],
    energy: f32,
    count: usize,
}

/// Minimum power per tone (RMS 250, about -39 dBm0).
const MIN_TONE_POWER: f32 = 250.0 * 250.0;
/// Column may exceed row by at most 4 dB (reverse twist) ...
const MAX_REVERSE_TWIST: f32 = 2.512;
/// ... and be below it by at most 8 dB (normal twist).
const MAX_NORMAL_TWIST: f32 = 6.31;
/// The strongest tone of a group must exceed the others in its group by 8 dB.
const RELATIVE_PEAK: f32 = 6.31;
/// The two tones must carry this share of the window's energy (rejects speech/music).
const MIN_TONE_SHARE: f32 = 0.6;

/// In-band DTMF detector. Two analysis windows of 25.6 ms run half a window apart;
/// a key is reported when two consecutive windows agree (≈ 38 ms of tone), and again
/// only after two windows without it (the key was released).
#[derive(Debug, Clone)]
pub struct DtmfDetector {
    coeffs: [f32; 8],
    block: usize,
    windows: [Window; 2],
    candidate: Option<char>,
    hits: u8,
    misses: u8,
    reported: Option<char>,
}

impl DtmfDetector {
    pub fn new(sample_rate: u32) -> Self {
        let rate = sample_rate.max(4000);
        // 205 samples at 8 kHz: the classic block giving ~39 Hz resolution.
        let block = ((205 * u64::from(rate) + 4000) / 8000) as usize;
        let mut coeffs = [0.0; 8];
        for (c, f) in coeffs.iter_mut().zip(ROWS.iter().chain(COLS.iter())) {
            *c = (2.0 * (TAU * f64::from(*f) / f64::from(rate)).cos()) as f32;
        }
        let mut windows = [Window::default(); 2];
        // The second window starts half a block late (it pretends to have seen zeros).
        windows[1].count = block / 2;
        DtmfDetector {
            coeffs,
            block,
            windows,
            candidate: None,
            hits: 0,
            misses: 0,
            reported: None,
        }
    }

    /// Feeds samples of any length; returns a key when a new press is recognised.
    /// If several presses complete within one call, the last one is returned.
    pub fn process(&mut self, samples: &[i16]) -> Option<char> {
        let mut found = None;
        for &x in samples {
            let x = f32::from(x);
            for w in 0..2 {
                let win = &mut self.windows[w];
                for k in 0..8 {
                    let s0 = x + self.coeffs[k] * win.s1[k] - win.s2[k];
                    win.s2[k] = win.s1[k];
                    win.s1[k] = s0;
                }
                win.energy += x * x;
                win.count += 1;
                if win.count >= self.block {
                    let result = self.classify(w);
                    self.windows[w] = Window::default();
                    if let Some(key) = self.on_window(result) {
                        found = Some(key);
                    }
                }
            }
        }
        found
    }

    /// Decides which key (if any) one finished window contains.
    fn classify(&self, w: usize) -> Option<char> {
        let win = &self.windows[w];
        let n = win.count as f32;
        let mut power = [0.0f32; 8];
        for (k, p) in power.iter_mut().enumerate() {
            let (s1, s2) = (win.s1[k], win.s2[k]);
            *p = (s1 * s1 + s2 * s2 - self.coeffs[k] * s1 * s2) * 2.0 / (n * n);
        }
        let energy = win.energy / n;
        let (row, row_p) = strongest(&power[..4]);
        let (col, col_p) = strongest(&power[4..]);
        if row_p < MIN_TONE_POWER || col_p < MIN_TONE_POWER {
            return None;
        }
        if col_p > row_p * MAX_REVERSE_TWIST || row_p > col_p * MAX_NORMAL_TWIST {
            return None;
        }
        let peaked = |group: &[f32], best: usize, best_p: f32| {
            group
                .iter()
                .enumerate()
                .all(|(i, &p)| i == best || p * RELATIVE_PEAK < best_p)
        };
        if !peaked(&power[..4], row, row_p) || !peaked(&power[4..], col, col_p) {
            return None;
        }
        if row_p + col_p < MIN_TONE_SHARE * energy {
            return None;
        }
        Some(KEYS[row][col])
    }

    /// Debounce: confirm on two consecutive agreeing windows, release after two misses.
    fn on_window(&mut self, result: Option<char>) -> Option<char> {
        if let Some(key) = result {
            self.misses = 0;
            if self.candidate == Some(key) {
                self.hits = self.hits.saturating_add(1);
            } else {
                self.candidate = Some(key);
                self.hits = 1;
            }
            if self.hits >= 2 && self.reported != Some(key) {
                self.reported = Some(key);
                return Some(key);
            }
        } else {
            self.candidate = None;
            self.hits = 0;
            self.misses = self.misses.saturating_add(1);
            if self.misses >= 2 {
                self.reported = None;
            }
        }
        None
    }
}

fn strongest(group: &[f32]) -> (usize, f32) {
    let mut best = (0, group[0]);
    for (i, &p) in group.iter().enumerate().skip(1) {
        if p > best.1 {
            best = (i, p);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL_KEYS: &str = "123A456B789C*0#D";

    /// Deterministic pseudo-random noise in [-amp, amp].
    fn noise(state: &mut u32, amp: i32) -> i32 {
        *state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
        ((*state >> 8) % (2 * amp as u32 + 1)) as i32 - amp
    }

    fn tone(freqs: &[f32], amp: i16, ms: usize) -> Vec<i16> {
        let mut g = ToneGenerator::new(freqs, amp, 8000);
        let mut v = vec![0; ms * 8];
        g.fill(&mut v);
        v
    }

    fn key_tone(c: char, ms: usize) -> Vec<i16> {
        let (r, k) = dtmf_frequencies(c).unwrap();
        tone(&[r, k], 10000, ms)
    }

    fn detect(signal: &[i16], frame: usize) -> String {
        let mut d = DtmfDetector::new(8000);
        signal.chunks(frame).filter_map(|c| d.process(c)).collect()
    }

    #[test]
    fn goertzel_and_rms_scale() {
        let s = tone(&[1000.0], 10000, 100);
        let p = goertzel_power(&s, 1000.0, 8000);
        assert!((p / 50_000_000.0 - 1.0).abs() < 0.02, "{p}");
        assert!(goertzel_power(&s, 1500.0, 8000) < p / 1000.0);
        assert!((rms(&s) - 7071.0).abs() < 20.0);
        assert!(rms(&[]).abs() < f32::EPSILON);
        assert!(goertzel_power(&[], 1000.0, 8000).abs() < f32::EPSILON);
    }

    #[test]
    fn generator_is_phase_continuous_and_bounded() {
        let whole = tone(&[697.0, 1209.0], 20000, 40);
        let mut g = ToneGenerator::new(&[697.0, 1209.0], 20000, 8000);
        let mut parts = vec![0i16; 320];
        for chunk in parts.chunks_mut(37) {
            g.fill(chunk);
        }
        assert_eq!(whole, parts);
        assert!(whole.iter().all(|s| s.abs() <= 20000));
        let mut silent = ToneGenerator::new(&[], 1000, 8000);
        let mut out = [1i16; 8];
        silent.fill(&mut out);
        assert_eq!(out, [0; 8]);
    }

    #[test]
    fn dominant_frequency_picks_the_tone() {
        let s = tone(&[440.0], 8000, 50);
        assert_eq!(
            dominant_frequency(&s, &[350.0, 440.0, 480.0], 8000),
            Some(440.0)
        );
        assert_eq!(dominant_frequency(&[0; 400], &[440.0], 8000), None);
        assert_eq!(dominant_frequency(&s, &[], 8000), None);
    }

    #[test]
    fn frequencies_table() {
        assert_eq!(dtmf_frequencies('5'), Some((770.0, 1336.0)));
        assert_eq!(dtmf_frequencies('#'), Some((941.0, 1477.0)));
        assert_eq!(dtmf_frequencies('d'), Some((941.0, 1633.0)));
        assert_eq!(dtmf_frequencies('x'), None);
    }

    #[test]
    fn detects_all_sixteen_keys() {
        let mut signal = Vec::new();
        for c in ALL_KEYS.chars() {
            signal.extend(key_tone(c, 70));
            signal.extend(vec![0; 60 * 8]);
        }
        assert_eq!(detect(&signal, 160), ALL_KEYS);
        // Frame size does not matter.
        assert_eq!(detect(&signal, 1), ALL_KEYS);
        assert_eq!(detect(&signal, 333), ALL_KEYS);
    }

    #[test]
    fn detects_keys_in_noise_and_at_low_level() {
        let mut rng = 7u32;
        let mut signal = Vec::new();
        for c in ALL_KEYS.chars() {
            signal.extend(key_tone(c, 60));
            signal.extend(vec![0; 50 * 8]);
        }
        let noisy: Vec<i16> = signal
            .iter()
            .map(|&s| (i32::from(s) + noise(&mut rng, 2500)) as i16)
            .collect();
        assert_eq!(detect(&noisy, 160), ALL_KEYS);
        // About -26 dBm0 per tone.
        let (r, k) = dtmf_frequencies('8').unwrap();
        assert_eq!(detect(&tone(&[r, k], 1600, 80), 160), "8");
    }

    #[test]
    fn repeated_key_needs_a_gap_and_long_press_counts_once() {
        let mut signal = key_tone('7', 1000);
        assert_eq!(detect(&signal, 160), "7");
        signal.extend(vec![0; 60 * 8]);
        signal.extend(key_tone('7', 60));
        assert_eq!(detect(&signal, 160), "77");
        // Two keys back to back without a gap are two presses.
        let mut both = key_tone('1', 80);
        both.extend(key_tone('2', 80));
        assert_eq!(detect(&both, 160), "12");
    }

    #[test]
    fn forty_ms_tones_are_detected_at_any_alignment() {
        for offset in (0..205).step_by(7) {
            let mut signal = vec![0i16; offset];
            signal.extend(key_tone('5', 40));
            signal.extend(vec![0; 800]);
            assert_eq!(detect(&signal, 160), "5", "offset {offset}");
        }
    }

    #[test]
    fn rejects_non_dtmf() {
        assert_eq!(detect(&tone(&[1000.0], 20000, 2000), 160), "");
        assert_eq!(detect(&tone(&[600.0], 20000, 2000), 160), "");
        assert_eq!(detect(&vec![0; 16000], 160), "");
        // Dial tone (350+440) and busy tone (480+620) are two-tone but not DTMF.
        assert_eq!(detect(&tone(&[350.0, 440.0], 20000, 2000), 160), "");
        assert_eq!(detect(&tone(&[480.0, 620.0], 20000, 2000), 160), "");
        // A blip shorter than two windows.
        assert_eq!(detect(&key_tone('5', 20), 160), "");
        // Too quiet (about -50 dBm0 per tone).
        let (r, k) = dtmf_frequencies('5').unwrap();
        assert_eq!(detect(&tone(&[r, k], 200, 200), 160), "");
        // Row tone only, and rows too far apart in level (16 dB twist).
        assert_eq!(detect(&tone(&[770.0], 20000, 200), 160), "");
        let mut twisted = tone(&[770.0], 16000, 200);
        let col = tone(&[1336.0], 2500, 200);
        for (a, b) in twisted.iter_mut().zip(&col) {
            *a += b;
        }
        assert_eq!(detect(&twisted, 160), "");
    }

    #[test]
    fn rejects_speech_like_harmonics_and_noise() {
        // A vowel-like sound: 150 Hz fundamental with decaying harmonics, some of which
        // land close to DTMF frequencies (750, 1200 Hz).
        let freqs: Vec<f32> = (1..=4).map(|h| 150.0 * h as f32).collect();
        let mut a = tone(&freqs, 12000, 1500);
        let b = tone(&[750.0, 900.0, 1200.0, 1350.0], 8000, 1500);
        for (x, y) in a.iter_mut().zip(&b) {
            *x = x.saturating_add(*y);
        }
        assert_eq!(detect(&a, 160), "");
        let mut rng = 1u32;
        let white: Vec<i16> = (0..16000).map(|_| noise(&mut rng, 8000) as i16).collect();
        assert_eq!(detect(&white, 160), "");
    }

    #[test]
    fn works_at_16khz() {
        let (row, col) = dtmf_frequencies('0').unwrap();
        let mut generator = ToneGenerator::new(&[row, col], 10000, 16000);
        let mut signal = vec![0i16; 1600];
        generator.fill(&mut signal);
        let mut det = DtmfDetector::new(16000);
        let got: String = signal.chunks(320).filter_map(|c| det.process(c)).collect();
        assert_eq!(got, "0");
    }
}
