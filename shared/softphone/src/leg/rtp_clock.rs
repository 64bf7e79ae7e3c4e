//! The header fields of the agent's outgoing RTP: sequence number, timestamp and marker.
//!
//! The leg sends only while the agent talks to someone, so the stream has gaps of seconds
//! to hours. RFC 3551 §4.1 silence suppression: across a gap the sequence number runs on
//! (nothing was lost), the timestamp jumps by the time that passed (so it still tells when
//! the audio was sampled), and the first packet after it carries the marker bit (start of a
//! talk spurt). Pure: the caller passes the time.

use std::time::{Duration, Instant};

use crate::frame::{FRAME_DURATION, SAMPLE_RATE};

/// A pause longer than this is a gap between talk spurts, not jitter of the microphone's
/// clock: the timestamp is moved on by the time that passed.
const GAP: Duration = Duration::from_millis(100);

/// What one packet carries in its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp {
    pub seq: u16,
    pub timestamp: u32,
    pub marker: bool,
}

#[derive(Debug)]
pub(crate) struct RtpClock {
    seq: u16,
    timestamp: u32,
    /// When the previous packet was stamped.
    last: Option<Instant>,
}

impl RtpClock {
    /// Starts at a (random, RFC 3550 §5.1) sequence number and timestamp.
    pub(crate) fn new(seq: u16, timestamp: u32) -> RtpClock {
        RtpClock {
            seq,
            timestamp,
            last: None,
        }
    }

    /// Stamps the packet of `samples` samples sent at `now`.
    pub(crate) fn stamp(&mut self, samples: u32, now: Instant) -> Stamp {
        let marker = match self.last {
            None => true,
            Some(last) => {
                let paused = now.saturating_duration_since(last);
                if paused > GAP {
                    // Whole frames missed since the previous packet (whose own 20 ms are
                    // already counted), rounded to the nearest.
                    let frames = (paused.as_secs_f64() / FRAME_DURATION.as_secs_f64()).round();
                    let missed = (frames as u64).saturating_sub(1);
                    let per_frame =
                        u64::from(SAMPLE_RATE) * FRAME_DURATION.as_millis() as u64 / 1000;
                    // Wrapping is what RTP timestamps do (modulo 2^32).
                    self.timestamp = self
                        .timestamp
                        .wrapping_add(missed.wrapping_mul(per_frame) as u32);
                    true
                } else {
                    false
                }
            }
        };
        let stamp = Stamp {
            seq: self.seq,
            timestamp: self.timestamp,
            marker,
        };
        self.seq = self.seq.wrapping_add(1);
        self.timestamp = self.timestamp.wrapping_add(samples);
        self.last = Some(now);
        stamp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRAME: u32 = 160;

    #[test]
    fn a_steady_stream_counts_one_frame_per_packet() {
        let t0 = Instant::now();
        let mut c = RtpClock::new(65534, u32::MAX - 100);
        let a = c.stamp(FRAME, t0);
        let b = c.stamp(FRAME, t0 + FRAME_DURATION);
        // A late frame (jitter of the microphone) does not move the timestamp.
        let d = c.stamp(FRAME, t0 + Duration::from_millis(95));
        assert_eq!(
            a,
            Stamp {
                seq: 65534,
                timestamp: u32::MAX - 100,
                marker: true
            }
        );
        assert_eq!((b.seq, b.timestamp, b.marker), (65535, 59, false));
        assert_eq!((d.seq, d.timestamp, d.marker), (0, 219, false));
    }

    #[test]
    fn after_a_gap_the_timestamp_jumps_and_the_sequence_runs_on() {
        let t0 = Instant::now();
        let mut c = RtpClock::new(10, 1000);
        c.stamp(FRAME, t0);
        c.stamp(FRAME, t0 + FRAME_DURATION);
        // The next frame would have been at 40 ms; it comes 10 s later.
        let resumed = c.stamp(FRAME, t0 + Duration::from_millis(10_040));
        assert_eq!(
            resumed,
            Stamp {
                seq: 12,
                timestamp: 1000 + 10_040 / 20 * FRAME,
                marker: true
            }
        );
        let next = c.stamp(FRAME, t0 + Duration::from_millis(10_060));
        assert_eq!(
            next,
            Stamp {
                seq: 13,
                timestamp: 1000 + 10_060 / 20 * FRAME,
                marker: false
            }
        );
    }
}
