//! Internal calls (内部呼叫): a supervisor calls an agent between calls, e.g. to coach them,
//! over both workstations' WebRTC legs. No SIP and no ACD call is involved.
//!
//! The agent is set not ready with the reason `intercom` first (so the ACD offers them nothing
//! and their screen drops any stale banner), then offered the call like a queue call from the
//! queue `supervisor`; agent-tui answers it with `answer`. A small task moves frames between
//! the two legs and gives them back when the call ends.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use hotline_protocol::{self as proto, Event};
use tokio::sync::mpsc;
use tracing::{info, warn};

use super::{AgentAudio, Input, State, ended, now_ms};
use crate::acd::{self, AgentId};
use crate::media::webrtc::AudioFrame;

/// The not-ready reason of an agent in an internal call.
pub const INTERCOM_REASON: &str = "intercom";
/// The queue name the agent's offer shows.
const QUEUE: &str = "supervisor";
/// One frame of audio each way per tick.
const FRAME: Duration = Duration::from_millis(20);
/// Frames beyond this many waiting are dropped so the delay does not grow.
const MAX_WAITING_FRAMES: usize = 1;

/// The internal calls in progress, by call id.
pub(super) struct Intercoms {
    /// The distributor's own inbox (weak, so it does not keep the distributor alive): the ring
    /// timer and the returned legs come back through it.
    me: mpsc::WeakUnboundedSender<Input>,
    calls: HashMap<String, Intercom>,
    next: u64,
    /// How long the agent's workstation rings before the call gives up (`[acd]
    /// intercom_ring_secs`).
    ring: Duration,
}

struct Intercom {
    supervisor: String,
    agent: String,
    /// The agent's state to give back.
    before: Option<String>,
    answered: bool,
    orders: mpsc::Sender<Order>,
}

/// What the bridge task is told.
enum Order {
    /// The agent answered: this is their leg.
    Answer(AgentAudio),
    /// The call is over; give the agent's leg back only if their workstation is still there.
    Stop { agent_leg_back: bool },
}

impl Intercoms {
    pub(super) fn new(me: mpsc::WeakUnboundedSender<Input>, ring: Duration) -> Intercoms {
        Intercoms {
            me,
            calls: HashMap::new(),
            next: 1,
            ring,
        }
    }

    fn involving(&self, user: &str) -> Option<String> {
        self.calls
            .iter()
            .find(|(_, c)| c.supervisor == user || c.agent == user)
            .map(|(id, _)| id.clone())
    }
}

/// `call_state` connected (internal) with both parties.
fn connected(call_id: &str, supervisor: &str, agent: &str) -> Event {
    let party = |kind, id: &str| proto::Party {
        kind,
        id: id.to_owned(),
        name: None,
        held: false,
        muted: false,
    };
    Event::CallState {
        call_id: proto::CallId(call_id.to_owned()),
        state: proto::CallState::Connected,
        direction: proto::Direction::Internal,
        connected_at_ms: Some(now_ms()),
        parties: vec![
            party(proto::PartyKind::Supervisor, supervisor),
            party(proto::PartyKind::Agent, agent),
        ],
        monitor: None,
    }
}

fn ended_internal(call_id: &str, cause: proto::EndCause) -> Event {
    match ended(call_id, cause) {
        Event::CallState {
            call_id,
            state,
            connected_at_ms,
            parties,
            monitor,
            ..
        } => Event::CallState {
            call_id,
            state,
            direction: proto::Direction::Internal,
            connected_at_ms,
            parties,
            monitor,
        },
        other => other,
    }
}

impl State {
    /// `call_agent`, and `answer`/`reject`/`hangup`/`logout` touching an internal call; `None`
    /// for everything else.
    pub(super) fn intercom_command(
        &mut self,
        user: &str,
        command: &proto::Command,
        now: Instant,
    ) -> Option<Result<(), String>> {
        use proto::Command as C;
        match command {
            C::CallAgent { agent_id } => Some(self.call_agent(user, &agent_id.0, now)),
            C::Answer { call_id } if self.ic.calls.contains_key(&call_id.0) => {
                Some(self.answer_intercom(user, &call_id.0))
            }
            C::Reject { call_id } | C::Hangup { call_id }
                if self.ic.calls.contains_key(&call_id.0) =>
            {
                let mine = self
                    .ic
                    .calls
                    .get(&call_id.0)
                    .is_some_and(|c| c.supervisor == user || c.agent == user);
                if !mine {
                    return Some(Err("not your call".into()));
                }
                let cause = if matches!(command, C::Reject { .. }) {
                    proto::EndCause::Rejected
                } else {
                    proto::EndCause::AgentHangup
                };
                self.end_intercom(&call_id.0, cause, true, now);
                Some(Ok(()))
            }
            C::SetReady | C::SetNotReady { .. } | C::EndWrapUp
                if self
                    .ic
                    .involving(user)
                    .is_some_and(|id| self.ic.calls.get(&id).is_some_and(|c| c.agent == user)) =>
            {
                // The state is the call's until it ends (then the earlier one comes back).
                Some(Err("in an internal call: hang up first".into()))
            }
            C::Logout => {
                // Logging out ends the internal call; the log-out itself goes on as usual.
                self.intercom_party_gone(user, now);
                None
            }
            _ => None,
        }
    }

