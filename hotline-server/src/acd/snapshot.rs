//! Queue snapshots for wallboards and agents' live queue view.

use std::time::Instant;

use super::Acd;
use super::call::Phase;
use super::effect::{AcdEffect, QueueSnapshot, WaitingCall};
use super::queue::{Fingerprint, Queue};

impl Acd {
    pub(super) fn snapshot(&self, queue: &Queue, now: Instant) -> QueueSnapshot {
        let waiting: Vec<WaitingCall> = queue
            .calls
            .iter()
            .filter_map(|(_, id)| self.calls.get(id))
            .map(|c| WaitingCall {
                call: c.id,
                caller: c.caller.clone(),
                waited_ms: now.saturating_duration_since(c.arrived_at).as_millis() as u64,
                priority: c.key.priority,
                offered: matches!(c.phase, Phase::Offered { .. }),
            })
            .collect();
        let (ready, busy) = self.agent_counts(queue);
        QueueSnapshot {
            queue: queue.config.name.clone(),
            longest_wait_ms: waiting.iter().map(|w| w.waited_ms).max().unwrap_or(0),
            waiting,
            agents_ready: ready,
            agents_busy: busy,
        }
    }

    /// Emits a snapshot for each queue whose calls or agent counts changed since the last one.
    pub(super) fn emit_snapshots(&mut self, now: Instant, fx: &mut Vec<AcdEffect>) {
        let changed: Vec<_> = self
            .queues
            .iter()
            .filter_map(|(name, queue)| {
                let print = self.fingerprint(queue);
                (queue.last_snapshot.as_ref() != Some(&print)).then(|| (name.clone(), print))
            })
            .collect();
        for (name, print) in changed {
            if let Some(queue) = self.queues.get(&name) {
                fx.push(AcdEffect::QueueSnapshot(self.snapshot(queue, now)));
            }
            if let Some(queue) = self.queues.get_mut(&name) {
                queue.last_snapshot = Some(print);
            }
        }
    }

    fn fingerprint(&self, queue: &Queue) -> Fingerprint {
        let calls = queue
            .calls
            .iter()
            .filter_map(|(key, id)| {
                let offered = matches!(self.calls.get(id)?.phase, Phase::Offered { .. });
                Some((*id, offered, key.priority))
            })
            .collect();
        let (ready, busy) = self.agent_counts(queue);
        (calls, ready, busy)
    }

    /// (ready, busy) among logged-in agents with the queue's skills.
    fn agent_counts(&self, queue: &Queue) -> (usize, usize) {
        let skilled = self
            .agents
            .values()
            .filter(|a| a.logged_in() && a.has_skills(&queue.config.skills));
        skilled.fold((0, 0), |(ready, busy), a| {
            (
                ready + usize::from(a.available()),
                busy + usize::from(a.busy()),
            )
        })
    }
}
