//! `update`: the workstation's only state transition. Pure: it changes `State` and returns
//! effects for the runtime; it never touches the network, the clock or the terminal.

use hotline_protocol::{
    AgentId, AgentState, CallState, Command, NotReadyReason, TransferMode, TransferTarget,
    valid_dtmf,
};
use hotline_tui::{Lang, t};

use crate::app::action::{Action, Panel};
use crate::app::effect::Effect;
use crate::app::form::{Field, TicketForm};
use crate::app::state::{
    Call, Conn, EXTEND_SECS, HelpRequest, IVR_FLOWS, IvrLeg, Level, Overlay, REASONS, Screen,
    State, StatusMsg, TARGET_KINDS, TRANSFER_MODES, TransferDialog,
};
use crate::app::text::Caret;
use crate::rest::RestRequest;

impl State {
    fn say(&mut self, level: Level, text: impl Into<String>) {
        self.status = Some(StatusMsg {
            text: text.into(),
            level,
        });
    }

    fn say_key(&mut self, level: Level, key: &str) {
        let text = t(self.lang, key).to_owned();
        self.say(level, text);
    }
}

/// Applies one action.
pub fn update(s: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Quit => {
            s.quit = true;
            return vec![Effect::Quit];
        }
        Action::Tick { now_ms } => s.now_ms = now_ms,
        Action::Levels { input, output } => s.levels = (input, output),
        Action::PlaybackEnded { id } => {
            if s.inbox.playing == Some(id) {
                s.inbox.playing = None;
            }
        }
        Action::TestTone => return vec![Effect::TestTone],
        Action::Connecting => s.conn = Conn::Connecting,
        Action::LoggedIn {
            agent,
            token,
            server_time_ms,
            resumed,
        } => return logged_in(s, agent, token, server_time_ms, resumed),
        Action::LoginFailed(msg) => {
            s.login.pending = false;
            s.login.error = Some(msg);
            s.conn = Conn::Offline;
        }
        Action::ConnectionLost(msg) => {
            s.conn = Conn::Reconnecting { attempt: 1 };
            let text = format!("{} ({msg})", t(s.lang, "conn.lost"));
            s.say(Level::Warning, text);
        }
        Action::Reconnecting { attempt } => s.conn = Conn::Reconnecting { attempt },
        Action::SessionEnded(msg) => {
            s.screen = Screen::Login;
            s.conn = Conn::Offline;
            s.login.pending = false;
            s.login.error = Some(msg);
            s.agent_state = AgentState::LoggedOut;
            s.offer = None;
            s.call = None;
            s.overlay = Overlay::None;
        }
        Action::AudioProblem(msg) => {
            if s.screen == Screen::Login {
                // The log-in screen has no message line; its audio row says what is wrong.
                s.login.audio = format!("{}: {msg}", t(s.lang, "audio.problem"));
            }
            let text = format!("{}: {msg}", t(s.lang, "audio.problem"));
            s.say(Level::Warning, text);
        }
        Action::CommandFailed { command, message } => {
            match command {
                "call_supervisor" | "emergency" => s.help = None,
                "transfer_to_ivr" => {
                    if let Some(c) = &mut s.call {
                        c.ivr = None;
                    }
                }
                _ => {}
            }
            let text = format!("{} {command}: {message}", t(s.lang, "status.failed"));
            s.say(Level::Error, text);
        }
        Action::RestFailed { request, message } => rest_failed(s, request, &message),
        Action::RestDone(reply) => return rest_done(s, reply),
        Action::Server(event) => return server_event(s, event),
        key => {
            return if s.screen == Screen::Login {
                login_key(s, &key)
            } else {
                main_key(s, &key)
            };
        }
    }
    Vec::new()
}

