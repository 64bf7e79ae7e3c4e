//! Automatic call distribution: queues, agent states and routing strategies.
//!
//! Pure logic: no sockets, no tasks, no clocks. The server owns one [`Acd`] inside one task,
//! feeds it inputs and carries out the [`AcdEffect`]s each input returns. Time is always a
//! parameter (`now`), and randomness comes from the seed, so a run is reproducible.
//!
//! # Driving it
//! ```text
//! let mut acd = Acd::new(AcdSettings::default(), seed);
//! acd.define_queue(QueueConfig::new("12345", Strategy::LongestIdle), now)?;
//! acd.log_in(AgentLogin { id, skills, backup_groups }, now)?;   // agent starts not-ready
//! acd.set_ready(&id, now)?;
//! acd.call_arrived(IncomingCall { .. }, now)?;                    // → Offer, AgentState(Ringing)
//! acd.answer(&id, call, now)?;                                    // → Connect, AgentState(OnCall)
//! acd.call_ended(call, now)?;                                     // → AgentState(WrapUp{until})
//! loop { sleep_until(acd.next_deadline()); acd.poll(now); }       // ring timeouts, wrap-up, …
//! ```
//! Every input returns `Result<Vec<AcdEffect>, AcdError>`; on `Err` nothing changed.
//! Inputs: [`Acd::define_queue`], [`Acd::log_in`], [`Acd::log_out`], [`Acd::set_ready`],
//! [`Acd::set_not_ready`], [`Acd::end_wrap_up`], [`Acd::extend_wrap_up`],
//! [`Acd::call_arrived`], [`Acd::call_abandoned`], [`Acd::answer`], [`Acd::reject`] (also
//! what the server sends when the agent's client declines), [`Acd::call_ended`],
//! [`Acd::agent_disconnected`], [`Acd::agent_reconnected`], [`Acd::pick_up`], and
//! [`Acd::poll`] for timers. Queries: [`Acd::next_deadline`], [`Acd::queue_snapshot`],
//! [`Acd::agent_state`]. Queue snapshots are emitted only when a queue's calls or agent
//! counts change; ask [`Acd::queue_snapshot`] for the current one (e.g. a new wallboard).
//!
//! # Rules
//! - **Eligible** agent: logged in, connected, ready, and has every skill the queue requires
//!   (or, once the call overflowed to a backup group, is a member of that group).
//! - **Order** in a queue: calls put back at the head (their agent disconnected while ringing),
//!   then priority (higher first), then arrival. Across queues the same key decides which call
//!   an agent who could serve several queues gets.
//! - **Strategies**: see [`Strategy`]. Ties go to the higher skill score (sum of the levels of
//!   the required skills), then the lower agent id. Agents who rejected or missed a call are
//!   tried last for it.
//! - **Ring timeout**: the offer is cancelled, the agent set not-ready
//!   ([`REASON_MISSED`], 未接) and the call offered to the next agent (under ring-all every
//!   agent that let it ring is). A rejecting agent stays ready.
//! - **First contact** (首问负责制): a call naming a last agent who is connected and skilled goes to
//!   that agent first if ready; if that agent is busy (ringing, on a call, wrap-up) the call
//!   waits for it up to the queue's `first_contact_wait`, then is routed normally.
//! - **VIP**: redirected to the queue's `vip_queue` if set, and its priority raised by the
//!   (final) queue's `vip_priority_boost`.
//! - **Overflow**: on arrival to a full queue (`MaxLength`), after `max_wait` (`MaxWait`),
//!   and when no agent with the skills is logged in (`NoAgents`, checked on arrival and
//!   whenever agents log out). With [`OverflowTarget::None`] a full queue rejects the call and
//!   the other causes leave it waiting.
//! - **Announcements** every `announce_interval`, the first one interval after entering the
//!   queue, skipped while the call rings at an agent: position (1 = next; ringing calls ahead
//!   count) and estimated wait = position × the queue's rolling average handle time
//!   (talk + configured wrap-up, last `handle_time_window` calls) ÷ max(1, logged-in skilled
//!   agents).
//! - **Disconnect**: a ringing offer is cancelled and the call goes back to the head of its
//!   queue at once; a ready or ringing agent turns not-ready ([`REASON_DISCONNECTED`]); a
//!   call in progress is left alone. Reconnecting within `disconnect_grace` keeps the agent
//!   (ready again if it was available); otherwise it is logged out.
//! - **Pick-up** (抢接): an eligible agent who is not ringing or on a call takes a specific
//!   queued call at once; offers of that call to others are cancelled.
//! - **Transfer** (blind, to a queue or an agent): the transferring agent's part ends as if the
//!   call ended (wrap-up, talk time counted); the call waits again at the head of the target
//!   queue (its own queue for an agent target), the transferring agent tried last. An agent
//!   target must be ready; the call is offered to that agent alone first (skills aside) and,
//!   if it rings out or is rejected, routed as usual.
//! - **Log-out during a call**: the ACD forgets the call (it is the server's to end).
//! - **Callback** (排队回拨, [`Acd::request_callback`]): a waiting caller's entry keeps its place
//!   after they hang up; it is offered like any call, hears no announcements and never
//!   overflows. After the agent answers, the server dials the caller; a failed attempt
//!   ([`Acd::callback_failed`]) frees the agent at once and puts the entry at the head of its
//!   queue after the queue's retry delay, until its attempts are used up.
//! - "Today" figures (fewest calls, least talk time) reset with [`Acd::reset_daily_stats`].
//!
//! Every offer ends in exactly one `Connect` or `CancelOffer`; every agent state change is an
//! [`AcdEffect::AgentState`] with a [`StateCause`]. [`Acd::check_invariants`] verifies the
//! bookkeeping (tests call it after every step).

