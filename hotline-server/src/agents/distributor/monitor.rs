//! Supervision: listen, whisper, barge-in and takeover on an agent's call; force not-ready, force
//! log-out and force release; help requests; and the supervisors' live feed (topics `agents`
//! and `queues`). Supervisors have a media leg but are not agents of the ACD: they take no calls.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use hotline_protocol::{self as proto, Event, MonitorMode, Topic};

use super::{AgentAudio, CallControl, State, now_ms};
use crate::acd::{self, AgentId, CallId};
use crate::agents::Outbox;

/// Whether silent listening shows on the agent's screen (site policy; off: it is silent).
const SHOW_LISTEN_TO_AGENT: bool = false;

/// The supervisors online and what the distributor remembers for them.
#[derive(Default)]
pub(super) struct Supervision {
    supervisors: HashMap<String, Supervisor>,
    /// The cause of each agent's last state change, for its `agent_state` events.
    causes: HashMap<String, proto::StateCause>,
    /// Calls a supervisor is ending (by name), so the agent is told why.
    ending: HashMap<String, proto::EndCause>,
    /// Help requests and emergencies not yet answered, by agent: every supervisor's alarm
    /// list shows them until one joins the agent's call.
    help: HashMap<String, proto::Alarm>,
    next_alarm: u64,
}

struct Supervisor {
    events: Outbox,
    /// The supervisor's media leg while it is not lent to a call.
    audio: Option<AgentAudio>,
    /// The leg is in a call's bridge (or on its way back from one).
    lent: bool,
    topics: HashSet<Topic>,
    watching: Option<Watch>,
}

/// The call a supervisor is in.
struct Watch {
    call: CallId,
    name: String,
    agent: String,
    mode: MonitorMode,
    /// The mode the agent is shown (policy hides silent listening).
    shown: Option<MonitorMode>,
    /// The supervisor's leg is still on its way back from an earlier call: join once it is.
    waiting_for_audio: bool,
}

impl Supervision {
    /// The protocol cause of `agent`'s last state change.
    pub(super) fn cause_of(&self, agent: &str) -> proto::StateCause {
        self.causes
            .get(agent)
            .copied()
            .unwrap_or(proto::StateCause::Request)
    }

    pub(super) fn note_cause(
        &mut self,
        agent: &str,
        state: &acd::AgentState,
        cause: acd::StateCause,
    ) {
        self.causes
            .insert(agent.to_owned(), protocol_cause(state, cause));
    }

    /// The call `name` is being ended by `cause` (unless a supervisor already ends it).
    pub(super) fn note_ending(&mut self, name: &str, cause: proto::EndCause) {
        self.ending.entry(name.to_owned()).or_insert(cause);
    }

    /// Why the call `name` ended, as its agent is told.
    pub(super) fn end_cause(&self, name: &str) -> proto::EndCause {
        self.ending
            .get(name)
            .copied()
            .unwrap_or(proto::EndCause::CallerHangup)
    }

    /// Sends `event` to every supervisor subscribed to `topic`. Never waits: a supervisor who
    /// stops reading loses events, like an agent.
    pub(super) fn publish(&self, topic: Topic, event: &Event) {
        for s in self.supervisors.values() {
            if s.topics.contains(&topic) {
                let _ = s.events.try_send(event.clone());
            }
        }
    }

    /// A queue snapshot to every supervisor following queues.
    pub(super) fn publish_snapshot(
        &self,
        snapshot: &std::sync::Arc<crate::agents::SharedSnapshot>,
    ) {
        for s in self.supervisors.values() {
            if s.topics.contains(&Topic::Queues) {
                s.events.snapshot(std::sync::Arc::clone(snapshot));
            }
        }
    }

    fn alert(&self, text: &str, level: proto::NoticeLevel) -> usize {
        for s in self.supervisors.values() {
            let _ = s.events.try_send(Event::Notice {
                text: text.to_owned(),
                level,
            });
        }
        self.supervisors.len()
    }