fn logged_in(
    s: &mut State,
    agent: hotline_protocol::AgentInfo,
    token: String,
    server_time_ms: u64,
    resumed: bool,
) -> Vec<Effect> {
    s.clock_offset_ms = server_time_ms as i64 - s.now_ms as i64;
    s.token = Some(token);
    s.conn = Conn::Online;
    s.screen = Screen::Main;
    s.login.pending = false;
    s.login.error = None;
    // The session task keeps the password for re-login; the screen state need not.
    s.login.password.clear();
    if resumed {
        s.say_key(Level::Info, "conn.resumed");
    } else {
        let text = format!(
            "{} {} ({})",
            t(s.lang, "login.welcome"),
            agent.name,
            agent.work_number
        );
        s.say(Level::Info, text);
    }
    s.agent = Some(agent);
    let mut effects = vec![
        Effect::Rest(RestRequest::UnheardCount),
        Effect::Rest(RestRequest::ConsultationCount),
    ];
    if s.departments.is_empty() && !s.departments_pending {
        s.departments_pending = true;
        effects.push(Effect::Rest(RestRequest::Departments));
    }
    effects
}

fn main_key(s: &mut State, key: &Action) -> Vec<Effect> {
    if s.overlay != Overlay::None
        && let Some(effects) = overlay_key(s, key)
    {
        return effects;
    }
    if s.overlay == Overlay::None
        && let Some(effects) = panel_key(s, key)
    {
        return effects;
    }
    call_key(s, key)
}

/// Keys for the open overlay; `None` lets the key through (e.g. F4 answers under a dialog).
fn overlay_key(s: &mut State, key: &Action) -> Option<Vec<Effect>> {
    let lang = s.lang;
    let mut effects = Vec::new();
    match (&mut s.overlay, key) {
        (_, Action::Close) | (Overlay::Help, Action::Help | Action::Enter) => {
            s.overlay = Overlay::None;
        }
        (Overlay::Reasons { sel }, Action::Up) => *sel = sel.saturating_sub(1),
        (Overlay::Reasons { sel }, Action::Down) => *sel = (*sel + 1).min(REASONS.len() - 1),
        (Overlay::Reasons { sel }, Action::Enter) => {
            let r = REASONS[*sel];
            let label = match lang {
                Lang::Zh => r.label_zh(),
                Lang::En => r.label_en(),
            };
            effects.push(Effect::Send(Command::SetNotReady {
                reason: NotReadyReason::new(r.code(), label),
            }));
            s.overlay = Overlay::None;
        }
        (Overlay::Transfer(_), _) => return transfer_key(s, key),
        (Overlay::EditCaller(_), _) => return caller_key(s, key),
        (Overlay::Dial { number }, Action::Input(c)) => {
            if c.is_ascii_digit() || matches!(c, '*' | '#' | '+') {
                number.push(*c);
            }
        }
        (Overlay::Dtmf { digits: number } | Overlay::Dial { number }, Action::Backspace) => {
            number.pop();
        }
        (Overlay::Dial { number }, Action::Enter) => {
            if number.is_empty() {
                return Some(Vec::new());
            }
            let number = std::mem::take(number);
            s.dialed = Some(number.clone());
            s.pop = None;
            effects.push(Effect::Send(Command::Dial {
                number,
                caller_id: None,
                ticket_id: None,
            }));
            s.overlay = Overlay::None;
        }
        (Overlay::Dtmf { digits }, Action::Input(c)) => {
            if valid_dtmf(&c.to_string()) {
                digits.push(*c);
            }
        }
        (Overlay::Dtmf { digits }, Action::Enter) => {
            if !digits.is_empty() {
                effects.push(Effect::Send(Command::SendDtmf {
                    digits: std::mem::take(digits),
                }));
            }
            s.overlay = Overlay::None;
        }
        (
            _,
            Action::Up
            | Action::Down
            | Action::Left
            | Action::Right
            | Action::Input(_)
            | Action::Backspace
            | Action::Enter
            | Action::NextField
            | Action::PrevField
            | Action::Submit,
        ) => {}
        _ => return None,
    }
    Some(effects)
}

