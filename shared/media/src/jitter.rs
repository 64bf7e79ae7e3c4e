//! Fixed-size RTP jitter buffer: reorders by sequence number, reports gaps as
//! `Lost`, and never allocates after construction.

/// Outcome of [`JitterBuffer::insert`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Insert {
    Stored,
    /// Already buffered.
    Duplicate,
    /// Its turn to play has passed.
    Late,
    /// Payload longer than `max_payload`.
    TooLarge,
}

/// Outcome of [`JitterBuffer::pop`], once per frame tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pulled<'a> {
    /// The next frame's payload.
    Audio(&'a [u8]),
    /// The next frame is missing: conceal it.
    Lost,
    /// Still filling (at start, after a resync or after running dry): play silence.
    Empty,
}

/// Counters since construction (or the last `reset`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct JitterStats {
    pub stored: u64,
    pub duplicates: u64,
    pub late: u64,
    pub lost: u64,
    /// Buffered packets dropped to make room for newer ones.
    pub overflows: u64,
    /// Times the buffer restarted on a new sequence (sender restart, long outage).
    pub resyncs: u64,
}

/// Late packets in a row that mean "the sender restarted behind us", not jitter.
const LATE_RUN_RESYNC: u32 = 4;
/// A packet this many sequence numbers behind the play point is a restart, not late.
const MAX_LATE_DISTANCE: u16 = 1000;

#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    occupied: bool,
    seq: u16,
    timestamp: u32,
    len: usize,
}

/// Reorders packets into a window of `capacity` slots starting at the next sequence
/// number to play. Holds back until `depth` packets are buffered before playing.
#[derive(Debug, Clone)]
pub struct JitterBuffer {
    depth: usize,
    capacity: usize,
    max_payload: usize,
    slots: Vec<Slot>,
    data: Vec<u8>,
    /// Next sequence number to play; `None` until the first packet.
    next_seq: Option<u16>,
    /// Slot holding `next_seq`. Slots follow the play point rather than `seq % capacity`,
    /// because 65536 is not a multiple of every capacity (the wrap would collide).
    head: usize,
    /// Highest sequence number stored, as an offset from `next_seq`.
    buffered: usize,
    playing: bool,
    late_run: u32,
    stats: JitterStats,
}

impl JitterBuffer {
    /// `capacity_packets` is clamped to at least 1 and `depth_packets` into 1..=capacity.
    pub fn new(depth_packets: usize, capacity_packets: usize, max_payload: usize) -> Self {
        let capacity = capacity_packets.clamp(1, 4096);
        JitterBuffer {
            depth: depth_packets.clamp(1, capacity),
            capacity,
            max_payload,
            slots: vec![Slot::default(); capacity],
            data: vec![0; capacity * max_payload],
            next_seq: None,
            head: 0,
            buffered: 0,
            playing: false,
            late_run: 0,
            stats: JitterStats::default(),
        }
    }

    /// Slot of `seq`, which must lie within the window starting at the play point.
    fn index(&self, seq: u16) -> usize {
        let offset = self
            .next_seq
            .map_or(0, |n| usize::from(seq.wrapping_sub(n)));
        (self.head + offset) % self.capacity
    }

    fn store(&mut self, seq: u16, timestamp: u32, payload: &[u8]) -> Insert {
        let i = self.index(seq);
        if self.slots[i].occupied {
            self.stats.duplicates += 1;
            return Insert::Duplicate;
        }
        let start = i * self.max_payload;
        self.data[start..start + payload.len()].copy_from_slice(payload);
        self.slots[i] = Slot {
            occupied: true,
            seq,
            timestamp,
            len: payload.len(),
        };
        self.buffered += 1;
        self.stats.stored += 1;
        Insert::Stored
    }

    fn clear_slots(&mut self) {
        for s in &mut self.slots {
            s.occupied = false;
        }
        self.buffered = 0;
    }