    /// Raises (or raises again) `agent`'s help alarm for every supervisor.
    fn raise_help(&mut self, agent: &str, kind: proto::AlarmKind, now_ms: u64) {
        let id = if let Some(a) = self.help.get(agent) {
            a.id
        } else {
            self.next_alarm += 1;
            self.next_alarm
        };
        let alarm = proto::Alarm {
            id,
            kind,
            subject: agent.to_owned(),
            value: 0.0,
            threshold: 0.0,
            raised_at_ms: now_ms,
            cleared: false,
        };
        self.to_all(&Event::Alarm(alarm.clone()));
        self.help.insert(agent.to_owned(), alarm);
    }

    /// A supervisor joined `agent`'s call: the help request is answered.
    fn clear_help(&mut self, agent: &str) {
        if let Some(mut alarm) = self.help.remove(agent) {
            alarm.cleared = true;
            self.to_all(&Event::Alarm(alarm));
        }
    }

    fn to_all(&self, event: &Event) {
        for s in self.supervisors.values() {
            let _ = s.events.try_send(event.clone());
        }
    }
}

fn protocol_cause(state: &acd::AgentState, cause: acd::StateCause) -> proto::StateCause {
    use acd::StateCause as A;
    use proto::StateCause as P;
    match cause {
        A::LoggedIn => P::Login,
        A::AgentRequest if *state == acd::AgentState::LoggedOut => P::Logout,
        A::Forced => P::Forced,
        A::Offered => P::Offered,
        A::Answered | A::PickedUp => P::Answered,
        A::OfferRejected => P::Rejected,
        A::RingTimeout => P::RingTimeout,
        A::WrapUpExpired => P::WrapUpExpired,
        A::Disconnected => P::Disconnected,
        A::Reconnected => P::Resumed,
        A::GraceExpired => P::SessionExpired,
        A::AudioLost => P::AudioLost,
        A::OfferWithdrawn | A::CallEnded => P::CallEnded,
        _ => P::Request,
    }
}

fn party(kind: proto::PartyKind, id: &str) -> proto::Party {
    proto::Party {
        kind,
        id: id.to_owned(),
        name: None,
        held: false,
        muted: false,
    }
}

fn call_state(name: &str, state: proto::CallState, monitor: Option<MonitorMode>) -> Event {
    Event::CallState {
        call_id: proto::CallId(name.to_owned()),
        state,
        direction: proto::Direction::Inbound,
        connected_at_ms: None,
        parties: Vec::new(),
        monitor,
    }
}

impl State {
    /// Supervision commands and the commands whose meaning differs for a supervisor; `None` for
    /// the rest (the agent's own commands).
    pub(super) fn supervise(
        &mut self,
        user: &str,
        command: &proto::Command,
        now: Instant,
    ) -> Option<Result<(), String>> {
        use proto::Command as C;
        let result = match command {
            C::Subscribe { topics } => {
                self.subscribe(user, topics, now);
                Ok(())
            }
            C::Monitor { agent_id, mode } => self.start_monitor(user, &agent_id.0, *mode),
            C::StopMonitor => self.stop_monitor(user),
            C::ForceNotReady { agent_id, reason } => {
                self.force_not_ready(user, &agent_id.0, reason, now)
            }
            C::ForceLogout { agent_id } => self.force_logout(user, &agent_id.0, now),
            C::ForceRelease { call_id } => self.force_release(&call_id.0),
            C::CallSupervisor => self.ask_for_help(user, proto::NoticeLevel::Warning),
            C::Emergency => self.ask_for_help(user, proto::NoticeLevel::Critical),
            C::Logout if self.sup.supervisors.contains_key(user) => {
                self.supervisor_offline(user);
                Ok(())
            }
            _ => return None,
        };
        Some(result)
    }

    pub(super) fn supervisor_online(&mut self, name: String, events: Outbox) {
        // A reconnect keeps the leg; anything else starts afresh.
        let audio = self.sup.supervisors.remove(&name).and_then(|s| s.audio);
        let supervisor = Supervisor {
            events,
            audio,
            lent: false,
            topics: HashSet::new(),
            watching: None,
        };
        self.sup.supervisors.insert(name, supervisor);
    }

