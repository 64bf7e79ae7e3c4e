//! The distributor: one task that owns the ACD, feeds it calls and agent commands, and carries
//! out its decisions — offers to workstations, bridges of caller and agent audio, announcements.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant};

use hotline_protocol::{self as proto, Event};
use tokio::sync::{mpsc, oneshot};
use tracing::warn;

use super::Outbox;
use crate::acd::{self, Acd, AcdSettings, AgentId, AgentLogin, CallId, QueueConfig, QueueId};
pub use callback::{CampaignAttempt, CampaignCall};
use effects::{ended, screen_pop};
pub use messages::{AgentAudio, CallControl, Input};
pub use state_log::AgentLog;

mod audio_lost;
mod callback;
mod consult;
mod dial;
mod effects;
mod intercom;
mod ivr;
mod messages;
mod monitor;
mod queue_view;
mod state_log;
mod transfer;

/// Handle to the distributor task.
#[derive(Clone, Debug)]
pub struct Distributor {
    tx: mpsc::UnboundedSender<Input>,
}

impl Distributor {
    /// Starts the task with the configured queues and each agent's backup groups; agent state
    /// changes go to `log` if given; a supervisor's internal call rings `intercom_ring` at most.
    pub fn start(
        settings: AcdSettings,
        queues: Vec<QueueConfig>,
        backup_groups: BTreeMap<String, BTreeSet<String>>,
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
        tokio::spawn(run(acd, rx, log, intercoms, backup_groups));
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

use queue_view::QueueDay;

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
    /// The backup groups each agent belongs to (from the configuration).
    backup_groups: BTreeMap<String, BTreeSet<String>>,
}

fn now_ms() -> u64 {
    u64::try_from(jiff::Timestamp::now().as_millisecond()).unwrap_or_default()
}

async fn run(
    acd: Acd,
    mut rx: mpsc::UnboundedReceiver<Input>,
    log: Option<AgentLog>,
    ic: intercom::Intercoms,
    backup_groups: BTreeMap<String, BTreeSet<String>>,
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
        backup_groups,
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
                    backup_groups: self.backup_groups.get(&agent).cloned().unwrap_or_default(),
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
            Input::AgentAudioLost { agent, reason } => self.audio_lost(&agent, &reason, now),
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
                    // The agent's screen and CDR agree on who hung up.
                    self.sup
                        .note_ending(&call_id.0, proto::EndCause::AgentHangup);
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
}