    fn resync(&mut self, seq: u16, timestamp: u32, payload: &[u8]) -> Insert {
        self.clear_slots();
        self.next_seq = Some(seq);
        self.head = 0;
        self.playing = false;
        self.late_run = 0;
        self.stats.resyncs += 1;
        self.store(seq, timestamp, payload)
    }

    /// Drops the slot at the play point and advances it; returns whether it held a packet.
    fn advance(&mut self) -> bool {
        let Some(next) = self.next_seq else {
            return false;
        };
        let i = self.head;
        let had = self.slots[i].occupied && self.slots[i].seq == next;
        if had {
            self.slots[i].occupied = false;
            self.buffered -= 1;
        }
        self.next_seq = Some(next.wrapping_add(1));
        self.head = (self.head + 1) % self.capacity;
        had
    }

    /// Offers one received packet.
    pub fn insert(&mut self, sequence: u16, timestamp: u32, payload: &[u8]) -> Insert {
        if payload.len() > self.max_payload {
            return Insert::TooLarge;
        }
        let Some(next) = self.next_seq else {
            self.next_seq = Some(sequence);
            return self.store(sequence, timestamp, payload);
        };
        let ahead = sequence.wrapping_sub(next);
        let behind = next.wrapping_sub(sequence);
        if behind != 0 && behind < ahead {
            // Before the play point.
            if !self.playing && usize::from(behind) + self.span() < self.capacity {
                // Still filling and it fits: reordered first packets, move the start back.
                self.late_run = 0;
                self.next_seq = Some(sequence);
                self.head = (self.head + self.capacity - usize::from(behind)) % self.capacity;
                return self.store(sequence, timestamp, payload);
            }
            self.late_run += 1;
            if behind > MAX_LATE_DISTANCE || self.late_run >= LATE_RUN_RESYNC {
                return self.resync(sequence, timestamp, payload);
            }
            self.stats.late += 1;
            return Insert::Late;
        }
        self.late_run = 0;
        let ahead = usize::from(ahead);
        if ahead >= 2 * self.capacity {
            // Far beyond the window: a sender restart or a long outage.
            return self.resync(sequence, timestamp, payload);
        }
        // Make room by dropping the oldest until the packet fits the window.
        while ahead_of(sequence, self.next_seq) >= self.capacity {
            if self.advance() {
                self.stats.overflows += 1;
            } else if self.playing {
                self.stats.lost += 1;
            }
        }
        self.store(sequence, timestamp, payload)
    }

    /// Distance from the play point to the highest stored packet, plus one.
    fn span(&self) -> usize {
        let Some(next) = self.next_seq else {
            return 0;
        };
        (0..self.capacity)
            .rev()
            .find(|&off| {
                let seq = next.wrapping_add(off as u16);
                let s = &self.slots[self.index(seq)];
                s.occupied && s.seq == seq
            })
            .map_or(0, |off| off + 1)
    }

    /// Takes the next frame; call once per packet interval.
    pub fn pop(&mut self) -> Pulled<'_> {
        let Some(next) = self.next_seq else {
            return Pulled::Empty;
        };
        if !self.playing {
            if self.buffered < self.depth {
                return Pulled::Empty;
            }
            self.playing = true;
        }
        if self.buffered == 0 {
            // Ran dry: refill to `depth` before playing again, which absorbs the spike.
            self.playing = false;
            return Pulled::Empty;
        }
        let i = self.head;
        let slot = self.slots[i];
        self.advance();
        if slot.occupied && slot.seq == next {
            let start = i * self.max_payload;
            Pulled::Audio(&self.data[start..start + slot.len])
        } else {
            self.stats.lost += 1;
            Pulled::Lost
        }
    }

    /// Timestamp of the packet `pop` would return next, if it is buffered.
    pub fn next_timestamp(&self) -> Option<u32> {
        let next = self.next_seq?;
        let s = &self.slots[self.index(next)];
        (s.occupied && s.seq == next).then_some(s.timestamp)
    }

    /// Number of packets currently buffered.
    pub fn buffered(&self) -> usize {
        self.buffered
    }

    pub fn stats(&self) -> JitterStats {
        self.stats
    }

    /// Empties the buffer and clears the counters (e.g. after a re-INVITE).
    pub fn reset(&mut self) {
        self.clear_slots();
        self.next_seq = None;
        self.head = 0;
        self.playing = false;
        self.late_run = 0;
        self.stats = JitterStats::default();
    }
}

