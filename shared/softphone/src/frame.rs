//! The unit of audio everywhere in the softphone.

use std::time::Duration;

/// Samples per frame: 20 ms at 8 kHz, one PCMU packet.
pub const FRAME_SAMPLES: usize = 160;
/// Narrowband end to end: the telephone network side is G.711.
pub const SAMPLE_RATE: u32 = 8000;
pub const FRAME_DURATION: Duration = Duration::from_millis(20);

/// 20 ms of 8 kHz mono signed 16-bit PCM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame(pub [i16; FRAME_SAMPLES]);

impl Frame {
    pub const SILENCE: Frame = Frame([0; FRAME_SAMPLES]);

    /// Peak amplitude as a fraction of full scale, for level meters.
    pub fn peak(&self) -> f32 {
        peak(&self.0)
    }
}

impl Default for Frame {
    fn default() -> Self {
        Frame::SILENCE
    }
}

pub(crate) fn peak(samples: &[i16]) -> f32 {
    let max = samples.iter().map(|s| s.unsigned_abs()).max().unwrap_or(0);
    f32::from(max) / 32768.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_is_fraction_of_full_scale() {
        let mut f = Frame::SILENCE;
        assert!(f.peak().abs() < f32::EPSILON);
        f.0[3] = -16384;
        assert!((f.peak() - 0.5).abs() < 1e-6);
        f.0[4] = i16::MIN;
        assert!((f.peak() - 1.0).abs() < 1e-6);
    }
}
