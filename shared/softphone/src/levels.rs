//! Input/output level meters shared between audio threads and the UI.

use std::sync::atomic::{AtomicU32, Ordering};

/// Peaks as a fraction of full scale (0.0..=1.0).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Levels {
    pub input_peak: f32,
    pub output_peak: f32,
}

/// Lock-free so the audio callback can update it without ever blocking: each side stores
/// the peak of the latest block it handled (an f32 in an atomic's bits).
#[derive(Debug, Default)]
pub struct LevelMeter {
    input: AtomicU32,
    output: AtomicU32,
}

impl LevelMeter {
    pub fn snapshot(&self) -> Levels {
        Levels {
            input_peak: f32::from_bits(self.input.load(Ordering::Relaxed)),
            output_peak: f32::from_bits(self.output.load(Ordering::Relaxed)),
        }
    }

    pub fn set_input(&self, peak: f32) {
        self.input
            .store(peak.clamp(0.0, 1.0).to_bits(), Ordering::Relaxed);
    }

    pub fn set_output(&self, peak: f32) {
        self.output
            .store(peak.clamp(0.0, 1.0).to_bits(), Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_and_clamps() {
        let m = LevelMeter::default();
        assert_eq!(m.snapshot(), Levels::default());
        m.set_input(0.25);
        m.set_output(3.0);
        assert_eq!(
            m.snapshot(),
            Levels {
                input_peak: 0.25,
                output_peak: 1.0
            }
        );
    }
}