    /// Lends `user`'s media leg to an internal call; they must be a free supervisor with a leg.
    pub(super) fn lend_supervisor_leg(&mut self, user: &str) -> Result<AgentAudio, String> {
        let Some(s) = self.sup.supervisors.get_mut(user) else {
            return Err("only a supervisor's workstation may call an agent".into());
        };
        if let Some(w) = &s.watching {
            return Err(format!("monitoring {}; stop first", w.agent));
        }
        let Some(mut audio) = s.audio.take() else {
            return Err("no media leg: connect the phone first".into());
        };
        s.lent = true;
        // Whatever was said before the call is stale.
        while audio.from_agent.try_recv().is_ok() {}
        Ok(audio)
    }

    /// Sends `event` to the supervisor `user`, if online.
    pub(super) fn tell_supervisor(&self, user: &str, event: Event) {
        if let Some(s) = self.sup.supervisors.get(user) {
            let _ = s.events.try_send(event);
        }
    }

    /// The workstation went away or logged out: leave the call (a taken-over call ends with
    /// it, or the caller would talk to nobody). True if `name` was a supervisor.
    pub(super) fn supervisor_offline(&mut self, name: &str) -> bool {
        let Some(s) = self.sup.supervisors.remove(name) else {
            return false;
        };
        if let Some(w) = s.watching {
            self.leave(&w);
        }
        true
    }

    /// A media leg arrives (a new one, or one given back by a call) for an agent or supervisor.
    pub(super) fn audio_back(&mut self, user: &str, mut audio: AgentAudio) {
        if let Some(a) = self.agents.get_mut(user) {
            a.audio = Some(audio);
            return;
        }
        let Some(s) = self.sup.supervisors.get_mut(user) else {
            return;
        };
        match s.watching.as_mut() {
            Some(w) if w.waiting_for_audio => {
                w.waiting_for_audio = false;
                // Whatever was said meanwhile is stale.
                while audio.from_agent.try_recv().is_ok() {}
                if let Some(c) = self.calls.get(&w.call) {
                    let _ = c.control.try_send(CallControl::Monitor {
                        supervisor: user.to_owned(),
                        mode: w.mode,
                        audio: Some(audio),
                    });
                }
            }
            _ => {
                s.audio = Some(audio);
                s.lent = false;
            }
        }
    }

    /// The call `name` is over: its supervisor is told and their leg comes back from the call.
    pub(super) fn supervised_call_gone(&mut self, name: &str) {
        let cause = self.sup.end_cause(name);
        self.sup.ending.remove(name);
        for s in self.sup.supervisors.values_mut() {
            if s.watching.as_ref().is_some_and(|w| w.name == name) {
                s.watching = None;
                let ended = proto::CallState::Ended { cause };
                let _ = s.events.try_send(call_state(name, ended, None));
            }
        }
    }

    fn subscribe(&mut self, user: &str, topics: &[Topic], now: Instant) {
        let Some(s) = self.sup.supervisors.get_mut(user) else {
            // Agents get their queues' snapshots anyway.
            return;
        };
        s.topics = topics.iter().copied().collect();
        // Unanswered help requests reach a supervisor whatever they subscribe to.
        for alarm in self.sup.help.values() {
            let _ = s.events.try_send(Event::Alarm(alarm.clone()));
        }
        let (agents, queues) = (
            s.topics.contains(&Topic::Agents),
            s.topics.contains(&Topic::Queues),
        );
        let events = s.events.clone();
        // The current picture at once, so the wallboard does not wait for the next change.
        // Queues first: they are few and change only with calls, while a big floor's agent
        // states can fill the session's queue (what is dropped there comes again with the
        // agent's next change).
        if queues {
            for q in self.acd.queue_ids() {
                if let Some(snapshot) = self.acd.queue_snapshot(&q, now) {
                    let _ = events.try_send(Event::QueueSnapshot(self.queue_view(&snapshot)));
                }
            }
        }
        if agents {
            let names: Vec<String> = self.agents.keys().cloned().collect();
            for name in names {
                self.send_state(&name);
            }
        }
    }