mod agent;
mod call;
mod callback;
mod dispatch;
mod effect;
mod error;
mod force;
mod ids;
mod invariants;
mod overflow;
mod queue;
mod settings;
mod snapshot;
mod strategy;
mod timers;
mod transfer;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use rand::SeedableRng;
use rand::rngs::StdRng;

pub use agent::AgentLogin;
pub use call::IncomingCall;
pub use callback::{CallbackPolicy, CallbackStart};
pub use effect::{
    AcdEffect, AgentState, CancelReason, OverflowCause, QueueSnapshot, REASON_DISCONNECTED,
    REASON_LOGIN, REASON_MISSED, REASON_NO_AUDIO, RejectCause, StateCause, WaitingCall,
};
pub use error::AcdError;
pub use ids::{AgentId, CallId, QueueId};
pub use settings::{AcdSettings, OverflowTarget, QueueConfig, Strategy};
pub use transfer::TransferTo;

use agent::Agent;
use call::{CallEntry, Phase, SortKey};
use queue::Queue;

/// Counts of calls by outcome, so no call can silently disappear.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Ledger {
    arrived: u64,
    /// Connected and then ended (or forgotten at the agent's log-out).
    completed: u64,
    /// Overflowed out of the ACD (voicemail).
    overflowed_out: u64,
    rejected: u64,
    abandoned: u64,
    /// Callbacks given up after their last failed attempt.
    callbacks_failed: u64,
}

/// The ACD state machine. See the [module documentation](self).
#[derive(Debug)]
pub struct Acd {
    settings: AcdSettings,
    rng: StdRng,
    queues: BTreeMap<QueueId, Queue>,
    agents: BTreeMap<AgentId, Agent>,
    calls: BTreeMap<CallId, CallEntry>,
    next_seq: u64,
    ledger: Ledger,
}

type Effects = Result<Vec<AcdEffect>, AcdError>;

impl Acd {
    pub fn new(settings: AcdSettings, seed: u64) -> Self {
        Self {
            settings,
            rng: StdRng::seed_from_u64(seed),
            queues: BTreeMap::new(),
            agents: BTreeMap::new(),
            calls: BTreeMap::new(),
            next_seq: 0,
            ledger: Ledger::default(),
        }
    }

    /// Adds a queue or replaces its definition (calls already waiting keep their place; new
    /// limits and timers apply to calls entering afterwards).
    pub fn define_queue(&mut self, config: QueueConfig, now: Instant) -> Effects {
        let problem = if config.ring_timeout.is_zero() {
            Some("ring timeout must be non-zero")
        } else if config.announce_interval.is_some_and(|i| i.is_zero()) {
            Some("announce interval must be non-zero")
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(AcdError::InvalidQueue {
                queue: config.name,
                problem,
            });
        }
        match self.queues.get_mut(&config.name) {
            Some(queue) => queue.config = config,
            None => {
                self.queues.insert(config.name.clone(), Queue::new(config));
            }
        }
        Ok(self.finish(now, Vec::new()))
    }

