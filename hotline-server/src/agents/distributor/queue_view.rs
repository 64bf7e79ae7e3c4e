//! The live queue view: today's figures of each queue and the snapshots sent to workstations
//! (agents see the waiting callers of the queues they serve; supervisors with topic `queues`
//! see every queue).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hotline_protocol as proto;

use super::State;
use crate::acd::{self, AgentId, CallId, QueueId};

/// Today's figures of one queue, for the live queue view (GB/T 33358 service level: answered
/// within 15 s).
#[derive(Default, Clone, Copy)]
pub(super) struct QueueDay {
    pub answered: u32,
    pub answered_in_time: u32,
    pub abandoned: u32,
    pub wait_ms_total: u64,
}

pub(super) const SERVICE_LEVEL_MS: u64 = 15_000;

/// A queue's snapshot goes out at most this often. A busy queue changes tens of times a
/// second (every arrival, offer, answer and hang-up), and each change would reach every
/// agent of the queue: hundreds of seats times tens of snapshots a second.
pub(super) const SNAPSHOT_EVERY: Duration = Duration::from_millis(250);

/// Paces each queue's snapshots: the first change after a quiet spell goes out at once, the
/// changes after it are gathered into one snapshot at the end of the interval.
#[derive(Default)]
pub(super) struct SnapshotPacer {
    last: HashMap<String, Instant>,
    held: BTreeSet<String>,
}

impl SnapshotPacer {
    /// Whether `queue`'s snapshot may go out now; if not, it is held for `due`.
    pub fn admit(&mut self, queue: &str, now: Instant) -> bool {
        match self.last.get(queue) {
            Some(at) if now.saturating_duration_since(*at) < SNAPSHOT_EVERY => {
                self.held.insert(queue.to_owned());
                false
            }
            _ => {
                self.last.insert(queue.to_owned(), now);
                self.held.remove(queue);
                true
            }
        }
    }

    /// When the earliest held snapshot may go out.
    pub fn due(&self) -> Option<Instant> {
        self.held
            .iter()
            .filter_map(|q| self.last.get(q))
            .min()
            .map(|at| *at + SNAPSHOT_EVERY)
    }

    /// The held queues whose time has come; they count as sent now.
    pub fn take_due(&mut self, now: Instant) -> Vec<String> {
        let due: Vec<String> = self
            .held
            .iter()
            .filter(|q| {
                self.last
                    .get(*q)
                    .is_none_or(|at| now.saturating_duration_since(*at) >= SNAPSHOT_EVERY)
            })
            .cloned()
            .collect();
        for q in &due {
            self.held.remove(q);
            self.last.insert(q.clone(), now);
        }
        due
    }
}

impl State {
    /// The screen-pop of a waiting call, if its look-up came back in time.
    pub(super) fn waiting_pop(&self, call: CallId) -> Option<&proto::ScreenPop> {
        self.calls.get(&call).and_then(|c| c.screen_pop.as_deref())
    }

    /// A snapshot from the ACD goes out now, or with the next paced round.
    pub(super) fn queue_changed(&mut self, s: &acd::QueueSnapshot, now: Instant) {
        if self.pacer.admit(&s.queue.0, now) {
            self.broadcast_queue(s);
        }
    }

    /// Sends the snapshots held back by the pacer whose time has come.
    pub(super) fn send_held_snapshots(&mut self, now: Instant) {
        for queue in self.pacer.take_due(now) {
            if let Some(s) = self.acd.queue_snapshot(&QueueId(queue), now) {
                self.broadcast_queue(&s);
            }
        }
    }

    /// To the agents who serve the queue and the supervisors following queues; one copy of
    /// the snapshot is shared by every workstation it goes to.
    pub(super) fn broadcast_queue(&self, s: &acd::QueueSnapshot) {
        let snapshot = crate::agents::SharedSnapshot::new(self.queue_view(s));
        for (name, a) in &self.agents {
            if self.acd.serves(&AgentId(name.clone()), &s.queue) {
                a.events.snapshot(Arc::clone(&snapshot));
            }
        }
        self.sup.publish_snapshot(&snapshot);
    }

    pub(super) fn queue_view(&self, s: &acd::QueueSnapshot) -> proto::QueueSnapshot {
        let day = self.day.get(&s.queue.0).copied().unwrap_or_default();
        proto::QueueSnapshot {
            queue: s.queue.0.clone(),
            waiting: s
                .waiting
                .iter()
                .map(|w| proto::WaitingCaller {
                    call_id: proto::CallId(self.names.get(&w.call).cloned().unwrap_or_default()),
                    number: w.caller.clone(),
                    name: self.waiting_pop(w.call).and_then(|p| p.caller.name.clone()),
                    location: self
                        .waiting_pop(w.call)
                        .and_then(|p| p.caller.location.clone()),
                    vip: self
                        .waiting_pop(w.call)
                        .is_some_and(|p| p.caller.category == proto::CallerCategory::Vip),
                    waited_ms: w.waited_ms,
                    priority: u8::try_from(w.priority.clamp(0, 255)).unwrap_or(0),
                })
                .collect(),
            longest_wait_ms: s.longest_wait_ms,
            agents_ready: u32::try_from(s.agents_ready).unwrap_or(u32::MAX),
            agents_busy: u32::try_from(s.agents_busy).unwrap_or(u32::MAX),
            agents_not_ready: 0,
            answered_today: day.answered,
            abandoned_today: day.abandoned,
            // Answered within 15 s over calls offered to the queue (answered + abandoned).
            service_level_pct: if day.answered + day.abandoned == 0 {
                100.0
            } else {
                f64::from(day.answered_in_time) * 100.0 / f64::from(day.answered + day.abandoned)
            },
            avg_wait_ms: day.wait_ms_total / u64::from(day.answered.max(1)),
            avg_talk_ms: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_change_goes_at_once_the_next_ones_together() {
        let t0 = Instant::now();
        let mut p = SnapshotPacer::default();
        assert!(p.admit("general", t0));
        assert_eq!(p.due(), None);
        let ms = |n| t0 + Duration::from_millis(n);
        assert!(!p.admit("general", ms(10)));
        assert!(!p.admit("general", ms(100)));
        // Another queue has its own pace.
        assert!(p.admit("complaint", ms(100)));
        assert_eq!(p.due(), Some(ms(250)));
        assert!(p.take_due(ms(200)).is_empty());
        assert_eq!(p.take_due(ms(250)), ["general"]);
        assert_eq!(p.due(), None);
        // Sent at 250: a change at 300 waits until 500.
        assert!(!p.admit("general", ms(300)));
        assert_eq!(p.due(), Some(ms(500)));
        // After a quiet spell, at once again.
        assert_eq!(p.take_due(ms(500)), ["general"]);
        assert!(p.admit("general", ms(900)));
    }
}
