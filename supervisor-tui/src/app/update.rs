//! The pure heart of the workstation: `update(&mut State, Action) -> Vec<Effect>`. No I/O, no
//! clock (time arrives as `Tick`), so every behaviour is a unit test.

use hotline_protocol::{
    AgentState, AlarmKind, CallState, Command, Direction, Event, MonitorMode, NotReadyReason,
    NoticeLevel, StandardReason, Topic,
};
use hotline_tui::t;
use serde_json::json;

use super::action::Action;
use super::alarms;
use super::effect::Effect;
use super::period;
use super::state::{
    COMPARES, Conn, Dialog, Intercom, LoginField, Monitoring, Pending, QueueView, Screen, Seat,
    State, Status, TICKET_GROUPS, Tab,
};
use super::trend;
use crate::rest::{ReportKind, ReportQuery, Request, Response, TicketList};
pub use reports::report_query;
use reports::{load_report, report_action};

/// The reasons a supervisor may force (the server sets `missed` and `after_call` itself).
pub const FORCE_REASONS: [StandardReason; 5] = [
    StandardReason::Break,
    StandardReason::Meal,
    StandardReason::Meeting,
    StandardReason::Training,
    StandardReason::Other,
];

/// Tickets due within this are "due soon".
pub const DUE_SOON_MS: u64 = 24 * 3_600_000;

const PAGE: usize = 10;

/// Applies one action; answers what the runtime must do.
pub fn update(s: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Tick { now_ms } => {
            s.now_ms = now_ms;
            refresh_alarms(s);
            Vec::new()
        }
        Action::Quit => {
            s.quit = true;
            Vec::new()
        }
        Action::Help => {
            // The log-in screen has nothing to explain beyond its own hint line.
            s.help = !s.help && s.screen == Screen::Main;
            Vec::new()
        }
        Action::Connecting => {
            s.conn = Conn::Connecting;
            Vec::new()
        }
        Action::LoggedIn {
            agent,
            role,
            token,
            server_time_ms,
        } => logged_in(s, agent, role, token, server_time_ms),
        Action::LoginFailed(msg) => {
            s.login.busy = false;
            s.login.error = Some(msg);
            s.conn = Conn::Offline;
            Vec::new()
        }
        Action::ConnectionLost(msg) => {
            s.conn = Conn::Reconnecting(0);
            s.monitor = None;
            s.intercom = None;
            error(s, msg);
            Vec::new()
        }
        Action::Reconnecting { attempt } => {
            s.conn = Conn::Reconnecting(attempt);
            Vec::new()
        }
        Action::SessionEnded(msg) => {
            s.conn = Conn::Offline;
            s.screen = Screen::Login;
            s.login.busy = false;
            s.login.error = Some(msg);
            s.token = None;
            s.monitor = None;
            s.intercom = None;
            Vec::new()
        }
        Action::Server(ev) => {
            server_event(s, ev);
            Vec::new()
        }
        Action::CommandFailed { command, message } => {
            if command == "monitor" {
                s.monitor = None;
            }
            if command == "call_agent" {
                s.intercom = None;
            }
            error(s, format!("{command}: {message}"));
            Vec::new()
        }
        Action::Audio(problem) => {
            s.audio_problem = problem;
            Vec::new()
        }
        Action::RestDone(r) => rest_done(s, r),
        Action::RestFailed { request, message } => {
            if request == "report" || request == "export" {
                s.reports.loading = false;
            }
            if request == "tickets" {
                s.tickets.loading = false;
            }
            error(s, format!("{request}: {message}"));
            Vec::new()
        }
        key => {
            if s.screen == Screen::Login {
                login_key(s, key)
            } else if s.help {
                if matches!(key, Action::Back | Action::Confirm) {
                    s.help = false;
                }
                Vec::new()
            } else if s.dialog.is_some() {
                dialog_key(s, key)
            } else {
                main_key(s, &key)
            }
        }
    }
}

fn info(s: &mut State, text: impl Into<String>) {
    s.status = Some(Status {
        text: text.into(),
        error: false,
    });
}