fn transfer_key(s: &mut State, key: &Action) -> Option<Vec<Effect>> {
    let Overlay::Transfer(d) = &mut s.overlay else {
        return None;
    };
    let cycle = |i: usize, n: usize, by: isize| (i as isize + by).rem_euclid(n as isize) as usize;
    let text = match d.focus {
        1 => Some(&mut d.target),
        3 => Some(&mut d.note),
        _ => None,
    };
    match (key, text) {
        (Action::NextField | Action::Down, _) => {
            d.focus = (d.focus + 1) % 4;
            d.caret = Caret::END;
        }
        (Action::PrevField | Action::Up, _) => {
            d.focus = (d.focus + 3) % 4;
            d.caret = Caret::END;
        }
        (Action::Left | Action::Right, _) if d.focus == 1 && TARGET_KINDS[d.kind] == "ivr" => {
            // The flows are a fixed set: the arrows choose one.
            let by = if *key == Action::Left { -1 } else { 1 };
            let at = IVR_FLOWS.iter().position(|f| *f == d.target);
            let next = at.map_or(0, |i| cycle(i, IVR_FLOWS.len(), by));
            IVR_FLOWS[next].clone_into(&mut d.target);
            d.caret = Caret::END;
        }
        (Action::Left, Some(t)) => d.caret.left(t),
        (Action::Right, Some(t)) => d.caret.right(t),
        (Action::Left | Action::Right, None) => {
            let by = if *key == Action::Left { -1 } else { 1 };
            match d.focus {
                0 => {
                    d.kind = cycle(d.kind, TARGET_KINDS.len(), by);
                    if TARGET_KINDS[d.kind] == "ivr" && !IVR_FLOWS.contains(&d.target.as_str()) {
                        IVR_FLOWS[0].clone_into(&mut d.target);
                    }
                }
                _ => d.mode = cycle(d.mode, TRANSFER_MODES.len(), by),
            }
        }
        (Action::Input(c), Some(t)) => d.caret.insert(t, *c),
        (Action::Backspace, Some(t)) => d.caret.backspace(t),
        (Action::Delete, Some(t)) => d.caret.delete(t),
        (Action::LineStart, Some(t)) => d.caret.home(t),
        (Action::LineEnd, Some(t)) => d.caret.end(t),
        (Action::Input(_) | Action::Backspace | Action::Delete, None) => {}
        (Action::Enter | Action::Submit, _) => {
            let dialog = d.clone();
            let Some(call) = &s.call else {
                d.error = Some("call.none");
                return Some(Vec::new());
            };
            return match transfer_command(&dialog, call.call_id.clone()) {
                Ok(cmd) => {
                    s.overlay = Overlay::None;
                    if let (Command::TransferToIvr { flow, .. }, Some(c)) = (&cmd, &mut s.call) {
                        c.ivr = Some(IvrLeg {
                            flow: flow.clone(),
                            result: None,
                        });
                    }
                    Some(vec![Effect::Send(cmd)])
                }
                Err(key) => {
                    if let Overlay::Transfer(d) = &mut s.overlay {
                        d.error = Some(key);
                    }
                    Some(Vec::new())
                }
            };
        }
        (Action::Close, _) => s.overlay = Overlay::None,
        _ => return None,
    }
    Some(Vec::new())
}

/// The transfer or conference command a filled-in dialog stands for, or the UI-string key of
/// what is wrong with it.
pub fn transfer_command(
    d: &TransferDialog,
    call_id: hotline_protocol::CallId,
) -> Result<Command, &'static str> {
    let target = d.target.trim();
    if target.is_empty() {
        return Err("transfer.err.target");
    }
    let target = match TARGET_KINDS[d.kind] {
        "agent" => TransferTarget::Agent {
            id: AgentId::new(target),
        },
        "queue" => TransferTarget::Queue {
            name: target.to_owned(),
        },
        "department" => TransferTarget::Department {
            id: target.to_owned(),
        },
        "ivr" => {
            // Attended: the caller comes back with the result (PIN entry); blind: the flow
            // ends the call (a survey).
            return match TRANSFER_MODES[d.mode] {
                "conference" => Err("transfer.err.ivr_mode"),
                mode => Ok(Command::TransferToIvr {
                    call_id,
                    flow: target.to_owned(),
                    return_to_agent: mode == "attended",
                }),
            };
        }
        _ => {
            if !target.chars().all(|c| c.is_ascii_digit() || c == '+') {
                return Err("transfer.err.number");
            }
            TransferTarget::External {
                number: target.to_owned(),
            }
        }
    };
    let note = Some(d.note.trim().to_owned()).filter(|n| !n.is_empty());
    Ok(match TRANSFER_MODES[d.mode] {
        "conference" => Command::Conference { call_id, target },
        mode => Command::Transfer {
            call_id,
            target,
            mode: if mode == "blind" {
                TransferMode::Blind
            } else {
                TransferMode::Attended
            },
            note,
            ticket_id: None,
        },
    })
}