    /// Logs an agent in, not ready ([`REASON_LOGIN`]). Logging in again while logged in
    /// updates skills and groups and counts as a reconnect.
    pub fn log_in(&mut self, login: AgentLogin, now: Instant) -> Effects {
        login.validate()?;
        let mut fx = Vec::new();
        let id = login.id.clone();
        match self.agents.get_mut(&id) {
            Some(agent) if agent.logged_in() => {
                agent.skills = login.skills;
                agent.backup_groups = login.backup_groups;
                if !agent.connected {
                    self.reconnect(&id, &mut fx);
                }
            }
            existing => {
                let agent = match existing {
                    Some(agent) => {
                        // Back the same day: keep today's figures.
                        agent.skills = login.skills;
                        agent.backup_groups = login.backup_groups;
                        agent.connected = true;
                        agent.idle_since = now;
                        agent
                    }
                    None => self
                        .agents
                        .entry(id)
                        .or_insert_with(|| Agent::new(login, now)),
                };
                let state = AgentState::NotReady {
                    reason: REASON_LOGIN.to_owned(),
                };
                transition(agent, state, StateCause::LoggedIn, &mut fx);
            }
        }
        Ok(self.finish(now, fx))
    }

    /// Logs an agent out; a ringing offer goes back to the head of its queue.
    pub fn log_out(&mut self, agent: &AgentId, now: Instant) -> Effects {
        self.logged_in(agent)?;
        let mut fx = Vec::new();
        self.log_out_agent(agent, StateCause::AgentRequest, now, &mut fx);
        Ok(self.finish(now, fx))
    }

    /// Not-ready or wrap-up → ready. While on a call it cancels a pending not-ready.
    pub fn set_ready(&mut self, agent: &AgentId, now: Instant) -> Effects {
        let a = self.connected(agent)?;
        let mut fx = Vec::new();
        match &a.state {
            AgentState::Ready => {}
            AgentState::NotReady { .. } => {
                transition(a, AgentState::Ready, StateCause::AgentRequest, &mut fx);
            }
            AgentState::WrapUp { .. } => {
                a.pending_not_ready = None;
                transition(a, AgentState::Ready, StateCause::WrapUpEnded, &mut fx);
            }
            AgentState::OnCall { .. } => a.pending_not_ready = None,
            other => return Err(invalid(agent, "ready", other)),
        }
        Ok(self.finish(now, fx))
    }

    /// Not ready with a reason code (临时闭席). While ringing it gives the offer back; while on
    /// a call it takes effect when the call (and wrap-up) ends.
    pub fn set_not_ready(&mut self, agent: &AgentId, reason: &str, now: Instant) -> Effects {
        self.not_ready_because(agent, reason, StateCause::AgentRequest, now)
    }

    /// Ends wrap-up early (to ready, or a pending not-ready).
    pub fn end_wrap_up(&mut self, agent: &AgentId, now: Instant) -> Effects {
        let a = self.logged_in(agent)?;
        if !matches!(a.state, AgentState::WrapUp { .. }) {
            return Err(invalid(agent, "end wrap-up", &a.state));
        }
        let mut fx = Vec::new();
        let next = a.state_after_work();
        transition(a, next, StateCause::WrapUpEnded, &mut fx);
        Ok(self.finish(now, fx))
    }

    /// Adds `by` to the current wrap-up.
    pub fn extend_wrap_up(&mut self, agent: &AgentId, by: Duration, now: Instant) -> Effects {
        let a = self.logged_in(agent)?;
        let AgentState::WrapUp { until } = a.state else {
            return Err(invalid(agent, "extend wrap-up", &a.state));
        };
        let mut fx = Vec::new();
        let state = AgentState::WrapUp { until: until + by };
        transition(a, state, StateCause::WrapUpExtended, &mut fx);
        Ok(self.finish(now, fx))
    }