    fn start_monitor(&mut self, user: &str, agent: &str, mode: MonitorMode) -> Result<(), String> {
        let Some(acd::AgentState::OnCall { call }) =
            self.acd.agent_state(&AgentId(agent.to_owned())).cloned()
        else {
            return Err(format!("{agent} is not on a call"));
        };
        let name = self.names.get(&call).cloned().unwrap_or_default();
        if let Some((other, _)) = self.sup.supervisors.iter().find(|(n, s)| {
            n.as_str() != user && s.watching.as_ref().is_some_and(|w| w.call == call)
        }) {
            return Err(format!("{other} is already monitoring {agent}"));
        }
        let Some(control) = self.calls.get(&call).map(|c| c.control.clone()) else {
            return Err("the call is gone".into());
        };
        let caller = self
            .calls
            .get(&call)
            .map(|c| c.caller.clone())
            .unwrap_or_default();
        let Some(s) = self.sup.supervisors.get_mut(user) else {
            return Err("only a supervisor's workstation may monitor".into());
        };
        let joining = match &s.watching {
            Some(w) if w.call != call => {
                return Err(format!("already monitoring {}; stop first", w.agent));
            }
            Some(w) if w.mode == MonitorMode::Takeover => {
                return Err("the call is yours since the takeover".into());
            }
            Some(_) => false,
            None => true,
        };
        let audio = if joining { s.audio.take() } else { None };
        // A leg still coming back from the last call joins when it arrives.
        let waiting_for_audio = joining && audio.is_none() && s.lent;
        s.lent |= audio.is_some();
        let previous_shown = s.watching.as_ref().and_then(|w| w.shown);
        let shown = mode.shown_to_agent(SHOW_LISTEN_TO_AGENT).then_some(mode);
        let watch = s.watching.get_or_insert(Watch {
            call,
            name: name.clone(),
            agent: agent.to_owned(),
            mode,
            shown: None,
            waiting_for_audio,
        });
        watch.mode = mode;
        watch.shown = shown;
        let waiting = watch.waiting_for_audio;
        if !waiting {
            let mut audio = audio;
            if let Some(a) = audio.as_mut() {
                while a.from_agent.try_recv().is_ok() {}
            }
            let _ = control.try_send(CallControl::Monitor {
                supervisor: user.to_owned(),
                mode,
                audio,
            });
        }
        let mut parties = vec![party(proto::PartyKind::Caller, &caller)];
        if mode != MonitorMode::Takeover {
            parties.push(party(proto::PartyKind::Agent, agent));
        }
        parties.push(party(proto::PartyKind::Supervisor, user));
        let _ = s.events.try_send(Event::CallState {
            call_id: proto::CallId(name.clone()),
            state: proto::CallState::Connected,
            direction: proto::Direction::Inbound,
            connected_at_ms: None,
            parties,
            monitor: Some(mode),
        });
        if mode == MonitorMode::Takeover {
            self.taken_over(agent, call, &name);
        } else if shown != previous_shown
            && let Some(a) = self.agents.get(agent)
        {
            let event = call_state(&name, proto::CallState::Connected, shown);
            let _ = a.events.try_send(event);
        }
        self.sup.clear_help(agent);
        Ok(())
    }

    /// The supervisor keeps the caller; the agent's part of the call ends as if it had ended.
    fn taken_over(&mut self, agent: &str, call: CallId, name: &str) {
        if let Some(a) = self.agents.get(agent) {
            let ended = proto::CallState::Ended {
                cause: proto::EndCause::TakenOver,
            };
            let _ = a.events.try_send(call_state(name, ended, None));
        }
        let effects = self
            .acd
            .call_ended(call, Instant::now())
            .unwrap_or_default();
        self.apply(effects);
    }

