//! The distributor: one task that owns the ACD, feeds it calls and agent commands, and carries
//! out its decisions — offers to workstations, bridges of caller and agent audio, announcements.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant};

use hotline_protocol::{self as proto, Event};
use tokio::sync::{mpsc, oneshot};
use tracing::{debug, info, warn};

use super::Outbox;
use crate::acd::{
    self, Acd, AcdEffect, AcdSettings, AgentId, AgentLogin, CallId, QueueConfig, QueueId,
};
use crate::media::webrtc::AudioFrame;
pub use callback::{CampaignAttempt, CampaignCall};
pub use state_log::AgentLog;

mod callback;
mod consult;
mod dial;
mod intercom;
mod ivr;
mod monitor;
mod queue_view;
mod state_log;
mod transfer;

/// An agent's audio while bridged to a call: what they say, and where to send what they hear.
#[derive(Debug)]
pub struct AgentAudio {
    pub from_agent: mpsc::Receiver<AudioFrame>,
    pub to_agent: mpsc::Sender<AudioFrame>,
}

/// What the distributor tells a waiting or connected call.
#[derive(Debug)]
pub enum CallControl {
    /// An agent answered: bridge the caller with them (audio is `None` when the workstation has
    /// no media leg, e.g. a phone-less supervisor test).
    Bridge {
        agent: String,
        work_number: String,
        audio: Option<AgentAudio>,
    },
    Announce {
        position: usize,
        wait_secs: u64,
    },
    /// No agent will take the call here: voicemail or a polite goodbye.
    Overflow {
        voicemail: bool,
    },
    Rejected,
    /// The agent (or a supervisor) hung up.
    Hangup {
        cause: String,
    },
    /// The caller hears music and the agent nothing, or the conversation resumes.
    Hold(bool),
    /// The agent's microphone is cut (the caller hears silence), or restored.
    Mute(bool),
    /// The agent transferred the call: give their audio back, keep the caller (with music)
    /// and the recording until the next `Bridge`. `detail` goes into the call's event log.
    Transfer {
        detail: serde_json::Value,
    },
    /// A second agent joins: consulted (the caller hears music) or in conference (everyone
    /// hears everyone).
    Guest {
        name: String,
        audio: Option<AgentAudio>,
        conference: bool,
    },
    /// The second agent leaves; the caller and the agent talk on.
    GuestLeaves,
    /// Attended transfer completed: the second agent takes the agent's place.
    GuestTakesOver,
    /// A supervisor joins the bridge or switches mode in it (`audio` comes with the join).
    /// `Takeover` swaps them in for the agent, whose audio goes back as `Input::AgentMedia`.
    Monitor {
        supervisor: String,
        mode: proto::MonitorMode,
        audio: Option<AgentAudio>,
    },
    /// The supervisor leaves the bridge; their audio goes back as `Input::AgentMedia`.
    StopMonitor,
    /// The answer to `Input::CallbackRequest`: the entry keeps its place for a callback, or
    /// (not waiting any more: an agent is being offered the call) it could not.
    Callback {
        accepted: bool,
    },
    /// The agent hands the caller to an IVR flow; with `return_to_agent` the agent waits and
    /// the call comes back to them (`Input::BackFromIvr`) when the flow ends.
    Ivr {
        flow: String,
        return_to_agent: bool,
    },
}

