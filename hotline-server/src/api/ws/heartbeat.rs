//! The server's heartbeat on a workstation's WebSocket. Pure: the session's driver sends the
//! pings, tells it what it heard and when it pinged, and asks when the client is to be given
//! up; the time is a parameter.
//!
//! A half-open connection (the workstation froze, its network went, its host lost power) sends
//! no FIN, so only silence betrays it. The server pings; any frame from the client (a pong,
//! a command, anything) proves it alive. A client silent for [`DEAD_AFTER`] while a ping
//! waits for its answer is gone, exactly as if its socket had closed.

use std::time::{Duration, Instant};

use hotline_protocol::ClientKind;

/// How often the server pings. Often enough that a frozen client is caught soon after it
/// froze (see [`DEAD_AFTER`]); a ping is a 2-byte frame, so two a second per seat is nothing
/// even for a 500-seat floor.
pub(crate) const PING_EVERY: Duration = Duration::from_millis(500);

/// Silence after which the client is gone. The bound: a caller ringing at a dead
/// workstation must ring the next agent within 2 s, so detection (at most this after the
/// client froze) plus the hand-over must fit in 2 s. Live workstations answer within
/// milliseconds: they always have a read pending (their reader never waits on the UI).
pub(crate) const DEAD_AFTER: Duration = Duration::from_millis(1500);

/// The least time a ping gets for its answer, whatever the silence before it: a server that
/// was busy and did not ping (a slow log-in, a stalled task) must not blame the client for
/// its own silence.
pub(crate) const PONG_WAIT: Duration = Duration::from_secs(1);

/// Whether the heartbeat applies to a session logged in from `client`: the agent
/// workstations (`agent_tui`, `headless`), where a dead seat holds up callers (a ringing call
/// must move on within 2 s). Their client always has a read pending and so answers pings.
/// A supervisor's workstation too: a frozen one would keep its listen or whisper leg in the
/// call. Not `other` (scripts, integrations), which may read only when they expect something;
/// those are found gone when their socket closes.
pub(crate) fn wanted(client: ClientKind) -> bool {
    matches!(
        client,
        ClientKind::AgentTui | ClientKind::Headless | ClientKind::SupervisorTui
    )
}

/// Whether the client answers.
#[derive(Debug)]
pub(crate) struct Heartbeat {
    last_heard: Instant,
    /// When the oldest ping sent since `last_heard` went out.
    unanswered_since: Option<Instant>,
}

impl Heartbeat {
    /// A connection that opened at `now` (that counts as hearing from it).
    pub(crate) fn new(now: Instant) -> Heartbeat {
        Heartbeat {
            last_heard: now,
            unanswered_since: None,
        }
    }

    /// A frame arrived: the client is alive.
    pub(crate) fn heard(&mut self, now: Instant) {
        self.last_heard = now;
        self.unanswered_since = None;
    }

    /// A ping went out.
    pub(crate) fn pinged(&mut self, now: Instant) {
        self.unanswered_since.get_or_insert(now);
    }

    /// When the client is to be given up unless something arrives first: [`DEAD_AFTER`] of
    /// silence, and [`PONG_WAIT`] after the oldest unanswered ping. `None` while no ping
    /// waits for an answer.
    pub(crate) fn dead_at(&self) -> Option<Instant> {
        let ping = self.unanswered_since?;
        Some((self.last_heard + DEAD_AFTER).max(ping + PONG_WAIT))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frozen_client_is_given_up_dead_after_its_last_frame() {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let mut hb = Heartbeat::new(t0);
        assert_eq!(hb.dead_at(), None);
        // The client answers each ping within 2 ms: the deadline always moves on.
        for ms in (0..10_000).step_by(500) {
            hb.pinged(at(ms));
            assert_eq!(
                hb.dead_at(),
                Some(at(ms + 1000).max(hb.last_heard + DEAD_AFTER))
            );
            hb.heard(at(ms + 2));
        }
        // It froze after answering the ping at 9.5 s; the pings go on unanswered.
        for ms in [10_000, 10_500, 11_000] {
            hb.pinged(at(ms));
        }
        assert_eq!(hb.dead_at(), Some(at(9_502 + 1500)));
    }

    #[test]
    fn a_busy_server_that_did_not_ping_gives_the_client_time_to_answer() {
        let t0 = Instant::now();
        let mut hb = Heartbeat::new(t0);
        hb.pinged(t0);
        hb.heard(t0 + Duration::from_millis(1));
        // No ping for 5 s (the server was busy), then one: it gets its full second.
        let late = t0 + Duration::from_secs(5);
        hb.pinged(late);
        assert_eq!(hb.dead_at(), Some(late + PONG_WAIT));
        hb.heard(late + Duration::from_millis(3));
        assert_eq!(hb.dead_at(), None);
    }

    #[test]
    fn agent_workstations_get_the_heartbeat() {
        assert!(wanted(ClientKind::AgentTui));
        assert!(wanted(ClientKind::Headless));
        assert!(wanted(ClientKind::SupervisorTui));
        assert!(!wanted(ClientKind::Other));
    }
}