    fn stop_monitor(&mut self, user: &str) -> Result<(), String> {
        let Some(s) = self.sup.supervisors.get_mut(user) else {
            return Err("not monitoring".into());
        };
        let Some(w) = s.watching.as_ref() else {
            return Err("not monitoring".into());
        };
        if w.mode == MonitorMode::Takeover {
            // Leaving a call one owns hangs it up; `ended` follows with the call's end.
            let name = w.name.clone();
            return self.end_call(&name, "supervisor hangup", proto::EndCause::AgentHangup);
        }
        let Some(w) = s.watching.take() else {
            return Err("not monitoring".into());
        };
        let left = proto::CallState::Ended {
            cause: proto::EndCause::Left,
        };
        let _ = s.events.try_send(call_state(&w.name, left, None));
        self.leave(&w);
        Ok(())
    }

    /// Takes the supervisor out of the call's bridge; the call gives the leg back.
    fn leave(&mut self, w: &Watch) {
        if w.mode == MonitorMode::Takeover {
            let _ = self.end_call(&w.name, "supervisor gone", proto::EndCause::AgentHangup);
            return;
        }
        if let Some(c) = self.calls.get(&w.call) {
            let _ = c.control.try_send(CallControl::StopMonitor);
        }
        if w.shown.is_some()
            && let Some(a) = self.agents.get(&w.agent)
        {
            let _ = a
                .events
                .try_send(call_state(&w.name, proto::CallState::Connected, None));
        }
    }

    fn force_release(&mut self, name: &str) -> Result<(), String> {
        self.end_call(name, "force release", proto::EndCause::ForceReleased)
    }

    /// Hangs up the call `name` from the hotline's side (强拆) with `cause` in the CDR.
    fn end_call(&mut self, name: &str, cause: &str, told: proto::EndCause) -> Result<(), String> {
        let call = self
            .ids
            .get(name)
            .copied()
            .ok_or_else(|| format!("no call {name}"))?;
        let c = self
            .calls
            .get(&call)
            .ok_or_else(|| format!("no call {name}"))?;
        c.control
            .try_send(CallControl::Hangup {
                cause: cause.to_owned(),
            })
            .map_err(|_| format!("call {name} is not answering"))?;
        self.sup.ending.insert(name.to_owned(), told);
        Ok(())
    }

    fn force_not_ready(
        &mut self,
        user: &str,
        agent: &str,
        reason: &proto::NotReadyReason,
        now: Instant,
    ) -> Result<(), String> {
        let id = AgentId(agent.to_owned());
        let on_call = matches!(
            self.acd.agent_state(&id),
            Some(acd::AgentState::OnCall { .. })
        );
        let effects = self
            .acd
            .force_not_ready(&id, &reason.code, now)
            .map_err(|e| e.to_string())?;
        self.apply(effects);
        if on_call && let Some(a) = self.agents.get(agent) {
            let _ = a.events.try_send(Event::Notice {
                text: format!(
                    "{user} set you not ready ({}) after this call",
                    reason.label
                ),
                level: proto::NoticeLevel::Warning,
            });
        }
        Ok(())
    }

    fn force_logout(&mut self, user: &str, agent: &str, now: Instant) -> Result<(), String> {
        let id = AgentId(agent.to_owned());
        if let Some(acd::AgentState::OnCall { call }) = self.acd.agent_state(&id).cloned()
            && let Some(name) = self.names.get(&call).cloned()
        {
            // The ACD forgets the call at log-out; it must not go on with nobody in it.
            self.end_call(&name, "force logout", proto::EndCause::ForceReleased)?;
            if let Some(a) = self.agents.get(agent) {
                let ended = proto::CallState::Ended {
                    cause: proto::EndCause::ForceReleased,
                };
                let _ = a.events.try_send(call_state(&name, ended, None));
            }
        }
        let effects = self
            .acd
            .force_log_out(&id, now)
            .map_err(|e| e.to_string())?;
        self.apply(effects);
        if let Some(a) = self.agents.get(agent) {
            let body = proto::ErrorBody::new(
                proto::ErrorCode::Unauthorized,
                format!("logged out by {user}"),
            );
            let _ = a.events.try_send(Event::Error(body));
        }
        Ok(())
    }