/// Everything the distributor reacts to.
#[derive(Debug)]
pub enum Input {
    CallQueued {
        call_id: String,
        caller: String,
        queue: String,
        priority: i32,
        /// The agent who served this caller recently (首问负责制), if any.
        last_agent: Option<String>,
        /// The caller record marks them VIP: the queue's VIP boost applies.
        vip: bool,
        /// What the records say about the caller (`None`: the look-up was not done in time).
        screen_pop: Option<Box<proto::ScreenPop>>,
        control: mpsc::Sender<CallControl>,
    },
    /// The call ended (either side) or left the queue; gives back the agent's audio if bridged.
    CallGone {
        call_id: String,
        audio: Option<(String, AgentAudio)>,
    },
    AgentOnline {
        agent: String,
        work_number: String,
        skills: BTreeMap<String, u8>,
        events: Outbox,
    },
    AgentMedia {
        agent: String,
        audio: AgentAudio,
    },
    AgentCommand {
        agent: String,
        command: proto::Command,
        reply: oneshot::Sender<Result<(), String>>,
    },
    AgentOffline {
        agent: String,
    },
    /// The ACD's view of an agent (wallboards, tests).
    /// A supervisor's (or director's) workstation: the live feed and supervision, but no calls
    /// from the ACD. Their media leg arrives as `AgentMedia` and leaves with `AgentOffline`.
    SupervisorOnline {
        name: String,
        events: Outbox,
    },
    AgentStateQuery {
        agent: String,
        reply: oneshot::Sender<Option<acd::AgentState>>,
    },
    /// Click-to-dial or callback: answered with the new call's id.
    Dial {
        agent: String,
        number: String,
        caller_id: Option<String>,
        ticket_id: Option<String>,
        reply: oneshot::Sender<Result<String, String>>,
    },
    /// The dialer task is up: where outbound calls are ordered.
    DialerReady(crate::calls::outbound::DialerLink),
    /// News of an outbound call the distributor ordered.
    Outbound {
        call_id: String,
        progress: crate::calls::outbound::Progress,
    },
    /// A caller left a message (voicemail, 局长信箱): every agent and the supervisors who
    /// follow calls are told.
    Voicemail(proto::VoicemailNotice),
    /// A queued caller keyed the callback key and a number (checked against the dial plan):
    /// keep their place and call them back (排队回拨). Answered with `CallControl::Callback`.
    CallbackRequest {
        call_id: String,
        number: String,
    },
    /// A callback stored before a restart: it waits in its queue again.
    RestoreCallback(crate::store::CallbackRow),
    /// A follow-up campaign's citizen to connect to an agent, then dial (回访 by an agent).
    CampaignCall(CampaignCall),
    /// The campaign stopped waiting for an agent to take this entry. Answered `false` when an
    /// agent already has it (the attempt's end will still come).
    CampaignWithdraw {
        entry_id: String,
        reply: oneshot::Sender<bool>,
    },
    /// An internal call (supervisor to agent) rang unanswered too long.
    IntercomRingTimeout {
        call_id: String,
    },
    /// A caller the agent sent into a flow is back: `result` is the flow's `result` variable.
    BackFromIvr {
        call_id: String,
        flow: String,
        result: String,
    },
}

/// Handle to the distributor task.
#[derive(Clone, Debug)]
pub struct Distributor {
    tx: mpsc::UnboundedSender<Input>,
}