/// Keys for the panel in view; `None` lets the key through to call control.
fn panel_key(s: &mut State, key: &Action) -> Option<Vec<Effect>> {
    if s.panel == Panel::Consultations {
        // Esc steps back out of the answer being typed and the suggestions first.
        return consultations_key(s, key);
    }
    if *key == Action::Close && s.panel != Panel::Home {
        s.panel = Panel::Home;
        return Some(Vec::new());
    }
    match s.panel {
        Panel::Home => None,
        Panel::Queue => match key {
            Action::Up => {
                s.queue_sel = s.queue_sel.saturating_sub(1);
                Some(Vec::new())
            }
            Action::Down => {
                let n = s.waiting().len();
                s.queue_sel = (s.queue_sel + 1).min(n.saturating_sub(1));
                Some(Vec::new())
            }
            Action::Enter => Some(pick_up(s)),
            _ => None,
        },
        Panel::TicketForm => form_key(s, key),
        Panel::Knowledge | Panel::Tickets | Panel::Callers => search_key(s, key),
        Panel::Inbox => inbox_key(s, key),
        Panel::Consultations => consultations_key(s, key),
    }
}

fn form_key(s: &mut State, key: &Action) -> Option<Vec<Effect>> {
    let related = s.related_candidates();
    let f = &mut s.form;
    if f.filed.is_some() && !matches!(key, Action::Submit) {
        // The result stays up until the agent starts a new ticket.
        return match key {
            Action::Enter => {
                *f = fresh_form(s.call.as_ref(), s.pop.as_ref());
                Some(Vec::new())
            }
            Action::Input(_) | Action::Backspace | Action::Delete => Some(Vec::new()),
            _ => None,
        };
    }
    match key {
        Action::Input(c) => f.input(*c, &s.departments, &related),
        Action::Backspace => f.backspace(),
        Action::Enter => f.enter(&s.categories, &s.departments, &related),
        Action::NextField | Action::PrevField => {
            if *key == Action::NextField {
                f.next_field();
            } else {
                f.prev_field();
            }
            if f.focus == Field::Related {
                // Ask the server what this may duplicate, from what has been typed so far.
                let req = RestRequest::RelatedTickets {
                    caller: f.caller_number.clone().unwrap_or_default(),
                    address: f.address.clone(),
                    text: format!("{} {}", f.subject, f.description),
                };
                return Some(vec![Effect::Rest(req)]);
            }
        }
        Action::Left => f.left_right(-1),
        Action::Right => f.left_right(1),
        Action::Delete => f.delete(),
        Action::LineStart => f.line_start(),
        Action::LineEnd => f.line_end(),
        Action::Up => f.move_sel(-1, &s.categories, &s.departments, related.len()),
        Action::Down => f.move_sel(1, &s.categories, &s.departments, related.len()),
        Action::PageUp => f.move_sel(-10, &s.categories, &s.departments, related.len()),
        Action::PageDown => f.move_sel(10, &s.categories, &s.departments, related.len()),
        Action::Submit => return Some(submit(s)),
        _ => return None,
    }
    Some(Vec::new())
}

fn submit(s: &mut State) -> Vec<Effect> {
    if s.form.pending || s.form.filed.is_some() {
        return Vec::new();
    }
    s.form.errors = s.form.validate();
    if let Some(first) = s.form.errors.first() {
        let text = format!("{} {}", t(s.lang, "form.invalid"), t(s.lang, first));
        s.say(Level::Error, text);
        return Vec::new();
    }
    s.form.pending = true;
    s.say_key(Level::Info, "form.submitting");
    vec![Effect::Rest(RestRequest::FileTicket {
        ticket: Box::new(s.form.to_ticket()),
        departments: s.form.departments.clone(),
        voicemail: s.form.voicemail,
        hold: s.form.hold_callback(),
    })]
}