    /// A call enters a queue (after VIP redirection); it may be offered, overflowed or
    /// rejected at once.
    pub fn call_arrived(&mut self, incoming: IncomingCall, now: Instant) -> Effects {
        if self.calls.contains_key(&incoming.call) {
            return Err(AcdError::DuplicateCall(incoming.call));
        }
        let asked = self
            .queues
            .get(&incoming.queue)
            .ok_or_else(|| AcdError::UnknownQueue(incoming.queue.clone()))?;
        let mut queue_id = incoming.queue;
        let mut priority = incoming.priority;
        if incoming.vip {
            if let Some(vip_queue) = &asked.config.vip_queue
                && self.queues.contains_key(vip_queue)
            {
                queue_id = vip_queue.clone();
            }
            let boost = self
                .queues
                .get(&queue_id)
                .map_or(0, |q| q.config.vip_priority_boost);
            priority = priority.saturating_add(boost);
        }
        let queue = self.queues.get(&queue_id).map(|q| &q.config);
        let first_contact = incoming.last_agent.and_then(|id| {
            let agent = self.agents.get(&id)?;
            let config = queue?;
            let suits = agent.connected && agent.working() && agent.has_skills(&config.skills);
            suits.then(|| (id, now + config.first_contact_wait))
        });
        self.next_seq += 1;
        let entry = CallEntry {
            id: incoming.call,
            caller: incoming.caller,
            queue: queue_id,
            key: SortKey {
                front: false,
                priority,
                seq: self.next_seq,
            },
            arrived_at: incoming.arrived_at,
            phase: Phase::Waiting,
            backup_group: None,
            hops: 0,
            first_contact,
            next_announce: None,
            max_wait_at: None,
            declined: BTreeSet::new(),
            directed: None,
            callback: None,
        };
        self.ledger.arrived += 1;
        let mut fx = Vec::new();
        self.enqueue(entry, now, &mut fx);
        Ok(self.finish(now, fx))
    }

    /// The caller hung up. Offers are cancelled; a connected call counts as ended.
    pub fn call_abandoned(&mut self, call: CallId, now: Instant) -> Effects {
        let entry = self.calls.get(&call).ok_or(AcdError::UnknownCall(call))?;
        if let Phase::Connected { .. } = entry.phase {
            return self.call_ended(call, now);
        }
        let mut fx = Vec::new();
        self.withdraw_all(call, CancelReason::CallerAbandoned, &mut fx);
        self.remove_call(call);
        self.ledger.abandoned += 1;
        Ok(self.finish(now, fx))
    }

    /// The agent answered its offer; for ring-all the other offers are cancelled.
    pub fn answer(&mut self, agent: &AgentId, call: CallId, now: Instant) -> Effects {
        self.ringing_with(agent, call)?;
        let mut fx = Vec::new();
        if let Some(Phase::Offered { agents, .. }) = self.calls.get_mut(&call).map(|e| &mut e.phase)
        {
            agents.remove(agent);
        }
        self.withdraw_all(call, CancelReason::AnsweredElsewhere, &mut fx);
        self.connect(call, agent, StateCause::Answered, now, &mut fx);
        Ok(self.finish(now, fx))
    }

    /// The agent rejected its offer: it stays ready and the call goes to the next agent.
    pub fn reject(&mut self, agent: &AgentId, call: CallId, now: Instant) -> Effects {
        self.ringing_with(agent, call)?;
        let mut fx = Vec::new();
        self.decline(call, agent, CancelReason::Rejected, &mut fx);
        self.set_agent(agent, AgentState::Ready, StateCause::OfferRejected, &mut fx);
        Ok(self.finish(now, fx))
    }

    /// The connected call ended: the agent goes to wrap-up (or straight to ready).
    pub fn call_ended(&mut self, call: CallId, now: Instant) -> Effects {
        let entry = self.calls.get(&call).ok_or(AcdError::UnknownCall(call))?;
        let Phase::Connected { agent, since } = entry.phase.clone() else {
            return Err(AcdError::NotConnected(call));
        };
        let queue = entry.queue.clone();
        let mut fx = Vec::new();
        self.calls.remove(&call);
        self.ledger.completed += 1;
        self.end_agent_part(
            &agent,
            call,
            &queue,
            since,
            StateCause::CallEnded,
            now,
            &mut fx,
        );
        Ok(self.finish(now, fx))
    }

    /// The agent's client went away. See the module documentation.
    pub fn agent_disconnected(&mut self, agent: &AgentId, now: Instant) -> Effects {
        let grace = self.settings.disconnect_grace;
        let a = self.logged_in(agent)?;
        let mut fx = Vec::new();
        if !a.connected {
            return Ok(fx);
        }
        a.connected = false;
        a.grace_until = Some(now + grace);
        let state = a.state.clone();
        if matches!(state, AgentState::Ready | AgentState::Ringing { .. }) {
            a.resume_ready = true;
            if let AgentState::Ringing { call } = state {
                self.release_offer(call, agent, CancelReason::AgentDisconnected, &mut fx);
                self.requeue_front(call);
            }
            let state = AgentState::NotReady {
                reason: REASON_DISCONNECTED.to_owned(),
            };
            self.set_agent(agent, state, StateCause::Disconnected, &mut fx);
        }
        Ok(self.finish(now, fx))
    }

    /// The agent's client is back within the grace period.
    pub fn agent_reconnected(&mut self, agent: &AgentId, now: Instant) -> Effects {
        self.logged_in(agent)?;
        let mut fx = Vec::new();
        self.reconnect(agent, &mut fx);
        Ok(self.finish(now, fx))
    }