impl Distributor {
    /// Starts the task with the configured queues; agent state changes go to `log` if given;
    /// a supervisor's internal call rings `intercom_ring` at most.
    pub fn start(
        settings: AcdSettings,
        queues: Vec<QueueConfig>,
        log: Option<AgentLog>,
        intercom_ring: Duration,
    ) -> Result<Distributor, acd::AcdError> {
        let now = Instant::now();
        let mut acd = Acd::new(settings, rand::random());
        for q in queues {
            acd.define_queue(q, now)?;
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let intercoms = intercom::Intercoms::new(tx.downgrade(), intercom_ring);
        tokio::spawn(run(acd, rx, log, intercoms));
        Ok(Distributor { tx })
    }

    /// Never waits: the distributor's inbox is unbounded so a call task is never held up.
    pub fn send(&self, input: Input) {
        if self.tx.send(input).is_err() {
            warn!("distributor gone");
        }
    }

    /// The ACD's current state of `agent`, if it knows them.
    pub async fn agent_state(&self, agent: &str) -> Option<acd::AgentState> {
        let (reply, rx) = oneshot::channel();
        self.send(Input::AgentStateQuery {
            agent: agent.to_owned(),
            reply,
        });
        rx.await.ok().flatten()
    }

    /// Runs an agent command and waits for the ACD's verdict.
    pub async fn command(&self, agent: &str, command: proto::Command) -> Result<(), String> {
        let (reply, rx) = oneshot::channel();
        self.send(Input::AgentCommand {
            agent: agent.to_owned(),
            command,
            reply,
        });
        rx.await.map_err(|_| "distributor gone".to_owned())?
    }
}

struct WaitingCall {
    control: mpsc::Sender<CallControl>,
    caller: String,
    queue: String,
    arrived_ms: u64,
    /// From the caller look-up; offers and the live queue show it.
    screen_pop: Option<Box<proto::ScreenPop>>,
    /// Set once an agent transferred the call: shown to the next agent with the offer.
    transfer: Option<proto::TransferInfo>,
}

struct Agent {
    work_number: String,
    events: Outbox,
    audio: Option<AgentAudio>,
    since_ms: u64,
}

use queue_view::{QueueDay, SERVICE_LEVEL_MS};

struct State {
    acd: Acd,
    day: HashMap<String, QueueDay>,
    /// Calls already connected, so a later hang-up is not counted as abandoned.
    connected: std::collections::HashSet<CallId>,
    next_call: u64,
    ids: HashMap<String, CallId>,
    names: HashMap<CallId, String>,
    calls: HashMap<CallId, WaitingCall>,
    agents: HashMap<String, Agent>,
    sup: monitor::Supervision,
    /// Outbound calls placed for agents and transfers.
    out: dial::Outbound,
    /// Attended transfers and three-way calls in progress, by call.
    consults: HashMap<CallId, consult::Consult>,
    /// Callback requests (排队回拨) and their outbound legs.
    cb: callback::Callbacks,
    /// Supervisors calling agents (内部呼叫).
    ic: intercom::Intercoms,
    pacer: queue_view::SnapshotPacer,
    log: Option<AgentLog>,
}

fn now_ms() -> u64 {
    u64::try_from(jiff::Timestamp::now().as_millisecond()).unwrap_or_default()
}

async fn run(
    acd: Acd,
    mut rx: mpsc::UnboundedReceiver<Input>,
    log: Option<AgentLog>,
    ic: intercom::Intercoms,
) {
    let mut st = State {
        acd,
        day: HashMap::new(),
        connected: std::collections::HashSet::new(),
        next_call: 1,
        ids: HashMap::new(),
        names: HashMap::new(),
        calls: HashMap::new(),
        agents: HashMap::new(),
        sup: monitor::Supervision::default(),
        out: dial::Outbound::default(),
        consults: HashMap::new(),
        cb: callback::Callbacks::default(),
        ic,
        pacer: queue_view::SnapshotPacer::default(),
        log,
    };
    loop {
        let deadline = [st.acd.next_deadline(), st.pacer.due()]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or_else(|| Instant::now() + Duration::from_mins(1));
        tokio::select! {
            input = rx.recv() => match input {
                Some(i) => st.on_input(i),
                None => break,
            },
            () = tokio::time::sleep_until(deadline.into()) => {
                let now = Instant::now();
                let effects = st.acd.poll(now);
                st.apply(effects);
                st.send_held_snapshots(now);
            }
        }
    }
}

impl State {
    fn on_input(&mut self, input: Input) {
        let now = Instant::now();
        match input {
            Input::CallQueued {
                call_id,
                caller,
                queue,
                priority,
                last_agent,
                vip,
                screen_pop,
                control,
            } => {
                let id = CallId(self.next_call);
                self.next_call += 1;
                self.ids.insert(call_id.clone(), id);
                self.names.insert(id, call_id);
                self.calls.insert(
                    id,
                    WaitingCall {
                        control,
                        caller: caller.clone(),
                        queue: queue.clone(),
                        arrived_ms: now_ms(),
                        screen_pop,
                        transfer: None,
                    },
                );
                let incoming = acd::IncomingCall {
                    call: id,
                    caller,
                    queue: QueueId(queue),
                    priority,
                    vip,
                    last_agent: last_agent.map(AgentId),
                    arrived_at: now,
                };
                match self.acd.call_arrived(incoming, now) {
                    Ok(effects) => self.apply(effects),
                    Err(e) => {
                        warn!(error = %e, "call not queued");
                        if let Some(c) = self.calls.remove(&id) {
                            let _ = c.control.try_send(CallControl::Rejected);
                        }
                    }
                }
            }
            Input::CallGone { call_id, audio } => {
                if let Some((agent, audio)) = audio {
                    self.audio_back(&agent, audio);
                }
                // A caller who asked to be called back keeps their place.
                if self.callback_caller_gone(&call_id) {
                    return;
                }
                let Some(id) = self.ids.remove(&call_id) else {
                    return;
                };
                self.names.remove(&id);
                if let Some(c) = self.calls.remove(&id)
                    && !self.connected.remove(&id)
                {
                    self.day.entry(c.queue).or_default().abandoned += 1;
                }
                let effects = self.acd.call_abandoned(id, now).unwrap_or_default();
                // Tell the agent the call is over before the state changes it causes.
                self.notify_ended(&call_id, &effects);
                self.apply(effects);
                self.supervised_call_gone(&call_id);
                self.transferred_caller_gone(&call_id);
                self.consulted_call_gone(id, now);
            }
            Input::SupervisorOnline { name, events } => self.supervisor_online(name, events),
            Input::AgentOnline {
                agent,
                work_number,
                skills,
                events,
            } => {
                let login = AgentLogin {
                    id: AgentId(agent.clone()),
                    skills,
                    backup_groups: BTreeSet::new(),
                };
                let reconnect = self.agents.contains_key(&agent);
                let audio = self.agents.remove(&agent).and_then(|a| a.audio);
                self.agents.insert(
                    agent.clone(),
                    Agent {
                        work_number,
                        events,
                        audio,
                        since_ms: now_ms(),
                    },
                );
                let result = if reconnect
                    && self
                        .acd
                        .agent_state(&AgentId(agent.clone()))
                        .is_some_and(|s| !matches!(s, acd::AgentState::LoggedOut))
                {
                    self.acd.agent_reconnected(&AgentId(agent.clone()), now)
                } else {
                    self.acd.log_in(login, now)
                };
                match result {
                    Ok(effects) => self.apply(effects),
                    Err(e) => warn!(%agent, error = %e, "log-in refused by the ACD"),
                }
                self.send_state(&agent);
            }
            Input::AgentMedia { agent, audio } => self.audio_back(&agent, audio),
            Input::AgentCommand {
                agent,
                command,
                reply,
            } => {
                let result = self.command(&agent, command, now);
                let _ = reply.send(result);
            }
            Input::AgentStateQuery { agent, reply } => {
                let _ = reply.send(self.acd.agent_state(&AgentId(agent)).cloned());
            }
            Input::Dial {
                agent,
                number,
                caller_id,
                ticket_id,
                reply,
            } => {
                let _ = reply.send(self.dial(&agent, &number, caller_id, ticket_id, now));
            }
            Input::DialerReady(link) => self.out.dialer = Some(link),
            Input::Outbound { call_id, progress } => {
                if let Err(progress) = self.callback_progress(&call_id, progress, now) {
                    self.on_outbound(&call_id, progress, now);
                }
            }
            Input::CallbackRequest { call_id, number } => {
                self.request_callback(&call_id, &number, now);
            }
            Input::RestoreCallback(row) => self.restore_callback(&row, now),
            Input::CampaignCall(call) => self.campaign_call(call, now),
            Input::CampaignWithdraw { entry_id, reply } => {
                let _ = reply.send(self.campaign_withdraw(&entry_id, now));
            }
            Input::Voicemail(notice) => {
                let event = Event::Voicemail(notice);
                for a in self.agents.values() {
                    let _ = a.events.try_send(event.clone());
                }
                self.sup.publish(proto::Topic::MyCalls, &event);
            }
            Input::BackFromIvr {
                call_id,
                flow,
                result,
            } => self.back_from_ivr(&call_id, &flow, &result),
            Input::IntercomRingTimeout { call_id } => {
                self.end_intercom(&call_id, proto::EndCause::NoAnswer, true, now);
            }
            Input::AgentOffline { agent } => {
                self.intercom_party_gone(&agent, now);
                self.agent_left_callbacks(&agent);
                if self.supervisor_offline(&agent) {
                    return;
                }
                // The leg goes with the workstation: dropping our ends closes it.
                if let Some(a) = self.agents.get_mut(&agent) {
                    a.audio = None;
                }
                let effects = self
                    .acd
                    .agent_disconnected(&AgentId(agent.clone()), now)
                    .unwrap_or_default();
                self.apply(effects);
            }
        }
    }