fn error(s: &mut State, text: impl Into<String>) {
    s.status = Some(Status {
        text: text.into(),
        error: true,
    });
}

fn refresh_alarms(s: &mut State) {
    let next = alarms::compute(
        &s.queues,
        &s.seats,
        &s.server_alarms,
        &s.thresholds,
        s.now_ms,
    );
    if alarms::any_new(&s.alarms, &next) {
        s.flash_until_ms = s.now_ms + 5_000;
    }
    s.alarms = next;
}

fn logged_in(
    s: &mut State,
    agent: hotline_protocol::AgentInfo,
    role: hotline_protocol::Role,
    token: String,
    server_time_ms: u64,
) -> Vec<Effect> {
    let first = s.screen == Screen::Login;
    s.screen = Screen::Main;
    s.conn = Conn::Online;
    s.login.busy = false;
    s.login.error = None;
    s.login.password.clear();
    s.me = Some(agent);
    s.role = Some(role);
    s.token = Some(token);
    if server_time_ms > 0 && s.now_ms == 0 {
        s.now_ms = server_time_ms;
    }
    let mut fx = vec![Effect::Send(Command::Subscribe {
        topics: Topic::ALL.to_vec(),
    })];
    if first {
        if s.reports.from.is_empty() {
            let (from, to) = period::last_week(s.now_ms, &s.tz);
            s.reports.from = from;
            s.reports.to = to;
        }
        fx.extend(load_tickets(s));
    }
    fx
}

fn server_event(s: &mut State, ev: Event) {
    match ev {
        Event::AgentState {
            agent_id,
            state,
            since_ms,
            caller,
            ..
        } => {
            if s.me.as_ref().is_some_and(|m| m.id == agent_id) {
                return;
            }
            if state == AgentState::LoggedOut {
                s.seats.remove(&agent_id);
            } else {
                s.seats.insert(
                    agent_id.clone(),
                    Seat {
                        agent: agent_id,
                        state,
                        since_ms,
                        caller,
                    },
                );
            }
            s.selected_seat = s.selected_seat.min(s.seats.len().saturating_sub(1));
        }
        Event::QueueSnapshot(snap) => {
            let waiting = snap.waiting.len() as u32;
            let now = s.now_ms;
            let q = s
                .queues
                .entry(snap.queue.clone())
                .or_insert_with(|| QueueView {
                    snap: snap.clone(),
                    history: Vec::new(),
                });
            q.snap = snap;
            trend::push(&mut q.history, now, waiting);
        }
        Event::CallState {
            call_id,
            state,
            direction: Direction::Internal,
            ..
        } => {
            if let Some(ic) = s.intercom.as_mut() {
                if state.is_ended() {
                    s.intercom = None;
                    let text = t(s.lang, "sup.status.intercom_ended").to_owned();
                    info(s, text);
                } else {
                    ic.call = Some(call_id);
                    ic.connected = state == CallState::Connected;
                }
            }
        }
        Event::CallState {
            call_id,
            state,
            monitor,
            ..
        } => {
            if let Some(m) = s.monitor.as_mut() {
                if state.is_ended() {
                    s.monitor = None;
                    let text = t(s.lang, "sup.status.monitor_ended").to_owned();
                    info(s, text);
                } else {
                    m.call = Some(call_id);
                    if let Some(mode) = monitor {
                        m.mode = mode;
                    }
                }
            }
        }
        Event::Alarm(a) => {
            if a.cleared {
                s.server_alarms.remove(&a.id);
            } else {
                s.server_alarms.insert(a.id, a);
            }
        }
        Event::Notice { text, level } => {
            s.status = Some(Status {
                text,
                error: level != NoticeLevel::Info,
            });
        }
        Event::Error(e) => error(s, e.message),
        Event::CallOffered { .. } | Event::Voicemail(_) | Event::WebRtc(_) => {}
    }
    refresh_alarms(s);
}