fn search_key(s: &mut State, key: &Action) -> Option<Vec<Effect>> {
    macro_rules! with_search {
        ($search:expr, $req:expr) => {{
            let search = $search;
            match key {
                Action::Input(c) => search.caret.insert(&mut search.query, *c),
                Action::Backspace => search.caret.backspace(&mut search.query),
                Action::Delete => search.caret.delete(&mut search.query),
                Action::Left => search.caret.left(&search.query),
                Action::Right => search.caret.right(&search.query),
                Action::LineStart => search.caret.home(&search.query),
                Action::LineEnd => search.caret.end(&search.query),
                Action::Up => search.sel = search.sel.saturating_sub(1),
                Action::Down => {
                    search.sel = (search.sel + 1).min(search.results.len().saturating_sub(1));
                }
                Action::PageUp => search.sel = search.sel.saturating_sub(10),
                Action::PageDown => {
                    search.sel = (search.sel + 10).min(search.results.len().saturating_sub(1));
                }
                Action::Enter => {
                    search.pending = true;
                    search.searched = true;
                    let q = search.query.trim().to_owned();
                    return Some(vec![Effect::Rest($req(q))]);
                }
                _ => return None,
            }
        }};
    }
    if *key == Action::CallBack && matches!(s.panel, Panel::Tickets | Panel::Callers) {
        return Some(call_back(s));
    }
    match s.panel {
        Panel::Knowledge => {
            if *key == Action::InsertAnswer {
                return Some(insert_answer(s));
            }
            with_search!(&mut s.knowledge, |q| RestRequest::SearchKnowledge { q });
        }
        Panel::Tickets => {
            with_search!(&mut s.tickets, |q| RestRequest::SearchTickets { q });
            return Some(ticket_links(s));
        }
        Panel::Callers if *key == Action::EditCaller => return Some(edit_caller(s)),
        _ => with_search!(&mut s.callers, |q| RestRequest::SearchCallers { q }),
    }
    Some(Vec::new())
}

/// The highlighted ticket's links, fetched once when it is first highlighted.
pub(super) fn ticket_links(s: &mut State) -> Vec<Effect> {
    match s.tickets.selected() {
        Some(tk) if !s.ticket_links.contains_key(&tk.id) => {
            let id = tk.id;
            // An empty entry marks the request as made, so moving on and back asks once.
            s.ticket_links.insert(id, Vec::new());
            vec![Effect::Rest(RestRequest::TicketDetail { id })]
        }
        _ => Vec::new(),
    }
}

fn insert_answer(s: &mut State) -> Vec<Effect> {
    let Some(item) = s.knowledge.selected() else {
        s.say_key(Level::Warning, "kb.nothing");
        return Vec::new();
    };
    let text = if item.reference_answer.trim().is_empty() {
        item.body.clone()
    } else {
        item.reference_answer.clone()
    };
    s.form.insert_answer(&text);
    s.panel = Panel::TicketForm;
    s.say_key(Level::Info, "kb.inserted");
    Vec::new()
}

fn fresh_form(call: Option<&Call>, pop: Option<&hotline_protocol::ScreenPop>) -> TicketForm {
    TicketForm::for_call(
        call.map(|c| c.call_id.0.clone()),
        pop.map(|p| p.caller.number.clone())
            .or_else(|| call.map(|c| c.number.clone()).filter(|n| !n.is_empty())),
    )
}

fn pick_up(s: &mut State) -> Vec<Effect> {
    let Some((_, w)) = s.waiting().get(s.queue_sel).copied() else {
        s.say_key(Level::Warning, "queue.empty");
        return Vec::new();
    };
    vec![Effect::Send(Command::PickUp {
        call_id: w.call_id.clone(),
    })]
}

fn send_for_call(s: &mut State, f: impl FnOnce(&Call) -> Command) -> Vec<Effect> {
    if let Some(c) = &s.call {
        vec![Effect::Send(f(c))]
    } else {
        s.say_key(Level::Warning, "call.none");
        Vec::new()
    }
}