    fn command(
        &mut self,
        agent: &str,
        command: proto::Command,
        now: Instant,
    ) -> Result<(), String> {
        if let Some(result) = self.intercom_command(agent, &command, now) {
            return result;
        }
        if let Some(result) = self.consult_command(agent, &command, now) {
            return result;
        }
        if let Some(result) = self.supervise(agent, &command, now) {
            return result;
        }
        if let Some(result) = self.callback_command(agent, &command) {
            return result;
        }
        if let Some(result) = self.outbound_command(agent, &command, now) {
            return result;
        }
        let id = AgentId(agent.to_owned());
        let call_of = |st: &Self, c: &proto::CallId| {
            st.ids
                .get(&c.0)
                .copied()
                .ok_or_else(|| format!("no call {}", c.0))
        };
        let effects = match command {
            proto::Command::SetReady => self.acd.set_ready(&id, now),
            proto::Command::SetNotReady { reason } => {
                self.acd.set_not_ready(&id, &reason.code, now)
            }
            proto::Command::EndWrapUp => self.acd.end_wrap_up(&id, now),
            proto::Command::ExtendWrapUp { secs } => {
                self.acd
                    .extend_wrap_up(&id, Duration::from_secs(u64::from(secs)), now)
            }
            proto::Command::Answer { call_id } => {
                let call = call_of(self, &call_id)?;
                self.acd.answer(&id, call, now)
            }
            proto::Command::Reject { call_id } => {
                let call = call_of(self, &call_id)?;
                self.acd.reject(&id, call, now)
            }
            proto::Command::PickUp { call_id } => {
                let call = call_of(self, &call_id)?;
                self.acd.pick_up(&id, call, now)
            }
            proto::Command::Hangup { call_id } => {
                let call = call_of(self, &call_id)?;
                if let Some(c) = self.calls.get(&call) {
                    let _ = c.control.try_send(CallControl::Hangup {
                        cause: "agent hangup".into(),
                    });
                }
                return Ok(());
            }
            proto::Command::Hold | proto::Command::Resume | proto::Command::Mute { .. } => {
                let Some(acd::AgentState::OnCall { call }) = self.acd.agent_state(&id).cloned()
                else {
                    return Err("not on a call".into());
                };
                let Some(c) = self.calls.get(&call) else {
                    return Err("the call is gone".into());
                };
                let (order, state) = match command {
                    proto::Command::Hold => (CallControl::Hold(true), proto::CallState::Held),
                    proto::Command::Resume => {
                        (CallControl::Hold(false), proto::CallState::Connected)
                    }
                    proto::Command::Mute { on } => {
                        (CallControl::Mute(on), proto::CallState::Connected)
                    }
                    _ => return Ok(()),
                };
                let _ = c.control.try_send(order);
                if let (Some(a), Some(name)) = (self.agents.get(agent), self.names.get(&call)) {
                    let _ = a.events.try_send(Event::CallState {
                        call_id: proto::CallId(name.clone()),
                        state,
                        direction: proto::Direction::Inbound,
                        connected_at_ms: None,
                        parties: Vec::new(),
                        monitor: None,
                    });
                }
                return Ok(());
            }
            proto::Command::Logout => {
                self.agent_left_callbacks(agent);
                self.acd.log_out(&id, now)
            }
            proto::Command::Transfer {
                call_id,
                target,
                mode,
                note,
                ticket_id,
            } => {
                let req = transfer::TransferRequest {
                    call_id,
                    target,
                    mode,
                    note,
                    ticket_id,
                };
                return self.transfer(agent, req, now);
            }
            proto::Command::TransferToIvr {
                call_id,
                flow,
                return_to_agent,
            } => return self.transfer_to_ivr(agent, &call_id, &flow, return_to_agent),
            other => {
                return Err(format!(
                    "{} is not handled by the distributor yet",
                    other.name()
                ));
            }
        };
        let effects = effects.map_err(|e| e.to_string())?;
        self.apply(effects);
        Ok(())
    }