fn login_key(s: &mut State, key: Action) -> Vec<Effect> {
    let field = match s.login.focus {
        LoginField::Server => &mut s.login.server,
        LoginField::User => &mut s.login.user,
        LoginField::Password => &mut s.login.password,
    };
    match key {
        Action::Char(c) => field.push(c),
        Action::Paste(text) => field.push_str(text.trim_end_matches(['\r', '\n'])),
        Action::Backspace => {
            field.pop();
        }
        Action::NextField | Action::Down => {
            s.login.focus = match s.login.focus {
                LoginField::Server => LoginField::User,
                LoginField::User => LoginField::Password,
                LoginField::Password => LoginField::Server,
            };
        }
        Action::Up => {
            s.login.focus = match s.login.focus {
                LoginField::Server => LoginField::Password,
                LoginField::User => LoginField::Server,
                LoginField::Password => LoginField::User,
            };
        }
        Action::Confirm => {
            if s.login.busy {
                return Vec::new();
            }
            if s.login.server.trim().is_empty() || s.login.user.trim().is_empty() {
                s.login.error = Some(t(s.lang, "sup.login.missing").to_owned());
                return Vec::new();
            }
            s.login.busy = true;
            s.login.error = None;
            return vec![Effect::Connect {
                server: s.login.server.trim().to_owned(),
                user: s.login.user.trim().to_owned(),
                password: s.login.password.clone(),
            }];
        }
        Action::Back => s.login.error = None,
        _ => {}
    }
    Vec::new()
}

fn main_key(s: &mut State, key: &Action) -> Vec<Effect> {
    match key {
        Action::NextTab | Action::PrevTab => {
            let i = Tab::ALL.iter().position(|t| *t == s.tab).unwrap_or(0);
            let n = Tab::ALL.len();
            let next = if *key == Action::NextTab {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            };
            show_tab(s, Tab::ALL[next])
        }
        Action::ShowTab(tab) => show_tab(s, *tab),
        Action::Back => {
            s.status = None;
            s.tickets.show_digest = false;
            Vec::new()
        }
        Action::Up | Action::Down | Action::PageUp | Action::PageDown => {
            move_cursor(s, key);
            Vec::new()
        }
        Action::Refresh => match s.tab {
            Tab::Wallboard => vec![Effect::Send(Command::Subscribe {
                topics: Topic::ALL.to_vec(),
            })],
            Tab::Tickets => load_tickets(s),
            Tab::Reports => load_report(s),
        },
        Action::CallAgent if s.tab == Tab::Wallboard => call_agent(s),
        Action::Monitor(_)
        | Action::StopMonitor
        | Action::ForceNotReady
        | Action::ForceLogout
        | Action::ForceRelease
        | Action::AnswerHelp
            if s.tab == Tab::Wallboard =>
        {
            seat_action(s, key);
            Vec::new()
        }
        Action::ToggleList
        | Action::Supervise
        | Action::ApproveExtension
        | Action::ToggleDigest
            if s.tab == Tab::Tickets =>
        {
            ticket_action(s, key)
        }
        Action::NextReport
        | Action::CycleBy
        | Action::CycleCompare
        | Action::EditPeriod
        | Action::PeriodBack
        | Action::PeriodForward
        | Action::Export
            if s.tab == Tab::Reports =>
        {
            report_action(s, key)
        }
        _ => Vec::new(),
    }
}

fn show_tab(s: &mut State, tab: Tab) -> Vec<Effect> {
    s.tab = tab;
    match tab {
        Tab::Tickets if s.tickets.digest.is_none() && !s.tickets.loading => load_tickets(s),
        Tab::Reports if !s.reports.loading && report_missing(s) => load_report(s),
        _ => Vec::new(),
    }
}

fn report_missing(s: &State) -> bool {
    match s.reports.kind {
        ReportKind::Calls => s.reports.calls.is_none(),
        ReportKind::Agents => s.reports.agents.is_none(),
        ReportKind::Tickets => s.reports.tickets.is_none(),
    }
}