    fn call_agent(&mut self, user: &str, agent: &str, now: Instant) -> Result<(), String> {
        if self.ic.involving(user).is_some() {
            return Err("already in an internal call".into());
        }
        if self.ic.involving(agent).is_some() {
            return Err(format!("{agent} is already in an internal call"));
        }
        let id = AgentId(agent.to_owned());
        let before = match self.acd.agent_state(&id) {
            Some(acd::AgentState::Ready | acd::AgentState::WrapUp { .. }) => None,
            Some(acd::AgentState::NotReady { reason })
                if reason != super::dial::OUTBOUND_REASON =>
            {
                Some(reason.clone())
            }
            Some(acd::AgentState::LoggedOut) | None => {
                return Err(format!("{agent} is not logged in"));
            }
            Some(other) => return Err(format!("{agent} is busy ({})", other.name())),
        };
        if !self.agents.contains_key(agent) {
            return Err(format!("{agent} is not logged in"));
        }
        let leg = self.lend_supervisor_leg(user)?;
        // The state goes out before the offer: agent-tui clears its banner on any other state.
        match self.acd.set_not_ready(&id, INTERCOM_REASON, now) {
            Ok(effects) => self.apply(effects),
            Err(e) => {
                self.audio_back(user, leg);
                return Err(e.to_string());
            }
        }
        let call_id = format!("ic-{}-{}", now_ms(), self.ic.next);
        self.ic.next += 1;
        let (orders, orders_rx) = mpsc::channel(4);
        tokio::spawn(bridge(
            call_id.clone(),
            (user.to_owned(), leg),
            agent.to_owned(),
            orders_rx,
            (self.ic.me.clone(), self.ic.ring),
        ));
        if let Some(a) = self.agents.get(agent) {
            let _ = a.events.try_send(Event::CallOffered {
                call_id: proto::CallId(call_id.clone()),
                queue: QUEUE.to_owned(),
                waited_ms: 0,
                ring_timeout_ms: u64::try_from(self.ic.ring.as_millis()).unwrap_or(u64::MAX),
                screen_pop: crate::agents::screen_pop::number_only(user, None),
                transfer: None,
                callback: None,
            });
        }
        // The supervisor learns the call's id (to hang up while it rings).
        let mut ringing = connected(&call_id, user, agent);
        if let Event::CallState {
            state,
            connected_at_ms,
            ..
        } = &mut ringing
        {
            *state = proto::CallState::Ringing;
            *connected_at_ms = None;
        }
        self.tell_supervisor(user, ringing);
        info!(supervisor = %user, %agent, %call_id, "internal call");
        self.ic.calls.insert(
            call_id,
            Intercom {
                supervisor: user.to_owned(),
                agent: agent.to_owned(),
                before,
                answered: false,
                orders,
            },
        );
        Ok(())
    }

    fn answer_intercom(&mut self, user: &str, call_id: &str) -> Result<(), String> {
        let Some(c) = self.ic.calls.get(call_id) else {
            return Err(format!("no call {call_id}"));
        };
        if c.agent != user {
            return Err("not your call".into());
        }
        if c.answered {
            return Ok(());
        }
        let Some(mut leg) = self.agents.get_mut(user).and_then(|a| a.audio.take()) else {
            return Err("no media leg: connect the phone first".into());
        };
        while leg.from_agent.try_recv().is_ok() {}
        let (supervisor, agent) = (c.supervisor.clone(), c.agent.clone());
        if c.orders.try_send(Order::Answer(leg)).is_err() {
            return Err("the call is gone".into());
        }
        if let Some(c) = self.ic.calls.get_mut(call_id) {
            c.answered = true;
        }
        let event = connected(call_id, &supervisor, &agent);
        self.tell_supervisor(&supervisor, event.clone());
        if let Some(a) = self.agents.get(&agent) {
            let _ = a.events.try_send(event);
        }
        Ok(())
    }