    fn notify_ended(&self, call_id: &str, effects: &[AcdEffect]) {
        for e in effects {
            if let AcdEffect::AgentState { agent, .. } = e
                && let Some(a) = self.agents.get(&agent.0)
            {
                let _ = a.events.try_send(Event::CallState {
                    call_id: proto::CallId(call_id.to_owned()),
                    state: proto::CallState::Ended {
                        cause: self.sup.end_cause(call_id),
                    },
                    direction: proto::Direction::Inbound,
                    connected_at_ms: None,
                    parties: Vec::new(),
                    monitor: None,
                });
            }
        }
    }

    fn apply(&mut self, effects: Vec<AcdEffect>) {
        for effect in effects {
            debug!(?effect, "acd");
            match effect {
                AcdEffect::Offer {
                    call,
                    agent,
                    ring_timeout,
                } => {
                    let Some(c) = self.calls.get(&call) else {
                        continue;
                    };
                    let Some(a) = self.agents.get(&agent.0) else {
                        continue;
                    };
                    let name = self.names.get(&call).cloned().unwrap_or_default();
                    let _ = a.events.try_send(Event::CallOffered {
                        call_id: proto::CallId(name),
                        queue: c.queue.clone(),
                        waited_ms: now_ms().saturating_sub(c.arrived_ms),
                        ring_timeout_ms: u64::try_from(ring_timeout.as_millis())
                            .unwrap_or(u64::MAX),
                        screen_pop: screen_pop(c),
                        transfer: c.transfer.clone(),
                        callback: self.callback_offer(call),
                    });
                }
                AcdEffect::CancelOffer {
                    call,
                    agent,
                    reason,
                } => {
                    if let (Some(a), Some(name)) =
                        (self.agents.get(&agent.0), self.names.get(&call))
                    {
                        let cause = match reason {
                            acd::CancelReason::Rejected => proto::EndCause::Rejected,
                            acd::CancelReason::RingTimeout => proto::EndCause::NoAnswer,
                            acd::CancelReason::AgentDisconnected => proto::EndCause::Disconnected,
                            _ => proto::EndCause::Abandoned,
                        };
                        let _ = a.events.try_send(ended(name, cause));
                    }
                }
                AcdEffect::Connect { call, agent } => {
                    if !self.connect_callback(call, &agent) {
                        self.connect(call, &agent);
                    }
                }
                AcdEffect::CallbackFailed {
                    call,
                    attempts,
                    retry_at,
                } => self.on_callback_failed(call, attempts, retry_at),
                AcdEffect::AgentState {
                    agent,
                    state,
                    cause,
                } => {
                    if let Some(a) = self.agents.get_mut(&agent.0) {
                        a.since_ms = now_ms();
                    }
                    self.sup.note_cause(&agent.0, &state, cause);
                    self.log_state(&agent.0, &state, self.sup.cause_of(&agent.0));
                    self.send_state(&agent.0);
                }
                AcdEffect::Announce {
                    call,
                    position,
                    estimated_wait_secs,
                } => {
                    if let Some(c) = self.calls.get(&call) {
                        let _ = c.control.try_send(CallControl::Announce {
                            position,
                            wait_secs: estimated_wait_secs,
                        });
                    }
                }
                AcdEffect::Overflow { call, to, cause } => {
                    info!(?call, ?to, ?cause, "overflow");
                    if let acd::OverflowTarget::Voicemail = to
                        && let Some(c) = self.calls.get(&call)
                    {
                        let _ = c
                            .control
                            .try_send(CallControl::Overflow { voicemail: true });
                    }
                }
                AcdEffect::Rejected { call, cause } => {
                    info!(?call, ?cause, "rejected by the queue");
                    if let Some(c) = self.calls.remove(&call) {
                        let _ = c.control.try_send(CallControl::Rejected);
                    }
                }
                AcdEffect::QueueSnapshot(snapshot) => {
                    self.queue_changed(&snapshot, Instant::now());
                }
            }
        }
    }

