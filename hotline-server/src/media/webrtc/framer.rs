//! Incoming PCMU payloads of any length (10, 20, 30 ms …) cut into 20 ms frames, in sequence
//! order: a packet older than the newest taken is late (or repeated) and dropped; after a gap
//! the partial frame is dropped rather than spliced across it.
//!
//! Decoding goes straight into the frame being filled, so nothing is allocated per packet.

use hotline_media::Codec;

use super::{AudioFrame, FRAME_SAMPLES};

pub(super) struct Framer {
    frame: [i16; FRAME_SAMPLES],
    filled: usize,
    /// Extended sequence number of the newest packet taken.
    last_seq: Option<u64>,
}

impl Framer {
    pub(super) fn new() -> Self {
        Framer {
            frame: [0; FRAME_SAMPLES],
            filled: 0,
            last_seq: None,
        }
    }

    /// Takes RTP packet `seq` (extended sequence number): [`push`](Self::push)es its payload
    /// unless it is late; returns whether it was taken.
    pub(super) fn push_packet(
        &mut self,
        seq: u64,
        payload: &[u8],
        emit: impl FnMut(AudioFrame),
    ) -> bool {
        if let Some(last) = self.last_seq {
            if seq <= last {
                return false;
            }
            if seq != last + 1 {
                self.reset();
            }
        }
        self.last_seq = Some(seq);
        self.push(payload, emit);
        true
    }

    /// Decodes `payload` and calls `emit` for every frame it completes; a partial tail is kept
    /// for the next payload.
    pub(super) fn push(&mut self, payload: &[u8], mut emit: impl FnMut(AudioFrame)) {
        let mut rest = payload;
        while !rest.is_empty() {
            let n = rest.len().min(FRAME_SAMPLES - self.filled);
            Codec::Pcmu.decode(&rest[..n], &mut self.frame[self.filled..self.filled + n]);
            self.filled += n;
            rest = &rest[n..];
            if self.filled == FRAME_SAMPLES {
                emit(AudioFrame(self.frame));
                self.filled = 0;
            }
        }
    }

    /// Forgets a partial frame (after a gap the tail would splice two moments together).
    pub(super) fn reset(&mut self) {
        self.filled = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(samples: &[i16]) -> Vec<u8> {
        let mut out = vec![0; samples.len()];
        Codec::Pcmu.encode(samples, &mut out);
        out
    }

    fn ramp(n: usize) -> Vec<i16> {
        (0..n).map(|i| (i as i16) * 64).collect()
    }

    fn run(sizes: &[usize]) -> Vec<AudioFrame> {
        let total: usize = sizes.iter().sum();
        let bytes = encoded(&ramp(total));
        let mut framer = Framer::new();
        let mut frames = Vec::new();
        let mut at = 0;
        for &n in sizes {
            framer.push(&bytes[at..at + n], |f| frames.push(f));
            at += n;
        }
        frames
    }

    #[test]
    fn twenty_ms_packets_are_one_frame_each() {
        let frames = run(&[160, 160, 160]);
        assert_eq!(frames.len(), 3);
    }

    #[test]
    fn ten_ms_packets_are_paired() {
        assert_eq!(run(&[80]).len(), 0);
        assert_eq!(run(&[80, 80, 80, 80, 80]).len(), 2);
    }

    #[test]
    fn thirty_ms_packets_carry_over_and_keep_sample_order() {
        let frames = run(&[240, 240]);
        assert_eq!(frames.len(), 3);
        let expected = encoded(&ramp(480));
        let mut decoded = vec![0i16; 480];
        Codec::Pcmu.decode(&expected, &mut decoded);
        let got: Vec<i16> = frames.iter().flat_map(|f| f.0).collect();
        assert_eq!(got, decoded);
    }

    #[test]
    fn late_packets_are_dropped_and_a_gap_drops_the_partial_frame() {
        let mut framer = Framer::new();
        let mut frames = Vec::new();
        assert!(framer.push_packet(10, &[0xFF; 100], |f| frames.push(f)));
        // 9 is older than 10, 10 is a repeat: neither is taken.
        assert!(!framer.push_packet(9, &[0xFF; 60], |f| frames.push(f)));
        assert!(!framer.push_packet(10, &[0xFF; 60], |f| frames.push(f)));
        assert!(frames.is_empty());
        // 12 after 10: packet 11 is missing, so the 100 samples of 10 are not spliced to it.
        assert!(framer.push_packet(12, &[0xFF; 100], |f| frames.push(f)));
        assert!(frames.is_empty());
        assert!(framer.push_packet(13, &[0xFF; 60], |f| frames.push(f)));
        assert_eq!(frames.len(), 1);
    }

    #[test]
    fn reset_drops_the_partial_frame() {
        let mut framer = Framer::new();
        let mut count = 0;
        framer.push(&[0xFF; 100], |_| count += 1);
        framer.reset();
        framer.push(&[0xFF; 100], |_| count += 1);
        assert_eq!(count, 0);
        framer.push(&[0xFF; 60], |_| count += 1);
        assert_eq!(count, 1);
    }
}
