//! One load agent's call handling, sans-IO: events from the server and timers in, commands
//! and output lines out. It behaves like agent-tui's headless `take_calls`: answer an offer
//! after `answer_after`, hang up `hangup_after` after connecting (or wait for the caller),
//! end wrap-up, go ready again after a missed offer, and print one line per finished call.

use std::time::{Duration, Instant};

use hotline_protocol::{AgentState, CallId, CallState, Command, Event};

use super::voice::HeardCount;

/// The flags that shape every session's calls.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timing {
    pub answer_after: Duration,
    /// `None`: the caller hangs up.
    pub hangup_after: Option<Duration>,
    /// Calls per session; 0 runs until stopped.
    pub calls: u32,
}

/// What the session's driver does next.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Send a command without waiting for its reply.
    Send(Command),
    /// Send a command and wait for its reply (a refusal is ignored).
    Request(Command),
    /// Start (true) or stop sending the voice on the WebRTC leg.
    Talk(bool),
    /// A line for stdout (the per-call result the load script counts).
    Out(String),
    /// A line for stderr.
    Log(String),
    /// Every call of this session is done.
    Finished,
}

struct Current {
    id: CallId,
    connected_at: Instant,
    heard_before: HeardCount,
}

/// One session's calls.
pub struct Agent {
    timing: Timing,
    /// "user: ", put before every line.
    prefix: String,
    offered: Option<(CallId, Instant)>,
    current: Option<Current>,
    hangup_at: Option<Instant>,
    done: u32,
}

impl Agent {
    pub fn new(timing: Timing, user: &str) -> Agent {
        Agent {
            timing,
            prefix: format!("{user}: "),
            offered: None,
            current: None,
            hangup_at: None,
            done: 0,
        }
    }

    /// When [`on_timer`](Self::on_timer) wants to run next.
    pub fn next_timer(&self) -> Option<Instant> {
        let answer = self
            .offered
            .as_ref()
            .map(|(_, at)| *at + self.timing.answer_after);
        [answer, self.hangup_at].into_iter().flatten().min()
    }

    /// Answers a due offer or hangs up a due call.
    pub fn on_timer(&mut self, now: Instant) -> Vec<Action> {
        let mut actions = Vec::new();
        if let Some((id, at)) = self.offered.take() {
            if now >= at + self.timing.answer_after {
                actions.push(Action::Send(Command::Answer { call_id: id }));
            } else {
                self.offered = Some((id, at));
            }
        }
        if self.hangup_at.is_some_and(|at| now >= at) {
            self.hangup_at = None;
            if let Some(call) = &self.current {
                actions.push(Action::Send(Command::Hangup {
                    call_id: call.id.clone(),
                }));
            }
        }
        actions
    }

