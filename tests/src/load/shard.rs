//! A media shard: one task drives up to [`SHARD_SIZE`] legs on a 20 ms tick. Each tick it
//! reads the sockets that have something to read, runs str0m's due timeouts and sends one
//! frame per talking leg; it wakes for nothing else. str0m's timeouts (STUN, DTLS and RTCP
//! retransmits, keepalives) are thus served up to one tick late, which they tolerate, and a
//! thousand sessions cost a few dozen wake-ups per tick instead of thousands of tasks.

use std::net::SocketAddr;
use std::time::Duration;

use hotline_server::media::udp_batch::RecvBatch;
use tokio::sync::mpsc;
use tokio::time::{self, MissedTickBehavior};

use super::leg::Leg;

/// Legs per shard.
pub const SHARD_SIZE: usize = 64;
/// One frame of audio.
pub const TICK: Duration = Duration::from_millis(20);
/// A leg with no call reads its socket every this many ticks (100 ms): only STUN consent
/// checks and RTCP arrive then, and an empty read is a system call saved.
const IDLE_READ_EVERY: u64 = 5;
/// Largest datagram read; WebRTC stays under the path MTU.
const DATAGRAM_MAX: usize = 2048;
/// Datagrams one read takes: a leg gets one or two per tick on a call.
const RECV_SLOTS: usize = 8;

/// Where shard `k` of `n` ticks within the 20 ms slot: spread evenly, so the shards' frames
/// do not reach the server's one socket as a single burst.
pub fn phase(k: usize, n: usize) -> Duration {
    TICK * (k as u32) / (n.max(1) as u32)
}

/// Whether leg `slot` of a shard reads its socket at tick `tick` when idle: each leg on its
/// own tick of [`IDLE_READ_EVERY`], so the reads spread over the ticks too.
fn idle_read_due(tick: u64, slot: u64) -> bool {
    (tick + slot).is_multiple_of(IDLE_READ_EVERY)
}

/// Runs a shard until every sender of `inbox` is gone and its last leg has closed.
pub async fn run(mut inbox: mpsc::UnboundedReceiver<Leg>, phase: Duration) {
    let start = time::Instant::now() + phase;
    let mut ticks = time::interval_at(start, TICK);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut legs: Vec<(u64, Leg)> = Vec::with_capacity(SHARD_SIZE);
    let mut next_slot = 0u64;
    // One buffer set per address family for the shard's legs, read in turn: one `recvmmsg`
    // per leg and tick.
    let mut v4 = RecvBatch::new(
        RECV_SLOTS,
        DATAGRAM_MAX,
        SocketAddr::from(([127, 0, 0, 1], 0)),
    );
    let mut v6 = RecvBatch::new(RECV_SLOTS, DATAGRAM_MAX, SocketAddr::from(([0u16; 8], 0)));
    let mut open = true;
    loop {
        tokio::select! {
            leg = inbox.recv(), if open => match leg {
                Some(leg) => {
                    legs.push((next_slot, leg));
                    next_slot += 1;
                }
                None => open = false,
            },
            at = ticks.tick() => {
                // The slot number follows the clock even when a tick was skipped: it is the
                // RTP time of the frames sent now.
                let tick = (at.saturating_duration_since(start).as_millis()
                    / TICK.as_millis()) as u64;
                let now = std::time::Instant::now();
                for (slot, leg) in &mut legs {
                    let read = leg.busy() || idle_read_due(tick, *slot);
                    let batch = if leg.is_ipv6() { &mut v6 } else { &mut v4 };
                    leg.service(now, tick, read, batch);
                }
                legs.retain(|(_, leg)| !leg.is_gone());
            }
        }
        if !open && legs.is_empty() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_spread_over_the_slot() {
        assert_eq!(phase(0, 4), Duration::ZERO);
        assert_eq!(phase(1, 4), Duration::from_millis(5));
        assert_eq!(phase(3, 4), Duration::from_millis(15));
        assert_eq!(phase(0, 0), Duration::ZERO);
    }

    #[test]
    fn idle_legs_read_once_in_five_ticks_each_on_its_own() {
        let reads = |slot| (0..20).filter(|&t| idle_read_due(t, slot)).count();
        assert_eq!(reads(0), 4);
        assert_eq!(reads(3), 4);
        assert!(idle_read_due(0, 0) && idle_read_due(2, 3) && !idle_read_due(1, 3));
    }
}
