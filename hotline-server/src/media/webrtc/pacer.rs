//! Send timing toward one agent: one frame per 20 ms slot, RTP time from the slot number.
//!
//! Slots are counted from the hub's epoch, so a late or skipped tick never bends the RTP clock:
//! a skipped slot is a gap in timestamps (what a receiver expects from discontinuous
//! transmission), not a slowdown. The driver ticks in the middle of each slot, so tick jitter of
//! up to ±10 ms still lands in the right slot.

use std::time::{Duration, Instant};

use super::FRAME_SAMPLES;

pub(super) const SLOT: Duration = Duration::from_millis(20);

/// What to stamp on the frame sent in a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Stamp {
    /// RTP timestamp (8 kHz), before str0m truncates it to 32 bits.
    pub rtp_time: u64,
    /// First packet after silence: sets the RTP marker bit.
    pub talkspurt: bool,
}

pub(super) struct Pacer {
    epoch: Instant,
    offset: u64,
    last_slot: Option<u64>,
    last_sent: Option<u64>,
}

impl Pacer {
    /// `offset` randomises the first RTP timestamp (RFC 3550 §5.1).
    pub(super) fn new(epoch: Instant, offset: u32) -> Self {
        Pacer {
            epoch,
            offset: u64::from(offset),
            last_slot: None,
            last_sent: None,
        }
    }

    /// The slot `now` falls in, or `None` if this slot was already served.
    pub(super) fn slot(&mut self, now: Instant) -> Option<u64> {
        let slot =
            (now.saturating_duration_since(self.epoch).as_micros() / SLOT.as_micros()) as u64;
        if self.last_slot.is_some_and(|last| slot <= last) {
            return None;
        }
        self.last_slot = Some(slot);
        Some(slot)
    }

    /// Records a frame sent in `slot` and returns its stamp.
    pub(super) fn stamp(&mut self, slot: u64) -> Stamp {
        let talkspurt = self.last_sent.is_none_or(|last| last + 1 != slot);
        self.last_sent = Some(slot);
        Stamp {
            rtp_time: self.offset + slot * FRAME_SAMPLES as u64,
            talkspurt,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(epoch: Instant, ms: u64) -> Instant {
        epoch + Duration::from_millis(ms)
    }

    #[test]
    fn one_slot_per_twenty_ms_even_with_jitter() {
        let epoch = Instant::now();
        let mut pacer = Pacer::new(epoch, 0);
        assert_eq!(pacer.slot(at(epoch, 10)), Some(0));
        assert_eq!(pacer.slot(at(epoch, 15)), None);
        assert_eq!(pacer.slot(at(epoch, 21)), Some(1));
        assert_eq!(pacer.slot(at(epoch, 59)), Some(2));
        assert_eq!(pacer.slot(at(epoch, 59)), None);
    }

    #[test]
    fn timestamps_follow_slots_and_gaps_mark_talkspurts() {
        let epoch = Instant::now();
        let mut pacer = Pacer::new(epoch, 1000);
        let a = pacer.stamp(0);
        let b = pacer.stamp(1);
        assert_eq!((a.rtp_time, a.talkspurt), (1000, true));
        assert_eq!((b.rtp_time, b.talkspurt), (1160, false));
        // Slots 2 and 3 had nothing to send: the clock still moved on.
        let c = pacer.stamp(4);
        assert_eq!((c.rtp_time, c.talkspurt), (1000 + 4 * 160, true));
    }

    #[test]
    fn a_skipped_tick_does_not_slow_the_clock() {
        let epoch = Instant::now();
        let mut pacer = Pacer::new(epoch, 0);
        assert_eq!(pacer.slot(at(epoch, 10)), Some(0));
        assert_eq!(pacer.slot(at(epoch, 70)), Some(3));
        assert_eq!(pacer.stamp(3).rtp_time, 480);
    }
}