fn ahead_of(seq: u16, next: Option<u16>) -> usize {
    next.map_or(0, |n| usize::from(seq.wrapping_sub(n)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pl(seq: u16) -> [u8; 2] {
        seq.to_be_bytes()
    }

    /// Pops one frame and describes it: the sequence number it carried, "L" or "E".
    fn pop_str(jb: &mut JitterBuffer) -> String {
        match jb.pop() {
            Pulled::Audio(p) => u16::from_be_bytes([p[0], p[1]]).to_string(),
            Pulled::Lost => "L".into(),
            Pulled::Empty => "E".into(),
        }
    }

    fn pops(jb: &mut JitterBuffer, n: usize) -> Vec<String> {
        (0..n).map(|_| pop_str(jb)).collect()
    }

    #[test]
    fn holds_back_then_plays_in_order() {
        let mut jb = JitterBuffer::new(3, 16, 160);
        assert_eq!(jb.pop(), Pulled::Empty);
        for seq in [11u16, 10] {
            assert_eq!(
                jb.insert(seq, u32::from(seq) * 160, &pl(seq)),
                Insert::Stored
            );
            assert_eq!(jb.pop(), Pulled::Empty);
        }
        assert_eq!(jb.insert(12, 1920, &pl(12)), Insert::Stored);
        assert_eq!(jb.next_timestamp(), Some(1600));
        assert_eq!(pops(&mut jb, 3), ["10", "11", "12"]);
        assert_eq!(jb.buffered(), 0);
        // Ran dry: refills before playing again.
        assert_eq!(jb.pop(), Pulled::Empty);
    }

    #[test]
    fn reorder_duplicate_late_and_loss() {
        let mut jb = JitterBuffer::new(2, 16, 160);
        for seq in [1u16, 3, 2, 2] {
            jb.insert(seq, 0, &pl(seq));
        }
        assert_eq!(jb.stats().duplicates, 1);
        jb.insert(5, 0, &pl(5));
        jb.insert(6, 0, &pl(6));
        assert_eq!(pops(&mut jb, 4), ["1", "2", "3", "L"]);
        assert_eq!(jb.insert(4, 0, &pl(4)), Insert::Late);
        assert_eq!(pops(&mut jb, 2), ["5", "6"]);
        let st = jb.stats();
        assert_eq!((st.stored, st.duplicates, st.late, st.lost), (5, 1, 1, 1));
        assert_eq!(jb.insert(7, 0, &[0; 161]), Insert::TooLarge);
    }

    #[test]
    fn sequence_wrap() {
        let mut jb = JitterBuffer::new(2, 8, 4);
        let seqs = [65533u16, 65535, 65534, 0, 2, 1, 3];
        for s in seqs {
            assert_eq!(jb.insert(s, 0, &pl(s)), Insert::Stored);
        }
        assert_eq!(
            pops(&mut jb, 7),
            ["65533", "65534", "65535", "0", "1", "2", "3"]
        );
    }

    #[test]
    fn overflow_drops_oldest() {
        let mut jb = JitterBuffer::new(1, 4, 4);
        for s in 0..6u16 {
            jb.insert(s, 0, &pl(s));
        }
        assert_eq!(jb.stats().overflows, 2);
        assert_eq!(jb.buffered(), 4);
        assert_eq!(pops(&mut jb, 4), ["2", "3", "4", "5"]);
    }

    #[test]
    fn resync_on_big_jump_forward_and_backward() {
        let mut jb = JitterBuffer::new(2, 8, 4);
        for s in 100..104u16 {
            jb.insert(s, 0, &pl(s));
        }
        assert_eq!(pops(&mut jb, 2), ["100", "101"]);
        // Sender restarts far ahead: old frames dropped, refills from the new sequence.
        assert_eq!(jb.insert(30000, 0, &pl(30000)), Insert::Stored);
        assert_eq!(jb.stats().resyncs, 1);
        assert_eq!(jb.pop(), Pulled::Empty);
        jb.insert(30001, 0, &pl(30001));
        assert_eq!(pops(&mut jb, 2), ["30000", "30001"]);
        // Restart slightly behind: a few "late" packets in a row, then resync.
        for s in 29990..29994u16 {
            jb.insert(s, 0, &pl(s));
        }
        assert_eq!(jb.stats().resyncs, 2);
        assert_eq!(jb.stats().late, 3);
        jb.insert(29994, 0, &pl(29994));
        assert_eq!(pops(&mut jb, 2), ["29993", "29994"]);
    }

    #[test]
    fn moderate_gap_is_played_as_loss() {
        let mut jb = JitterBuffer::new(1, 8, 4);
        jb.insert(1, 0, &pl(1));
        assert_eq!(pop_str(&mut jb), "1");
        jb.insert(4, 0, &pl(4));
        assert_eq!(pops(&mut jb, 3), ["L", "L", "4"]);
        assert_eq!(jb.stats().lost, 2);
        jb.reset();
        assert_eq!(jb.stats(), JitterStats::default());
        assert_eq!(jb.pop(), Pulled::Empty);
    }

    #[test]
    fn degenerate_sizes_do_not_panic() {
        let mut jb = JitterBuffer::new(0, 0, 0);
        assert_eq!(jb.insert(1, 0, &[]), Insert::Stored);
        assert_eq!(jb.pop(), Pulled::Audio(&[]));
        assert_eq!(jb.insert(2, 0, &[1]), Insert::TooLarge);
    }

    proptest! {
        #[test]
        fn never_panics(ops in proptest::collection::vec((any::<bool>(), any::<u16>(), 0usize..40), 0..400)) {
            let mut jb = JitterBuffer::new(3, 16, 32);
            let payload = [7u8; 40];
            for (pop, seq, len) in ops {
                if pop {
                    if let Pulled::Audio(p) = jb.pop() {
                        prop_assert!(p.len() <= 32);
                    }
                } else {
                    let _ = jb.insert(seq, 0, &payload[..len]);
                }
                prop_assert!(jb.buffered() <= 16);
            }
        }

        #[test]
        fn jittered_stream_arrives_complete(swaps in proptest::collection::vec(0usize..199, 0..30)) {
            // Adjacent swaps only: every packet is at most one slot early or late.
            let mut order: Vec<u16> = (0..200u16).map(|i| i.wrapping_add(65500)).collect();
            for i in swaps {
                order.swap(i, i + 1);
            }
            let mut jb = JitterBuffer::new(3, 16, 2);
            let mut out = Vec::new();
            for s in order {
                jb.insert(s, 0, &pl(s));
                if let Pulled::Audio(p) = jb.pop() {
                    out.push(u16::from_be_bytes([p[0], p[1]]));
                }
            }
            for _ in 0..40 {
                if let Pulled::Audio(p) = jb.pop() {
                    out.push(u16::from_be_bytes([p[0], p[1]]));
                }
            }
            // Played strictly in order; every packet either played or reported late.
            prop_assert!(out.windows(2).all(|w| w[1].wrapping_sub(65500) > w[0].wrapping_sub(65500)));
            let st = jb.stats();
            if st.resyncs == 0 {
                prop_assert_eq!(out.len() as u64 + st.late, 200);
            }
        }
    }
}