    /// 求助 / emergency: every supervisor online gets a notice naming the agent and the call.
    fn ask_for_help(&mut self, user: &str, level: proto::NoticeLevel) -> Result<(), String> {
        let call = match self.acd.agent_state(&AgentId(user.to_owned())) {
            Some(acd::AgentState::OnCall { call } | acd::AgentState::Ringing { call }) => {
                self.names.get(call).cloned()
            }
            _ => None,
        };
        let what = if level == proto::NoticeLevel::Critical {
            "EMERGENCY"
        } else {
            "help requested"
        };
        let text = match call {
            Some(c) => format!("{what}: {user} (call {c})"),
            None => format!("{what}: {user}"),
        };
        if self.sup.alert(&text, level) == 0 {
            return Err("no supervisor is online".into());
        }
        let kind = if level == proto::NoticeLevel::Critical {
            proto::AlarmKind::Emergency
        } else {
            proto::AlarmKind::HelpRequest
        };
        self.sup.raise_help(user, kind, now_ms());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_map_to_the_protocol() {
        use acd::StateCause as A;
        let ready = acd::AgentState::Ready;
        assert_eq!(protocol_cause(&ready, A::Forced), proto::StateCause::Forced);
        assert_eq!(
            protocol_cause(&acd::AgentState::LoggedOut, A::AgentRequest),
            proto::StateCause::Logout
        );
        assert_eq!(
            protocol_cause(&ready, A::AgentRequest),
            proto::StateCause::Request
        );
        assert_eq!(
            protocol_cause(&ready, A::LoggedIn),
            proto::StateCause::Login
        );
    }

    #[test]
    fn the_feed_goes_only_to_subscribers() {
        let mut sup = Supervision::default();
        let (tx, mut rx) = crate::agents::outbox(4);
        let (tx2, mut rx2) = crate::agents::outbox(4);
        for (name, tx, topics) in [("s1", tx, vec![Topic::Agents]), ("s2", tx2, vec![])] {
            sup.supervisors.insert(
                name.into(),
                Supervisor {
                    events: tx,
                    audio: None,
                    lent: false,
                    topics: topics.into_iter().collect(),
                    watching: None,
                },
            );
        }
        let notice = Event::Notice {
            text: "x".into(),
            level: proto::NoticeLevel::Info,
        };
        sup.publish(Topic::Agents, &notice);
        assert!(rx.try_recv().is_some());
        assert!(rx2.try_recv().is_none());
        assert_eq!(sup.alert("help", proto::NoticeLevel::Critical), 2);
        assert!(rx2.try_recv().is_some());
        assert_eq!(sup.end_cause("c1"), proto::EndCause::CallerHangup);
    }

    #[test]
    fn a_help_request_is_one_alarm_until_answered() {
        let mut sup = Supervision::default();
        let (tx, mut rx) = crate::agents::outbox(8);
        sup.supervisors.insert(
            "s1".into(),
            Supervisor {
                events: tx,
                audio: None,
                lent: false,
                topics: HashSet::new(),
                watching: None,
            },
        );
        let alarm = |e: Option<Event>| match e {
            Some(Event::Alarm(a)) => a,
            other => panic!("expected an alarm, got {other:?}"),
        };
        sup.raise_help("a1", proto::AlarmKind::HelpRequest, 5);
        sup.raise_help("a1", proto::AlarmKind::Emergency, 6);
        let (first, again) = (alarm(rx.try_recv()), alarm(rx.try_recv()));
        // Asking again is the same alarm, raised again (now an emergency).
        assert_eq!(first.id, again.id);
        assert_eq!(again.kind, proto::AlarmKind::Emergency);
        assert!(!again.cleared);
        sup.clear_help("a1");
        let cleared = alarm(rx.try_recv());
        assert_eq!((cleared.id, cleared.cleared), (first.id, true));
        sup.clear_help("a1");
        assert!(rx.try_recv().is_none(), "nothing left to clear");
    }
}