fn move_cursor(s: &mut State, key: &Action) {
    let (len, cur) = match s.tab {
        Tab::Wallboard => (s.seats.len(), &mut s.selected_seat),
        Tab::Tickets => (s.tickets.rows().len(), &mut s.tickets.selected),
        Tab::Reports => {
            let n = match s.reports.kind {
                ReportKind::Calls => s.reports.calls.as_ref().map_or(0, |r| r.rows.len()),
                ReportKind::Agents => s.reports.agents.as_ref().map_or(0, |r| r.rows.len()),
                ReportKind::Tickets => s.reports.tickets.as_ref().map_or(0, |r| r.rows.len()),
            };
            (n, &mut s.reports.selected)
        }
    };
    let last = len.saturating_sub(1);
    *cur = (*cur).min(last);
    *cur = match key {
        Action::Up => cur.saturating_sub(1),
        Action::Down => (*cur + 1).min(last),
        Action::PageUp => cur.saturating_sub(PAGE),
        Action::PageDown => (*cur + PAGE).min(last),
        _ => *cur,
    };
}

fn seat_action(s: &mut State, key: &Action) {
    if s.read_only() {
        let text = t(s.lang, "sup.status.read_only").to_owned();
        error(s, text);
        return;
    }
    if *key == Action::AnswerHelp {
        answer_help(s);
        return;
    }
    if *key == Action::StopMonitor {
        if s.monitor.is_some() {
            s.dialog = Some(Dialog::Confirm(Pending::StopMonitor));
        } else {
            let text = t(s.lang, "sup.status.not_monitoring").to_owned();
            error(s, text);
        }
        return;
    }
    let Some(seat) = s.current_seat().cloned() else {
        let text = t(s.lang, "sup.status.no_seat").to_owned();
        error(s, text);
        return;
    };
    let call = seat.state.call_id().cloned();
    let agent = seat.agent;
    match key {
        Action::Monitor(mode) => {
            let mode = *mode;
            let on_call = matches!(seat.state, AgentState::OnCall { .. });
            let same = s
                .monitor
                .as_ref()
                .is_some_and(|m| m.agent == agent && m.mode == mode);
            if !on_call {
                let text = t(s.lang, "sup.status.not_on_call").to_owned();
                error(s, text);
            } else if !same {
                s.dialog = Some(Dialog::Confirm(Pending::Monitor { agent, mode }));
            }
        }
        Action::ForceNotReady => s.dialog = Some(Dialog::Reason { agent, selected: 0 }),
        Action::ForceLogout => s.dialog = Some(Dialog::Confirm(Pending::ForceLogout { agent })),
        Action::ForceRelease => {
            if let Some(call) = call {
                s.dialog = Some(Dialog::Confirm(Pending::ForceRelease { agent, call }));
            } else {
                let text = t(s.lang, "sup.status.not_on_call").to_owned();
                error(s, text);
            }
        }
        _ => {}
    }
}

/// Asks to call the selected agent (they must not be on a call); during an internal call the
/// same key hangs it up, without asking.
fn call_agent(s: &mut State) -> Vec<Effect> {
    if s.read_only() {
        let text = t(s.lang, "sup.status.read_only").to_owned();
        error(s, text);
        return Vec::new();
    }
    if let Some(ic) = &s.intercom {
        return match &ic.call {
            Some(call) => vec![Effect::Send(Command::Hangup {
                call_id: call.clone(),
            })],
            // Not rung yet: the server's answer comes in a moment.
            None => Vec::new(),
        };
    }
    let Some(seat) = s.current_seat().cloned() else {
        let text = t(s.lang, "sup.status.no_seat").to_owned();
        error(s, text);
        return Vec::new();
    };
    match seat.state {
        AgentState::Ready | AgentState::NotReady { .. } | AgentState::WrapUp { .. } => {
            s.dialog = Some(Dialog::Confirm(Pending::CallAgent { agent: seat.agent }));
        }
        _ => {
            let text = t(s.lang, "sup.status.agent_busy").to_owned();
            error(s, text);
        }
    }
    Vec::new()
}

/// Moves to the seat of the first help request in the alarm list (emergencies come first)
/// and, when that agent is on a call, asks to join it: whispering to help, barging in on an
/// emergency.
fn answer_help(s: &mut State) {
    let Some((agent, kind)) = s
        .alarms
        .iter()
        .find(|a| alarms::is_help(a.kind))
        .map(|a| (a.subject.clone(), a.kind))
    else {
        let text = t(s.lang, "sup.status.no_help").to_owned();
        error(s, text);
        return;
    };
    let Some(index) = s.seats.keys().position(|id| id.0 == agent) else {
        return;
    };
    s.selected_seat = index;
    let mode = if kind == AlarmKind::Emergency {
        MonitorMode::Barge
    } else {
        MonitorMode::Whisper
    };
    seat_action(s, &Action::Monitor(mode));
}

