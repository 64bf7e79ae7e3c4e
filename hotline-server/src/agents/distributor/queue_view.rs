//! The live queue view: today's figures of each queue and the snapshots sent to workstations
//! (agents see the waiting callers; supervisors with topic `queues` see every queue).

use hotline_protocol::{self as proto, Event};

use super::State;
use crate::acd::{self, CallId};

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

impl State {
    /// The screen-pop of a waiting call, if its look-up came back in time.
    pub(super) fn waiting_pop(&self, call: CallId) -> Option<&proto::ScreenPop> {
        self.calls.get(&call).and_then(|c| c.screen_pop.as_deref())
    }

    pub(super) fn broadcast_queue(&self, s: &acd::QueueSnapshot) {
        let day = self.day.get(&s.queue.0).copied().unwrap_or_default();
        let snapshot = proto::QueueSnapshot {
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
        };
        for a in self.agents.values() {
            let _ = a.events.try_send(Event::QueueSnapshot(snapshot.clone()));
        }
        self.sup
            .publish(proto::Topic::Queues, &Event::QueueSnapshot(snapshot));
    }
}