    fn connect(&mut self, call: CallId, agent: &AgentId) {
        let Some(c) = self.calls.get(&call) else {
            return;
        };
        let Some(a) = self.agents.get_mut(&agent.0) else {
            return;
        };
        let audio = a.audio.take();
        // A transferred call was answered once already; it counts once.
        if c.transfer.is_none() {
            let waited = now_ms().saturating_sub(c.arrived_ms);
            let day = self.day.entry(c.queue.clone()).or_default();
            day.answered += 1;
            day.wait_ms_total += waited;
            if waited <= SERVICE_LEVEL_MS {
                day.answered_in_time += 1;
            }
        }
        self.connected.insert(call);
        let _ = c.control.try_send(CallControl::Bridge {
            agent: agent.0.clone(),
            work_number: a.work_number.clone(),
            audio,
        });
        if let Some(name) = self.names.get(&call) {
            let _ = a.events.try_send(Event::CallState {
                call_id: proto::CallId(name.clone()),
                state: proto::CallState::Connected,
                direction: proto::Direction::Inbound,
                connected_at_ms: Some(now_ms()),
                parties: Vec::new(),
                monitor: None,
            });
        }
    }

    fn send_state(&self, agent: &str) {
        let Some(a) = self.agents.get(agent) else {
            return;
        };
        let Some(state) = self.acd.agent_state(&AgentId(agent.to_owned())) else {
            return;
        };
        let state = match state {
            acd::AgentState::LoggedOut => proto::AgentState::LoggedOut,
            acd::AgentState::Ready => proto::AgentState::Ready,
            acd::AgentState::NotReady { reason } => proto::AgentState::NotReady {
                reason: proto::NotReadyReason::new(reason.clone(), reason.clone()),
            },
            acd::AgentState::Ringing { call } => proto::AgentState::Ringing {
                call_id: proto::CallId(self.names.get(call).cloned().unwrap_or_default()),
            },
            acd::AgentState::OnCall { call } => proto::AgentState::OnCall {
                call_id: proto::CallId(self.names.get(call).cloned().unwrap_or_default()),
            },
            acd::AgentState::WrapUp { until } => {
                let left = until.saturating_duration_since(Instant::now());
                proto::AgentState::WrapUp {
                    until_ms: now_ms() + u64::try_from(left.as_millis()).unwrap_or(0),
                }
            }
        };
        let caller = self
            .acd
            .agent_state(&AgentId(agent.to_owned()))
            .and_then(|s| match s {
                acd::AgentState::Ringing { call } | acd::AgentState::OnCall { call } => {
                    self.calls.get(call).map(|c| c.caller.clone())
                }
                _ => None,
            });
        let event = Event::AgentState {
            agent_id: proto::AgentId(agent.to_owned()),
            state,
            since_ms: a.since_ms,
            cause: self.sup.cause_of(agent),
            caller,
        };
        self.sup.publish(proto::Topic::Agents, &event);
        let _ = a.events.try_send(event);
    }
}

fn ended(call_id: &str, cause: proto::EndCause) -> Event {
    Event::CallState {
        call_id: proto::CallId(call_id.to_owned()),
        state: proto::CallState::Ended { cause },
        direction: proto::Direction::Inbound,
        connected_at_ms: None,
        parties: Vec::new(),
        monitor: None,
    }
}

/// The call's screen-pop from the caller look-up, else the number alone.
fn screen_pop(call: &WaitingCall) -> proto::ScreenPop {
    match &call.screen_pop {
        Some(pop) => (**pop).clone(),
        None => super::screen_pop::number_only(&call.caller, None),
    }
}
