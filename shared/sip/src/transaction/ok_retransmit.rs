//! UAS core retransmission of a 2xx to INVITE until the ACK arrives (RFC 3261 §13.3.1.4):
//! the INVITE server transaction is gone once a 2xx is sent, so the core does this itself.

use std::time::{Duration, Instant};

use super::{T1, T2};

/// What the 2xx retransmitter wants done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OkRetransmit {
    /// Send these bytes (the 2xx) again.
    Resend(Vec<u8>),
    /// 64*T1 passed without an ACK: give up and end the session with a BYE.
    GiveUp,
}

/// Resends a 2xx at T1, 2*T1, ... capped at T2, until [`on_ack`](Self::on_ack) or 64*T1.
#[derive(Debug, Clone)]
pub struct InviteOkRetransmitter {
    bytes: Vec<u8>,
    interval: Duration,
    t2: Duration,
    next: Instant,
    give_up_at: Instant,
    done: bool,
}

impl InviteOkRetransmitter {
    /// Starts after the first transmission at `now`, with the default T1.
    pub fn new(bytes: Vec<u8>, now: Instant) -> Self {
        Self::with_t1(bytes, now, T1)
    }

    pub fn with_t1(bytes: Vec<u8>, now: Instant, t1: Duration) -> Self {
        Self {
            bytes,
            interval: t1,
            t2: T2.max(t1),
            next: now + t1,
            give_up_at: now + t1 * 64,
            done: false,
        }
    }

    /// The ACK arrived: stop.
    pub fn on_ack(&mut self) {
        self.done = true;
    }

    pub fn is_done(&self) -> bool {
        self.done
    }

    pub fn poll(&mut self, now: Instant) -> Option<OkRetransmit> {
        if self.done {
            return None;
        }
        if now >= self.give_up_at {
            self.done = true;
            return Some(OkRetransmit::GiveUp);
        }
        if now < self.next {
            return None;
        }
        self.interval = (self.interval * 2).min(self.t2);
        self.next = now + self.interval;
        Some(OkRetransmit::Resend(self.bytes.clone()))
    }

    pub fn next_deadline(&self) -> Option<Instant> {
        (!self.done).then(|| self.next.min(self.give_up_at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_to_t2_then_gives_up() {
        let t0 = Instant::now();
        let mut r = InviteOkRetransmitter::new(b"200".to_vec(), t0);
        let mut sent = Vec::new();
        let mut now = t0;
        while let Some(deadline) = r.next_deadline() {
            now = deadline;
            match r.poll(now) {
                Some(OkRetransmit::Resend(b)) => {
                    assert_eq!(b, b"200");
                    sent.push(now - t0);
                }
                Some(OkRetransmit::GiveUp) => break,
                None => panic!("deadline without action"),
            }
        }
        assert_eq!(now - t0, T1 * 64);
        let ms: Vec<u128> = sent.iter().take(6).map(Duration::as_millis).collect();
        assert_eq!(ms, [500, 1500, 3500, 7500, 11500, 15500]);
        assert_eq!(r.poll(now + T1), None);
        assert_eq!(r.next_deadline(), None);
    }

    #[test]
    fn ack_stops_it() {
        let t0 = Instant::now();
        let mut r = InviteOkRetransmitter::new(b"200".to_vec(), t0);
        assert_eq!(r.poll(t0 + Duration::from_millis(100)), None);
        r.on_ack();
        assert_eq!(r.poll(t0 + T1 * 100), None);
        assert!(r.is_done());
    }
}