fn load_tickets(s: &mut State) -> Vec<Effect> {
    s.tickets.loading = true;
    let mut fx = vec![
        Effect::Rest(Request::Tickets(TicketList::Overdue)),
        Effect::Rest(Request::Tickets(TicketList::DueSoon)),
    ];
    if let Some(d) = period::today(s.now_ms, &s.tz) {
        fx.push(Effect::Rest(Request::Digest(d.to_string())));
    }
    fx
}

fn ticket_action(s: &mut State, key: &Action) -> Vec<Effect> {
    match key {
        Action::ToggleList => {
            s.tickets.list = match s.tickets.list {
                TicketList::Overdue => TicketList::DueSoon,
                TicketList::DueSoon => TicketList::Overdue,
            };
            s.tickets.selected = 0;
        }
        Action::ToggleDigest => s.tickets.show_digest = !s.tickets.show_digest,
        Action::Supervise => {
            if let Some(tk) = s.tickets.current() {
                s.dialog = Some(Dialog::Instruction {
                    id: tk.id,
                    number: tk.number.clone(),
                    text: String::new(),
                });
            } else {
                let text = t(s.lang, "sup.status.no_ticket").to_owned();
                error(s, text);
            }
        }
        Action::ApproveExtension => {
            let pending = s.tickets.current().and_then(|tk| {
                tk.workflow
                    .pending_extension
                    .as_ref()
                    .map(|e| Pending::ApproveExtension {
                        id: tk.id,
                        number: tk.number.clone(),
                        days: e.days,
                    })
            });
            if let Some(p) = pending {
                s.dialog = Some(Dialog::Confirm(p));
            } else {
                let text = t(s.lang, "sup.status.no_extension").to_owned();
                error(s, text);
            }
        }
        _ => {}
    }
    Vec::new()
}

fn dialog_key(s: &mut State, key: Action) -> Vec<Effect> {
    let Some(dialog) = s.dialog.as_mut() else {
        return Vec::new();
    };
    if key == Action::Back {
        s.dialog = None;
        return Vec::new();
    }
    match dialog {
        Dialog::Confirm(_) => {
            if key == Action::Confirm
                && let Some(Dialog::Confirm(p)) = s.dialog.take()
            {
                return confirmed(s, p);
            }
        }
        Dialog::Reason { agent, selected } => match key {
            Action::Up => *selected = selected.saturating_sub(1),
            Action::Down => *selected = (*selected + 1).min(FORCE_REASONS.len() - 1),
            Action::Confirm => {
                let reason = NotReadyReason::standard(FORCE_REASONS[*selected]);
                let agent = agent.clone();
                s.dialog = Some(Dialog::Confirm(Pending::ForceNotReady { agent, reason }));
            }
            _ => {}
        },
        Dialog::Instruction { id, number, text } => match key {
            Action::Char(c) => text.push(c),
            Action::Paste(p) => text.push_str(&p),
            Action::Backspace => {
                text.pop();
            }
            Action::Confirm if !text.trim().is_empty() => {
                let req = Request::Transition {
                    id: *id,
                    number: number.clone(),
                    body: json!({ "action": "supervise", "instruction": text.trim() }),
                };
                s.dialog = None;
                return vec![Effect::Rest(req)];
            }
            _ => {}
        },
        Dialog::Period {
            from,
            to,
            focus,
            error,
        } => {
            let field = if *focus == 0 { &mut *from } else { &mut *to };
            match key {
                Action::Char(c) => field.push(c),
                Action::Paste(p) => field.push_str(p.trim()),
                Action::Backspace => {
                    field.pop();
                }
                Action::NextField | Action::Up | Action::Down => *focus = 1 - (*focus).min(1),
                Action::Confirm => {
                    if period::parse(from, to).is_some() {
                        s.reports.from = from.trim().to_owned();
                        s.reports.to = to.trim().to_owned();
                        s.dialog = None;
                        return load_report(s);
                    }
                    *error = true;
                }
                _ => {}
            }
        }
        Dialog::Export { path } => match key {
            Action::Char(c) => path.push(c),
            Action::Paste(p) => path.push_str(p.trim()),
            Action::Backspace => {
                path.pop();
            }
            Action::Confirm if !path.trim().is_empty() => {
                let path = path.trim().to_owned();
                s.dialog = None;
                let req = Request::Export {
                    query: report_query(s),
                    path,
                };
                return vec![Effect::Rest(req)];
            }
            _ => {}
        },
    }
    Vec::new()
}

