//! Wallboard alarms computed on the workstation from what it already shows, so they appear
//! even when the server raises none; the server's own alarms are merged in.

use std::collections::BTreeMap;

use hotline_protocol::{AgentId, AgentState, Alarm, AlarmKind};

use super::state::{QueueView, Seat};

/// When an alarm is raised.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// A queue's service level under this (percent).
    pub sl_target_pct: f64,
    /// Answered within this many seconds counts for the service level (reports).
    pub sl_threshold_secs: u32,
    /// A call longer than this.
    pub long_call_secs: u64,
    /// More callers than this waiting in one queue.
    pub long_queue: u32,
    /// Not ready for longer than this.
    pub long_not_ready_secs: u64,
}

impl Default for Thresholds {
    fn default() -> Thresholds {
        Thresholds {
            sl_target_pct: 95.0,
            sl_threshold_secs: 15,
            long_call_secs: 10 * 60,
            long_queue: 5,
            long_not_ready_secs: 15 * 60,
        }
    }
}

/// An alarm as the list shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalAlarm {
    pub kind: AlarmKind,
    /// A queue name or an agent id.
    pub subject: String,
    pub value: f64,
    pub threshold: f64,
}

impl LocalAlarm {
    pub fn key(&self) -> (u8, &str) {
        (kind_order(self.kind), self.subject.as_str())
    }
}

/// People asking for help come before any threshold.
fn kind_order(k: AlarmKind) -> u8 {
    match k {
        AlarmKind::Emergency => 0,
        AlarmKind::HelpRequest => 1,
        AlarmKind::ServiceLevel => 2,
        AlarmKind::LongQueue => 3,
        AlarmKind::LongCall => 4,
        AlarmKind::LongNotReady => 5,
    }
}

/// Whether the alarm is an agent asking for a supervisor.
pub fn is_help(k: AlarmKind) -> bool {
    matches!(k, AlarmKind::HelpRequest | AlarmKind::Emergency)
}

/// Every alarm in force at `now_ms`, queue alarms first, then by subject.
pub fn compute(
    queues: &BTreeMap<String, QueueView>,
    seats: &BTreeMap<AgentId, Seat>,
    server: &BTreeMap<u64, Alarm>,
    t: &Thresholds,
    now_ms: u64,
) -> Vec<LocalAlarm> {
    let mut out = Vec::new();
    for (name, q) in queues {
        let s = &q.snap;
        // Before the first answered or abandoned call the level is meaningless (100).
        if s.answered_today + s.abandoned_today > 0 && s.service_level_pct < t.sl_target_pct {
            out.push(LocalAlarm {
                kind: AlarmKind::ServiceLevel,
                subject: name.clone(),
                value: s.service_level_pct,
                threshold: t.sl_target_pct,
            });
        }
        let waiting = s.waiting.len() as u32;
        if waiting > t.long_queue {
            out.push(LocalAlarm {
                kind: AlarmKind::LongQueue,
                subject: name.clone(),
                value: f64::from(waiting),
                threshold: f64::from(t.long_queue),
            });
        }
    }
    for seat in seats.values() {
        let secs = now_ms.saturating_sub(seat.since_ms) / 1000;
        let (kind, limit) = match seat.state {
            AgentState::OnCall { .. } => (AlarmKind::LongCall, t.long_call_secs),
            AgentState::NotReady { .. } => (AlarmKind::LongNotReady, t.long_not_ready_secs),
            _ => continue,
        };
        if secs > limit {
            out.push(LocalAlarm {
                kind,
                subject: seat.agent.to_string(),
                value: secs as f64,
                threshold: limit as f64,
            });
        }
    }
    // A help request from an agent who has logged out since is moot.
    let moot = |a: &Alarm| is_help(a.kind) && !seats.keys().any(|id| id.0 == a.subject);
    for a in server.values().filter(|a| !a.cleared && !moot(a)) {
        if !out
            .iter()
            .any(|l| l.kind == a.kind && l.subject == a.subject)
        {
            out.push(LocalAlarm {
                kind: a.kind,
                subject: a.subject.clone(),
                value: a.value,
                threshold: a.threshold,
            });
        }
    }
    out.sort_by(|a, b| a.key().cmp(&b.key()));
    out
}