    /// 抢接: the agent takes this queued call now.
    pub fn pick_up(&mut self, agent: &AgentId, call: CallId, now: Instant) -> Effects {
        let a = self.connected(agent)?;
        if matches!(
            a.state,
            AgentState::Ringing { .. } | AgentState::OnCall { .. }
        ) {
            return Err(invalid(agent, "pick up", &a.state));
        }
        let entry = self.calls.get(&call).ok_or(AcdError::UnknownCall(call))?;
        if !entry.in_queue() {
            return Err(AcdError::NotWaiting(call));
        }
        let required = self
            .queues
            .get(&entry.queue)
            .map(|q| q.config.skills.as_slice())
            .unwrap_or_default();
        let a = self
            .agents
            .get(agent)
            .ok_or_else(|| AcdError::UnknownAgent(agent.clone()))?;
        if !a.eligible(required, entry.backup_group.as_deref()) {
            return Err(AcdError::MissingSkill {
                agent: agent.clone(),
                queue: entry.queue.clone(),
            });
        }
        let mut fx = Vec::new();
        self.withdraw_all(call, CancelReason::PickedUp, &mut fx);
        self.connect(call, agent, StateCause::PickedUp, now, &mut fx);
        Ok(self.finish(now, fx))
    }

    /// Starts a new day for fewest-calls and least-talk-time.
    pub fn reset_daily_stats(&mut self) {
        for agent in self.agents.values_mut() {
            agent.calls_today = 0;
            agent.talk_today = Duration::ZERO;
        }
    }

    /// Fires every timer due at `now`: ring timeouts, wrap-up ends, grace expiries, first
    /// contact windows, max waits and announcements.
    pub fn poll(&mut self, now: Instant) -> Vec<AcdEffect> {
        let mut fx = Vec::new();
        self.fire_timers(now, &mut fx);
        self.finish(now, fx)
    }

    /// The earliest instant [`Acd::poll`] has something to do.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.earliest_timer()
    }

    /// A queue's current state, e.g. for a client that just connected.
    pub fn queue_snapshot(&self, queue: &QueueId, now: Instant) -> Option<QueueSnapshot> {
        self.queues.get(queue).map(|q| self.snapshot(q, now))
    }

    /// How `queue` retries callbacks.
    pub fn callback_policy(&self, queue: &QueueId) -> Option<CallbackPolicy> {
        self.queues.get(queue).map(|q| q.config.callback)
    }

    /// Whether `agent` has the skills `queue` asks for (who sees the queue live, who may pick up).
    pub fn serves(&self, agent: &AgentId, queue: &QueueId) -> bool {
        match (self.agents.get(agent), self.queues.get(queue)) {
            (Some(a), Some(q)) => a.has_skills(&q.config.skills),
            _ => false,
        }
    }

    pub fn agent_state(&self, agent: &AgentId) -> Option<&AgentState> {
        self.agents.get(agent).map(|a| &a.state)
    }

    fn logged_in(&mut self, id: &AgentId) -> Result<&mut Agent, AcdError> {
        match self.agents.get_mut(id) {
            None => Err(AcdError::UnknownAgent(id.clone())),
            Some(a) if !a.logged_in() => Err(AcdError::NotLoggedIn(id.clone())),
            Some(a) => Ok(a),
        }
    }

    fn connected(&mut self, id: &AgentId) -> Result<&mut Agent, AcdError> {
        let a = self.logged_in(id)?;
        if a.connected {
            Ok(a)
        } else {
            Err(AcdError::Disconnected(id.clone()))
        }
    }

    fn ringing_with(&mut self, id: &AgentId, call: CallId) -> Result<(), AcdError> {
        let a = self.logged_in(id)?;
        if a.state == (AgentState::Ringing { call }) {
            Ok(())
        } else {
            Err(AcdError::NotOffered {
                call,
                agent: id.clone(),
            })
        }
    }
}

/// Sets an agent's state and reports it with its cause.
fn transition(agent: &mut Agent, state: AgentState, cause: StateCause, fx: &mut Vec<AcdEffect>) {
    agent.state = state.clone();
    fx.push(AcdEffect::AgentState {
        agent: agent.id.clone(),
        state,
        cause,
    });
}

fn invalid(agent: &AgentId, action: &'static str, state: &AgentState) -> AcdError {
    AcdError::InvalidState {
        agent: agent.clone(),
        action,
        state: state.name(),
    }
}