fn confirmed(s: &mut State, p: Pending) -> Vec<Effect> {
    let cmd = match p {
        Pending::Monitor { agent, mode } => {
            let call = s
                .seats
                .get(&agent)
                .and_then(|seat| seat.state.call_id().cloned());
            s.monitor = Some(Monitoring {
                agent: agent.clone(),
                mode,
                call,
            });
            Command::Monitor {
                agent_id: agent,
                mode,
            }
        }
        Pending::StopMonitor => {
            s.monitor = None;
            Command::StopMonitor
        }
        Pending::ForceNotReady { agent, reason } => Command::ForceNotReady {
            agent_id: agent,
            reason,
        },
        Pending::ForceLogout { agent } => Command::ForceLogout { agent_id: agent },
        Pending::ForceRelease { call, .. } => Command::ForceRelease { call_id: call },
        Pending::CallAgent { agent } => {
            s.intercom = Some(Intercom {
                agent: agent.clone(),
                call: None,
                connected: false,
            });
            Command::CallAgent { agent_id: agent }
        }
        Pending::ApproveExtension { id, number, days } => {
            return vec![Effect::Rest(Request::Transition {
                id,
                number,
                body: json!({ "action": "approve_extension", "days": days }),
            })];
        }
    };
    vec![Effect::Send(cmd)]
}

fn rest_done(s: &mut State, r: Response) -> Vec<Effect> {
    match r {
        Response::Tickets(TicketList::Overdue, rows) => {
            s.tickets.overdue = rows;
            s.tickets.loading = false;
        }
        Response::Tickets(TicketList::DueSoon, rows) => {
            let now = s.now_ms;
            s.tickets.due_soon = rows
                .into_iter()
                .filter(|tk| {
                    tk.due_at_ms
                        .is_some_and(|d| d >= now && d < now + DUE_SOON_MS)
                })
                .collect();
            s.tickets.due_soon.sort_by_key(|tk| tk.due_at_ms);
            s.tickets.loading = false;
        }
        Response::Digest(d) => s.tickets.digest = Some(d),
        Response::Calls(c) => {
            s.reports.calls = Some(c);
            s.reports.loading = false;
        }
        Response::Agents(a) => {
            s.reports.agents = Some(a);
            s.reports.loading = false;
        }
        Response::TicketReport(tr) => {
            s.reports.tickets = Some(tr);
            s.reports.loading = false;
        }
        Response::Exported { path, bytes } => {
            let text = format!("{} {path} ({bytes} B)", t(s.lang, "sup.status.exported"));
            info(s, text);
        }
        Response::Transitioned { number } => {
            let text = format!("{} {number}", t(s.lang, "sup.status.done"));
            info(s, text);
            return load_tickets(s);
        }
    }
    let len = s.tickets.rows().len();
    s.tickets.selected = s.tickets.selected.min(len.saturating_sub(1));
    Vec::new()
}

/// Which modes the selected seat can be switched to (for hints); all when not monitoring.
pub fn mode_label(mode: MonitorMode) -> &'static str {
    match mode {
        MonitorMode::Listen => "sup.mode.listen",
        MonitorMode::Whisper => "sup.mode.whisper",
        MonitorMode::Barge => "sup.mode.barge",
        MonitorMode::Takeover => "sup.mode.takeover",
    }
}

mod reports;
#[cfg(test)]
mod tests;