fn call_key(s: &mut State, key: &Action) -> Vec<Effect> {
    match key {
        Action::Help => {
            s.overlay = if s.overlay == Overlay::Help {
                Overlay::None
            } else {
                Overlay::Help
            };
        }
        Action::Answer => match &s.offer {
            Some(o) => {
                let call_id = o.call_id.clone();
                s.say_key(Level::Info, "call.answering");
                return vec![Effect::Send(Command::Answer { call_id })];
            }
            None => s.say_key(Level::Warning, "call.no_offer"),
        },
        Action::Reject => {
            if let Some(o) = &s.offer {
                return vec![Effect::Send(Command::Reject {
                    call_id: o.call_id.clone(),
                })];
            }
        }
        Action::Hangup => {
            if s.call.is_none()
                && let Some(o) = &s.offer
            {
                return vec![Effect::Send(Command::Reject {
                    call_id: o.call_id.clone(),
                })];
            }
            return send_for_call(s, |c| Command::Hangup {
                call_id: c.call_id.clone(),
            });
        }
        Action::Hold => {
            return send_for_call(s, |c| {
                if c.state == CallState::Held {
                    Command::Resume
                } else {
                    Command::Hold
                }
            });
        }
        Action::Mute => {
            if let Some(c) = &mut s.call {
                c.muted = !c.muted;
                return vec![Effect::Send(Command::Mute { on: c.muted })];
            }
            s.say_key(Level::Warning, "call.none");
        }
        Action::Transfer => {
            if s.call.is_some() {
                s.overlay = Overlay::Transfer(TransferDialog::default());
            } else {
                s.say_key(Level::Warning, "call.none");
            }
        }
        Action::CompleteTransfer => return send_for_call(s, |_| Command::CompleteTransfer),
        Action::CancelTransfer => return send_for_call(s, |_| Command::CancelTransfer),
        Action::SendDtmf => {
            if s.call.is_some() {
                s.overlay = Overlay::Dtmf {
                    digits: String::new(),
                };
            } else {
                s.say_key(Level::Warning, "call.none");
            }
        }
        Action::Dial => {
            s.overlay = Overlay::Dial {
                number: String::new(),
            };
        }
        Action::PickUp => {
            if s.panel == Panel::Queue {
                return pick_up(s);
            }
            s.panel = Panel::Queue;
        }
        Action::CallSupervisor | Action::Emergency => {
            let emergency = *key == Action::Emergency;
            s.help = Some(HelpRequest {
                emergency,
                at_ms: s.now_ms,
            });
            return if emergency {
                s.say_key(Level::Warning, "call.emergency_sent");
                vec![Effect::Send(Command::Emergency)]
            } else {
                s.say_key(Level::Info, "call.supervisor_called");
                vec![Effect::Send(Command::CallSupervisor)]
            };
        }
        Action::Ready => {
            return match s.agent_state {
                AgentState::WrapUp { .. } => vec![Effect::Send(Command::EndWrapUp)],
                AgentState::Ready => Vec::new(),
                _ => vec![Effect::Send(Command::SetReady)],
            };
        }
        Action::NotReady => s.overlay = Overlay::Reasons { sel: 0 },
        Action::EndWrapUp | Action::ExtendWrapUp => {
            if !matches!(s.agent_state, AgentState::WrapUp { .. }) {
                s.say_key(Level::Warning, "wrap.none");
                return Vec::new();
            }
            return vec![Effect::Send(if *key == Action::EndWrapUp {
                Command::EndWrapUp
            } else {
                Command::ExtendWrapUp { secs: EXTEND_SECS }
            })];
        }
        Action::Show(Panel::Inbox) => {
            s.overlay = Overlay::None;
            return inbox::open(s);
        }
        Action::Show(Panel::Consultations) => {
            s.overlay = Overlay::None;
            return consultations::open(s);
        }
        Action::Show(panel) => {
            let panel = *panel;
            s.panel = panel;
            s.overlay = Overlay::None;
            if panel == Panel::TicketForm && s.departments.is_empty() && !s.departments_pending {
                s.departments_pending = true;
                return vec![Effect::Rest(RestRequest::Departments)];
            }
        }
        Action::NewTicket => {
            s.form = fresh_form(s.call.as_ref(), s.pop.as_ref());
            s.panel = Panel::TicketForm;
        }
        _ => {}
    }
    Vec::new()
}

mod callers;
mod consultations;
mod events;
mod inbox;
mod login;
#[cfg(test)]
mod tests;

use callers::{caller_key, edit_caller};
use consultations::consultations_key;
pub use events::flatten_departments;
use events::{rest_done, rest_failed, server_event};
use inbox::{call_back, inbox_key};
use login::login_key;