/// Whether `now` has an alarm `before` did not (the list then flashes).
pub fn any_new(before: &[LocalAlarm], now: &[LocalAlarm]) -> bool {
    now.iter()
        .any(|a| !before.iter().any(|b| b.key() == a.key()))
}

#[cfg(test)]
mod tests {
    use hotline_protocol::{NotReadyReason, QueueSnapshot, WaitingCaller};

    use super::*;

    fn queue(waiting: usize, answered: u32, abandoned: u32, sl: f64) -> QueueView {
        QueueView {
            snap: QueueSnapshot {
                queue: "q".into(),
                waiting: (0..waiting)
                    .map(|i| WaitingCaller {
                        call_id: format!("c{i}").into(),
                        number: "1".into(),
                        name: None,
                        location: None,
                        vip: false,
                        waited_ms: 0,
                        priority: 0,
                    })
                    .collect(),
                longest_wait_ms: 0,
                agents_ready: 0,
                agents_busy: 0,
                agents_not_ready: 0,
                answered_today: answered,
                abandoned_today: abandoned,
                service_level_pct: sl,
                avg_wait_ms: 0,
                avg_talk_ms: 0,
            },
            history: Vec::new(),
        }
    }

    fn seat(id: &str, state: AgentState, since_ms: u64) -> (AgentId, Seat) {
        (
            id.into(),
            Seat {
                agent: id.into(),
                state,
                since_ms,
                caller: None,
            },
        )
    }

    #[test]
    fn thresholds_raise_alarms() {
        let t = Thresholds::default();
        let queues = BTreeMap::from([
            ("12345".to_owned(), queue(6, 10, 2, 80.0)),
            ("idle".to_owned(), queue(0, 0, 0, 100.0)),
            ("fresh".to_owned(), queue(5, 0, 0, 0.0)),
        ]);
        let now = 3_600_000;
        let seats = BTreeMap::from([
            seat(
                "a1",
                AgentState::OnCall {
                    call_id: "c".into(),
                },
                now - 601_000,
            ),
            seat(
                "a2",
                AgentState::OnCall {
                    call_id: "d".into(),
                },
                now - 599_000,
            ),
            seat(
                "a3",
                AgentState::NotReady {
                    reason: NotReadyReason::new("break", "小休"),
                },
                now - 901_000,
            ),
            seat("a4", AgentState::Ready, 0),
        ]);
        let alarms = compute(&queues, &seats, &BTreeMap::new(), &t, now);
        let got: Vec<(AlarmKind, &str)> = alarms
            .iter()
            .map(|a| (a.kind, a.subject.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (AlarmKind::ServiceLevel, "12345"),
                (AlarmKind::LongQueue, "12345"),
                (AlarmKind::LongCall, "a1"),
                (AlarmKind::LongNotReady, "a3"),
            ]
        );
        assert!((alarms[2].value - 601.0).abs() < f64::EPSILON);
    }

    #[test]
    fn server_alarms_merge_and_new_ones_flash() {
        let server = BTreeMap::from([
            (
                1,
                Alarm {
                    id: 1,
                    kind: AlarmKind::LongQueue,
                    subject: "12315".into(),
                    value: 9.0,
                    threshold: 8.0,
                    raised_at_ms: 0,
                    cleared: false,
                },
            ),
            (
                2,
                Alarm {
                    id: 2,
                    kind: AlarmKind::LongCall,
                    subject: "a9".into(),
                    value: 9.0,
                    threshold: 8.0,
                    raised_at_ms: 0,
                    cleared: true,
                },
            ),
        ]);
        let t = Thresholds::default();
        let a = compute(&BTreeMap::new(), &BTreeMap::new(), &server, &t, 0);
        assert_eq!(a.len(), 1);
        assert!(any_new(&[], &a));
        assert!(!any_new(&a, &a));
        assert!(!any_new(&a, &[]));
    }
}
