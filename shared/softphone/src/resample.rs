//! Sample-rate conversion between the sound card's native rate (often 44.1 or 48 kHz)
//! and the 8 kHz of the phone line.
//!
//! Plain linear interpolation between neighbouring input samples, with no low-pass filter:
//! cheap, allocation-free and fine for a headset voice path, but downsampling lets
//! energy above 4 kHz alias into the band. Voice has little energy there, and G.711
//! narrowband is the limit anyway, so we accept it rather than carry a filter design.

/// Streaming converter. Used in push mode by capture (feed native samples, get 8 kHz out)
/// and in pull mode by playback (ask for a native sample, it fetches 8 kHz as needed).
#[derive(Debug, Clone)]
pub(crate) struct Resampler {
    /// Input samples advanced per output sample.
    step: f64,
    /// Where the next output lies between `prev` (0.0) and `next` (1.0).
    pos: f64,
    prev: f32,
    next: f32,
}

impl Resampler {
    pub(crate) fn new(in_rate: u32, out_rate: u32) -> Self {
        Resampler {
            step: f64::from(in_rate.max(1)) / f64::from(out_rate.max(1)),
            pos: 0.0,
            prev: 0.0,
            next: 0.0,
        }
    }

    /// Capture: one input sample in, zero or more output samples to `emit`.
    pub(crate) fn push(&mut self, x: f32, mut emit: impl FnMut(f32)) {
        self.prev = self.next;
        self.next = x;
        while self.pos < 1.0 {
            emit(self.at());
            self.pos += self.step;
        }
        self.pos -= 1.0;
    }

    /// Playback: one output sample, calling `fetch` for each input sample it consumes.
    pub(crate) fn pull(&mut self, mut fetch: impl FnMut() -> f32) -> f32 {
        while self.pos >= 1.0 {
            self.prev = self.next;
            self.next = fetch();
            self.pos -= 1.0;
        }
        let y = self.at();
        self.pos += self.step;
        y
    }

    fn at(&self) -> f32 {
        self.prev + (self.next - self.prev) * self.pos as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hotline_media::{ToneGenerator, dominant_frequency};

    fn tone(freq: f32, rate: u32, n: usize) -> Vec<i16> {
        let mut v = vec![0; n];
        ToneGenerator::new(&[freq], 10000, rate).fill(&mut v);
        v
    }

    #[test]
    fn downsamples_48k_to_8k() {
        let input = tone(1000.0, 48000, 48000);
        let mut r = Resampler::new(48000, 8000);
        let mut out = Vec::new();
        for &s in &input {
            r.push(f32::from(s), |y| out.push(y as i16));
        }
        assert!((7999..=8001).contains(&out.len()), "{}", out.len());
        assert_eq!(
            dominant_frequency(&out[800..], &[600.0, 1000.0], 8000),
            Some(1000.0)
        );
    }

    #[test]
    fn upsamples_8k_to_44k1() {
        let input = tone(600.0, 8000, 8000);
        let mut it = input.iter();
        let mut r = Resampler::new(8000, 44100);
        let out: Vec<i16> = (0..44100)
            .map(|_| r.pull(|| it.next().map_or(0.0, |&s| f32::from(s))) as i16)
            .collect();
        assert!(it.len() <= 1, "input not consumed: {} left", it.len());
        assert_eq!(
            dominant_frequency(&out[4410..40000], &[600.0, 1000.0], 44100),
            Some(600.0)
        );
    }

    #[test]
    fn same_rate_is_identity_after_one_sample() {
        let mut r = Resampler::new(8000, 8000);
        let mut out = Vec::new();
        for x in [1.0, 2.0, 3.0] {
            r.push(x, |y| out.push(y));
        }
        assert_eq!(out, vec![0.0, 1.0, 2.0]);
    }
}
