//! Mixing arithmetic for bridges: 32-bit accumulation, saturation, and a "who hears
//! whom" matrix for hold, conference, listen, whisper and barge-in.

/// Most participants one bridge mixes (caller, agent, supervisor, consultation, ...).
pub const MAX_PARTICIPANTS: usize = 8;

/// Adds `src` into `acc` (up to the shorter length). 32-bit accumulators cannot
/// overflow with 8 inputs of 16 bits.
pub fn mix_add(acc: &mut [i32], src: &[i16]) {
    for (a, &s) in acc.iter_mut().zip(src) {
        *a += i32::from(s);
    }
}

/// Clamps accumulated samples into `out` (up to the shorter length).
pub fn mix_saturate(acc: &[i32], out: &mut [i16]) {
    for (o, &a) in out.iter_mut().zip(acc) {
        *o = a.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16;
    }
}

/// `hears[listener]` is a bit set of speakers. New matrices are a full conference:
/// everybody hears everybody else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MixMatrix {
    n: usize,
    hears: [u8; MAX_PARTICIPANTS],
}

impl MixMatrix {
    /// `n` is clamped to [`MAX_PARTICIPANTS`].
    pub fn new(n: usize) -> Self {
        let n = n.min(MAX_PARTICIPANTS);
        let all = ((1u16 << n) - 1) as u8;
        let mut hears = [0u8; MAX_PARTICIPANTS];
        for (l, h) in hears.iter_mut().enumerate().take(n) {
            *h = all & !(1 << l);
        }
        MixMatrix { n, hears }
    }

    /// Number of participants.
    pub fn len(&self) -> usize {
        self.n
    }

    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Out-of-range indices and `listener == speaker` are ignored.
    pub fn set(&mut self, listener: usize, speaker: usize, hears: bool) {
        if listener >= self.n || speaker >= self.n || listener == speaker {
            return;
        }
        if hears {
            self.hears[listener] |= 1 << speaker;
        } else {
            self.hears[listener] &= !(1 << speaker);
        }
    }

    pub fn hears(&self, listener: usize, speaker: usize) -> bool {
        listener < self.n && speaker < self.n && self.hears[listener] & (1 << speaker) != 0
    }

    /// Mixes one frame for every listener. `inputs[s]` is speaker s's frame,
    /// `outputs[l]` receives what listener l hears. Frames are
    /// `min(outputs[l].len(), scratch.len())` long (the rest of an output is zeroed);
    /// shorter or missing inputs count as silence. No allocation.
    pub fn mix(&self, inputs: &[&[i16]], outputs: &mut [&mut [i16]], scratch: &mut [i32]) {
        for (l, out) in outputs.iter_mut().enumerate() {
            let len = out.len().min(scratch.len());
            let acc = &mut scratch[..len];
            acc.fill(0);
            if l < self.n {
                for (s, input) in inputs.iter().enumerate().take(self.n) {
                    if self.hears(l, s) {
                        mix_add(acc, input);
                    }
                }
            }
            mix_saturate(acc, out);
            out[len..].fill(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_and_saturate() {
        let mut acc = [0i32; 4];
        mix_add(&mut acc, &[30000, -30000, 5, 1]);
        mix_add(&mut acc, &[30000, -30000, 5]);
        assert_eq!(acc, [60000, -60000, 10, 1]);
        let mut out = [0i16; 4];
        mix_saturate(&acc, &mut out);
        assert_eq!(out, [i16::MAX, i16::MIN, 10, 1]);
    }

    /// Runs a mix where participant i speaks the constant 10^i, so each output
    /// shows by its digits whom the listener hears.
    fn run(m: &MixMatrix, n: usize) -> Vec<i16> {
        let frames: Vec<Vec<i16>> = (0..n).map(|i| vec![10i16.pow(i as u32); 4]).collect();
        let inputs: Vec<&[i16]> = frames.iter().map(Vec::as_slice).collect();
        let mut outs = vec![vec![0i16; 4]; n];
        let mut refs: Vec<&mut [i16]> = outs.iter_mut().map(Vec::as_mut_slice).collect();
        let mut scratch = [0i32; 4];
        m.mix(&inputs, &mut refs, &mut scratch);
        outs.iter().map(|o| o[0]).collect()
    }

    #[test]
    fn full_conference_nobody_hears_themselves() {
        let m = MixMatrix::new(3);
        assert_eq!(run(&m, 3), [110, 101, 11]);
        assert!(!m.hears(1, 1));
        let mut m = m;
        m.set(1, 1, true);
        assert!(!m.hears(1, 1));
    }

    #[test]
    fn whisper() {
        // 0 = caller, 1 = agent, 2 = supervisor coaching the agent.
        let mut m = MixMatrix::new(3);
        m.set(0, 2, false);
        assert!(m.hears(2, 0) && m.hears(2, 1));
        assert!(m.hears(1, 0) && m.hears(1, 2));
        assert!(m.hears(0, 1) && !m.hears(0, 2));
        assert_eq!(run(&m, 3), [10, 101, 11]);
    }

    #[test]
    fn listen_and_hold() {
        // Silent monitoring: nobody hears the supervisor.
        let mut m = MixMatrix::new(3);
        m.set(0, 2, false);
        m.set(1, 2, false);
        assert_eq!(run(&m, 3), [10, 1, 11]);
        // Caller on hold: caller and agent hear nothing of each other.
        let mut m = MixMatrix::new(2);
        m.set(0, 1, false);
        m.set(1, 0, false);
        assert_eq!(run(&m, 2), [0, 0]);
    }

    #[test]
    fn bounds_and_short_buffers() {
        let mut m = MixMatrix::new(20);
        assert_eq!(m.len(), MAX_PARTICIPANTS);
        m.set(9, 0, true);
        assert!(!m.hears(9, 0));
        assert!(MixMatrix::new(0).is_empty());
        let m = MixMatrix::new(2);
        let a = [100i16; 4];
        let b = [7i16; 2]; // shorter input: the rest is silence
        let mut o0 = [1i16; 4];
        let mut o1 = [1i16; 4];
        let mut o2 = [1i16; 4]; // more outputs than participants: silence
        let mut scratch = [0i32; 3]; // shorter scratch: the tail is zeroed
        m.mix(&[&a, &b], &mut [&mut o0, &mut o1, &mut o2], &mut scratch);
        assert_eq!(o0, [7, 7, 0, 0]);
        assert_eq!(o1, [100, 100, 100, 0]);
        assert_eq!(o2, [0; 4]);
    }
}