    /// Reacts to one server event; `heard` is the session's ear right now.
    pub fn on_event(&mut self, event: &Event, now: Instant, heard: HeardCount) -> Vec<Action> {
        let p = &self.prefix;
        match event {
            Event::CallOffered {
                call_id,
                queue,
                screen_pop,
                ..
            } => {
                self.offered = Some((call_id.clone(), now));
                vec![Action::Log(format!(
                    "{p}offered {} from {} in {queue}",
                    call_id.0, screen_pop.caller.number
                ))]
            }
            Event::CallState {
                call_id,
                state: CallState::Connected,
                ..
            } if self.current.as_ref().is_none_or(|c| &c.id != call_id) => {
                // A new call (resume and unmute report `connected` again for the same call).
                self.offered = None;
                self.current = Some(Current {
                    id: call_id.clone(),
                    connected_at: now,
                    heard_before: heard,
                });
                self.hangup_at = self.timing.hangup_after.map(|d| now + d);
                vec![Action::Talk(true)]
            }
            Event::CallState {
                call_id,
                state: CallState::Ended { cause },
                ..
            } => {
                self.offered = None;
                self.hangup_at = None;
                let Some(call) = self.current.take() else {
                    // An offer withdrawn before it connected: nothing was talked.
                    return Vec::new();
                };
                let talked = now.saturating_duration_since(call.connected_at);
                let h = heard.since(call.heard_before);
                self.done += 1;
                let mut actions = vec![
                    Action::Talk(false),
                    Action::Out(format!(
                        "{p}call {} talked={:.1}s ended={cause:?} heard={}/{}",
                        call_id.0,
                        talked.as_secs_f64(),
                        h.voiced,
                        h.frames
                    )),
                ];
                if self.timing.calls > 0 && self.done >= self.timing.calls {
                    actions.push(Action::Finished);
                } else {
                    actions.push(Action::Request(Command::EndWrapUp));
                }
                actions
            }
            Event::AgentState {
                state: AgentState::NotReady { reason },
                ..
            } if reason.code == "missed" => {
                // A missed offer sets the seat not-ready; a load agent goes straight back.
                vec![Action::Request(Command::SetReady)]
            }
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn timing(hangup: Option<f64>, calls: u32) -> Timing {
        Timing {
            answer_after: Duration::from_millis(200),
            hangup_after: hangup.map(Duration::from_secs_f64),
            calls,
        }
    }

    fn event(v: serde_json::Value) -> Event {
        serde_json::from_value(v).expect("event json")
    }

    fn offered(id: &str) -> Event {
        event(json!({
            "type": "call_offered", "call_id": id, "queue": "general",
            "waited_ms": 0, "ring_timeout_ms": 15000,
            "screen_pop": {
                "caller": {"number": "13800138000", "name": null, "category": "resident",
                           "location": null, "blacklisted": null, "tags": []},
                "previous_calls": [], "tickets": [], "first_contact_agent": null,
                "repeat_caller": null
            }
        }))
    }

    fn call_state(id: &str, state: &serde_json::Value) -> Event {
        event(json!({
            "type": "call_state", "call_id": id, "state": state, "direction": "inbound",
            "connected_at_ms": null, "parties": [], "monitor": null
        }))
    }

    fn connected(id: &str) -> Event {
        call_state(id, &json!({"type": "connected"}))
    }

    fn ended(id: &str, cause: &str) -> Event {
        call_state(id, &json!({"type": "ended", "cause": cause}))
    }

    fn heard(frames: u64, voiced: u64) -> HeardCount {
        HeardCount { frames, voiced }
    }

    #[test]
    fn answers_after_the_delay_and_hangs_up_after_the_hold() {
        let t0 = Instant::now();
        let mut a = Agent::new(timing(Some(5.0), 1), "load1");
        let out = a.on_event(&offered("c1"), t0, heard(0, 0));
        assert_eq!(
            out,
            vec![Action::Log(
                "load1: offered c1 from 13800138000 in general".into()
            )]
        );
        assert_eq!(a.next_timer(), Some(t0 + Duration::from_millis(200)));
        assert!(a.on_timer(t0 + Duration::from_millis(100)).is_empty());
        assert_eq!(
            a.on_timer(t0 + Duration::from_millis(200)),
            vec![Action::Send(Command::Answer {
                call_id: CallId("c1".into())
            })]
        );
        let t1 = t0 + Duration::from_secs(1);
        assert_eq!(
            a.on_event(&connected("c1"), t1, heard(10, 2)),
            vec![Action::Talk(true)]
        );
        // Connected again (a resume) does not restart the call.
        let again = a.on_event(&connected("c1"), t1 + Duration::from_secs(1), heard(60, 50));
        assert!(again.is_empty());
        assert_eq!(a.next_timer(), Some(t1 + Duration::from_secs(5)));
        assert_eq!(
            a.on_timer(t1 + Duration::from_secs(5)),
            vec![Action::Send(Command::Hangup {
                call_id: CallId("c1".into())
            })]
        );
        let out = a.on_event(
            &ended("c1", "agent_hangup"),
            t1 + Duration::from_millis(5100),
            heard(265, 252),
        );
        assert_eq!(
            out,
            vec![
                Action::Talk(false),
                Action::Out("load1: call c1 talked=5.1s ended=AgentHangup heard=250/255".into()),
                Action::Finished,
            ]
        );
        assert_eq!(a.next_timer(), None);
    }

    #[test]
    fn with_calls_left_it_ends_wrap_up_and_a_missed_offer_goes_ready_again() {
        let t0 = Instant::now();
        let mut a = Agent::new(timing(None, 0), "x");
        a.on_event(&connected("c1"), t0, heard(0, 0));
        assert_eq!(a.next_timer(), None, "the caller hangs up");
        let out = a.on_event(
            &ended("c1", "caller_hangup"),
            t0 + Duration::from_secs(2),
            heard(100, 100),
        );
        assert_eq!(out.last(), Some(&Action::Request(Command::EndWrapUp)));
        // An offer withdrawn unanswered prints nothing.
        a.on_event(&offered("c2"), t0, heard(0, 0));
        assert!(
            a.on_event(&ended("c2", "abandoned"), t0, heard(0, 0))
                .is_empty()
        );
        assert_eq!(a.next_timer(), None);
        let missed = event(json!({
            "type": "agent_state", "agent_id": "x", "since_ms": 0, "cause": "ring_timeout",
            "state": {"type": "not_ready", "reason": {"code": "missed", "label": "未接"}}
        }));
        assert_eq!(
            a.on_event(&missed, t0, heard(0, 0)),
            vec![Action::Request(Command::SetReady)]
        );
    }
}