    /// `user` (either side) went offline or logged out: their internal call ends.
    pub(super) fn intercom_party_gone(&mut self, user: &str, now: Instant) {
        let Some(call_id) = self.ic.involving(user) else {
            return;
        };
        let agent_stays = self.ic.calls.get(&call_id).is_some_and(|c| c.agent != user);
        self.end_intercom(&call_id, proto::EndCause::Disconnected, agent_stays, now);
    }

    /// Ends the internal call: both are told, the legs go back, the agent's state is restored.
    /// A ring timeout after the answer is ignored.
    pub(super) fn end_intercom(
        &mut self,
        call_id: &str,
        cause: proto::EndCause,
        agent_leg_back: bool,
        now: Instant,
    ) {
        let answered = self.ic.calls.get(call_id).is_some_and(|c| c.answered);
        if cause == proto::EndCause::NoAnswer && answered {
            return;
        }
        let Some(c) = self.ic.calls.remove(call_id) else {
            return;
        };
        let _ = c.orders.try_send(Order::Stop { agent_leg_back });
        let event = ended_internal(call_id, cause);
        self.tell_supervisor(&c.supervisor, event.clone());
        if let Some(a) = self.agents.get(&c.agent) {
            let _ = a.events.try_send(event);
        }
        let id = AgentId(c.agent.clone());
        // Only if they are still ours to change (not logged out or set otherwise meanwhile).
        let still_ours = matches!(
            self.acd.agent_state(&id),
            Some(acd::AgentState::NotReady { reason }) if reason == INTERCOM_REASON
        );
        if !still_ours {
            return;
        }
        let effects = match &c.before {
            None => self.acd.set_ready(&id, now),
            Some(reason) => self.acd.set_not_ready(&id, reason, now),
        };
        match effects {
            Ok(effects) => self.apply(effects),
            Err(e) => warn!(agent = %c.agent, error = %e, "state after internal call not restored"),
        }
    }
}

/// The next frame from a leg: a late frame is covered once by the last one, then silence.
fn next_frame(leg: Option<&mut AgentAudio>, last: &mut AudioFrame) -> AudioFrame {
    let Some(leg) = leg else {
        return AudioFrame::SILENCE;
    };
    while leg.from_agent.len() > MAX_WAITING_FRAMES + 1 {
        let _ = leg.from_agent.try_recv();
    }
    if let Ok(f) = leg.from_agent.try_recv() {
        *last = f;
        f
    } else {
        std::mem::replace(last, AudioFrame::SILENCE)
    }
}

/// Rings (timing out after `ring`), then moves one frame each way every 20 ms until
/// told to stop; the legs then go back to the distributor.
async fn bridge(
    call_id: String,
    (supervisor, mut sup_leg): (String, AgentAudio),
    agent: String,
    mut orders: mpsc::Receiver<Order>,
    (me, ring): (mpsc::WeakUnboundedSender<Input>, Duration),
) {
    let send = |input: Input| {
        if let Some(tx) = me.upgrade() {
            let _ = tx.send(input);
        }
    };
    let ring_end = tokio::time::Instant::now() + ring;
    let mut agent_leg: Option<AgentAudio> = None;
    let mut ticks = tokio::time::interval(FRAME);
    // A late task catches up (as the calls do), so the legs keep their frame rate.
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let (mut last_sup, mut last_agent) = (AudioFrame::SILENCE, AudioFrame::SILENCE);
    let mut timed_out = false;
    let agent_leg_back = loop {
        tokio::select! {
            order = orders.recv() => match order {
                Some(Order::Answer(leg)) => agent_leg = Some(leg),
                Some(Order::Stop { agent_leg_back }) => break agent_leg_back,
                None => break true,
            },
            () = tokio::time::sleep_until(ring_end), if agent_leg.is_none() && !timed_out => {
                timed_out = true;
                send(Input::IntercomRingTimeout { call_id: call_id.clone() });
            }
            _ = ticks.tick() => {
                let Some(leg) = agent_leg.as_mut() else {
                    // Ringing: the supervisor's words meanwhile are not kept.
                    while sup_leg.from_agent.try_recv().is_ok() {}
                    continue;
                };
                let to_agent = next_frame(Some(&mut sup_leg), &mut last_sup);
                let to_sup = next_frame(Some(leg), &mut last_agent);
                let _ = leg.to_agent.try_send(to_agent);
                let _ = sup_leg.to_agent.try_send(to_sup);
            }
        }
    };
    send(Input::AgentMedia {
        agent: supervisor,
        audio: sup_leg,
    });
    if agent_leg_back && let Some(leg) = agent_leg {
        send(Input::AgentMedia { agent, audio: leg });
    }
}
