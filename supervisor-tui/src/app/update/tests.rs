use hotline_protocol::{
    AgentInfo, AgentState, AlarmKind, CallState, Command, Direction, EndCause, Event, MonitorMode,
    NotReadyReason, Role, StandardReason,
};
use hotline_tui::Lang;

use super::*;
use crate::app::sample;
use crate::app::state::{Dialog, Pending, Tab};
use crate::rest::{ReportKind, Request, Response, TicketList};

fn sup() -> State {
    sample::state(Lang::En, Role::Supervisor)
}

fn select(s: &mut State, agent: &str) {
    s.selected_seat = s.seats.keys().position(|k| k.as_str() == agent).unwrap();
}

#[test]
fn login_sends_connect_then_subscribes() {
    let mut s = State::new(
        Lang::En,
        jiff::tz::TimeZone::UTC,
        crate::app::Thresholds::default(),
    );
    assert!(update(&mut s, Action::Confirm).is_empty());
    assert!(s.login.error.is_some());
    for c in "h:1".chars() {
        update(&mut s, Action::Char(c));
    }
    update(&mut s, Action::NextField);
    update(&mut s, Action::Paste("boss".into()));
    let fx = update(&mut s, Action::Confirm);
    assert_eq!(
        fx,
        [Effect::Connect {
            server: "h:1".into(),
            user: "boss".into(),
            password: String::new()
        }]
    );
    let fx = update(
        &mut s,
        Action::LoggedIn {
            agent: AgentInfo {
                id: "boss".into(),
                name: "B".into(),
                work_number: "1".into(),
                skills: vec![],
                queues: vec![],
            },
            role: Role::Director,
            token: "t".into(),
            server_time_ms: sample::NOW_MS,
        },
    );
    assert_eq!(s.screen, Screen::Main);
    assert!(matches!(&fx[0], Effect::Send(Command::Subscribe { topics }) if topics.len() == 4));
    assert!(fx.contains(&Effect::Rest(Request::Tickets(TicketList::Overdue))));
    assert_eq!(s.reports.from, "2026-11-17");
    assert!(s.read_only());
}

#[test]
fn monitoring_is_confirmed_and_switches_modes() {
    let mut s = sup();
    select(&mut s, "1001");
    assert!(update(&mut s, Action::Monitor(MonitorMode::Listen)).is_empty());
    assert!(matches!(
        s.dialog,
        Some(Dialog::Confirm(Pending::Monitor { .. }))
    ));
    // Esc leaves nothing sent.
    update(&mut s, Action::Back);
    assert!(s.dialog.is_none());
    update(&mut s, Action::Monitor(MonitorMode::Listen));
    let fx = update(&mut s, Action::Confirm);
    assert_eq!(
        fx,
        [Effect::Send(Command::Monitor {
            agent_id: "1001".into(),
            mode: MonitorMode::Listen
        })]
    );
    assert_eq!(s.monitor.as_ref().unwrap().mode, MonitorMode::Listen);
    // Nobody hears a listening supervisor: their microphone stays off the line.
    assert!(!s.voice_needed());
    update(&mut s, Action::Monitor(MonitorMode::Barge));
    let fx = update(&mut s, Action::Confirm);
    assert!(s.voice_needed(), "barging in, the supervisor speaks");
    assert!(matches!(
        &fx[0],
        Effect::Send(Command::Monitor {
            mode: MonitorMode::Barge,
            ..
        })
    ));
    update(&mut s, Action::StopMonitor);
    assert_eq!(
        update(&mut s, Action::Confirm),
        [Effect::Send(Command::StopMonitor)]
    );
    assert!(s.monitor.is_none());
    assert!(!s.voice_needed());
}

#[test]
fn monitoring_ends_with_the_call_or_a_refusal() {
    let mut s = sup();
    select(&mut s, "1001");
    update(&mut s, Action::Monitor(MonitorMode::Whisper));
    update(&mut s, Action::Confirm);
    update(
        &mut s,
        Action::Server(Event::CallState {
            call_id: "c-1".into(),
            state: CallState::Ended {
                cause: EndCause::CallerHangup,
            },
            direction: Direction::Inbound,
            connected_at_ms: None,
            parties: vec![],
            monitor: None,
        }),
    );
    assert!(s.monitor.is_none());
    update(&mut s, Action::Monitor(MonitorMode::Whisper));
    update(&mut s, Action::Confirm);
    update(
        &mut s,
        Action::CommandFailed {
            command: "monitor",
            message: "forbidden".into(),
        },
    );
    assert!(s.monitor.is_none());
    assert!(s.status.as_ref().unwrap().error);
}

#[test]
fn force_actions_need_a_seat_and_a_call() {
    let mut s = sup();
    select(&mut s, "1002");
    update(&mut s, Action::ForceRelease);
    assert!(s.dialog.is_none());
    update(&mut s, Action::Monitor(MonitorMode::Listen));
    assert!(s.dialog.is_none(), "a ready agent has no call to listen to");
    update(&mut s, Action::ForceNotReady);
    update(&mut s, Action::Down);
    update(&mut s, Action::Confirm);
    let fx = update(&mut s, Action::Confirm);
    assert_eq!(
        fx,
        [Effect::Send(Command::ForceNotReady {
            agent_id: "1002".into(),
            reason: NotReadyReason::standard(StandardReason::Meal)
        })]
    );
    select(&mut s, "1006");
    update(&mut s, Action::ForceRelease);
    assert_eq!(
        update(&mut s, Action::Confirm),
        [Effect::Send(Command::ForceRelease {
            call_id: "c-3".into()
        })]
    );
    update(&mut s, Action::ForceLogout);
    assert_eq!(
        update(&mut s, Action::Confirm),
        [Effect::Send(Command::ForceLogout {
            agent_id: "1006".into()
        })]
    );
}

#[test]
fn directors_cannot_touch_seats_but_may_supervise_tickets() {
    let mut s = sample::state(Lang::En, Role::Director);
    select(&mut s, "1001");
    for a in [
        Action::Monitor(MonitorMode::Listen),
        Action::ForceLogout,
        Action::ForceRelease,
        Action::ForceNotReady,
    ] {
        assert!(update(&mut s, a).is_empty());
        assert!(s.dialog.is_none());
    }
    update(&mut s, Action::ShowTab(Tab::Tickets));
    update(&mut s, Action::Supervise);
    for c in "请加快".chars() {
        update(&mut s, Action::Char(c));
    }
    let fx = update(&mut s, Action::Confirm);
    assert!(
        matches!(&fx[0], Effect::Rest(Request::Transition { id: 1, body, .. })
        if body["action"] == "supervise" && body["instruction"] == "请加快")
    );
}

#[test]
fn extensions_are_approved_with_the_requested_days() {
    let mut s = sup();
    update(&mut s, Action::ShowTab(Tab::Tickets));
    update(&mut s, Action::Down);
    update(&mut s, Action::ApproveExtension);
    assert!(s.dialog.is_none(), "ticket 2 asked for nothing");
    update(&mut s, Action::Up);
    update(&mut s, Action::ApproveExtension);
    let fx = update(&mut s, Action::Confirm);
    assert!(
        matches!(&fx[0], Effect::Rest(Request::Transition { body, .. })
        if body["action"] == "approve_extension" && body["days"] == 3)
    );
    let fx = update(
        &mut s,
        Action::RestDone(Response::Transitioned { number: "n".into() }),
    );
    assert_eq!(fx.len(), 3, "the lists and the digest reload");
}

#[test]
fn due_soon_keeps_the_next_day_only() {
    let s = sup();
    let due: Vec<i64> = s.tickets.due_soon.iter().map(|t| t.id).collect();
    assert_eq!(due, [3, 4]);
    let mut s = sup();
    let mut late = s.tickets.due_soon[0].clone();
    late.due_at_ms = Some(s.now_ms + DUE_SOON_MS + 1);
    update(
        &mut s,
        Action::RestDone(Response::Tickets(TicketList::DueSoon, vec![late])),
    );
    assert!(s.tickets.due_soon.is_empty());
}

#[test]
fn reports_reload_on_every_change() {
    let mut s = sup();
    s.tab = Tab::Reports;
    let fx = update(&mut s, Action::CycleBy);
    assert!(matches!(&fx[0], Effect::Rest(Request::Report(q)) if q.by.as_deref() == Some("hour")));
    assert!(
        update(&mut s, Action::CycleCompare).is_empty(),
        "calls have no comparison"
    );
    update(&mut s, Action::NextReport);
    update(&mut s, Action::NextReport);
    assert_eq!(s.reports.kind, ReportKind::Tickets);
    let fx = update(&mut s, Action::CycleCompare);
    assert!(
        matches!(&fx[0], Effect::Rest(Request::Report(q)) if q.compare.as_deref() == Some("yoy"))
    );
    let fx = update(&mut s, Action::PeriodBack);
    assert!(
        matches!(&fx[0], Effect::Rest(Request::Report(q)) if q.from == "2026-11-10" && q.to == "2026-11-16")
    );
    update(&mut s, Action::EditPeriod);
    update(&mut s, Action::Backspace);
    update(&mut s, Action::Confirm);
    assert!(matches!(s.dialog, Some(Dialog::Period { error: true, .. })));
    update(&mut s, Action::Char('0'));
    let fx = update(&mut s, Action::Confirm);
    assert_eq!(fx.len(), 1);
    update(&mut s, Action::Export);
    let fx = update(&mut s, Action::Confirm);
    assert!(matches!(&fx[0], Effect::Rest(Request::Export { path, .. })
        if path == "hotline-tickets-2026-11-10-2026-11-16.csv"));
}

#[test]
fn alarms_flash_when_new_and_follow_the_clock() {
    let mut s = sup();
    let before = s.alarms.len();
    assert!(!s.flashing());
    // 1006 has talked 95 s; ten minutes later the call is too long.
    update(
        &mut s,
        Action::Tick {
            now_ms: sample::NOW_MS + 600_000,
        },
    );
    assert!(s.alarms.len() > before);
    assert!(s.flashing());
    update(
        &mut s,
        Action::Tick {
            now_ms: sample::NOW_MS + 700_000,
        },
    );
    assert!(!s.flashing());
}

#[test]
fn seats_follow_agent_states() {
    let mut s = sup();
    let n = s.seats.len();
    update(
        &mut s,
        Action::Server(Event::AgentState {
            agent_id: "1002".into(),
            state: AgentState::LoggedOut,
            since_ms: 0,
            cause: hotline_protocol::StateCause::Logout,
            caller: None,
        }),
    );
    assert_eq!(s.seats.len(), n - 1);
    s.selected_seat = 0;
    update(&mut s, Action::PageDown);
    assert_eq!(s.selected_seat, n - 2);
    update(&mut s, Action::Up);
    assert_eq!(s.selected_seat, n - 3);
}

fn help_alarm(id: u64, kind: AlarmKind, agent: &str, cleared: bool) -> Action {
    Action::Server(Event::Alarm(hotline_protocol::Alarm {
        id,
        kind,
        subject: agent.into(),
        value: 0.0,
        threshold: 0.0,
        raised_at_ms: sample::NOW_MS,
        cleared,
    }))
}

#[test]
fn a_help_request_is_listed_first_and_answered_by_joining_the_call() {
    let mut s = sup();
    // The sample's own help request is answered elsewhere first.
    update(&mut s, help_alarm(8, AlarmKind::HelpRequest, "1006", true));
    update(&mut s, Action::AnswerHelp);
    assert!(s.status.as_ref().is_some_and(|st| st.error));
    assert!(s.dialog.is_none());

    update(
        &mut s,
        help_alarm(100, AlarmKind::HelpRequest, "1006", false),
    );
    assert_eq!(s.alarms[0].kind, AlarmKind::HelpRequest);
    assert!(s.flash_until_ms > s.now_ms);
    select(&mut s, "1002");
    update(&mut s, Action::AnswerHelp);
    assert_eq!(s.current_seat().unwrap().agent.as_str(), "1006");
    let fx = update(&mut s, Action::Confirm);
    assert_eq!(
        fx,
        [Effect::Send(Command::Monitor {
            agent_id: "1006".into(),
            mode: MonitorMode::Whisper
        })]
    );

    // An emergency comes before it and is answered by barging in.
    update(&mut s, help_alarm(101, AlarmKind::Emergency, "1001", false));
    update(&mut s, Action::AnswerHelp);
    assert!(matches!(
        s.dialog,
        Some(Dialog::Confirm(Pending::Monitor {
            mode: MonitorMode::Barge,
            ..
        }))
    ));
    update(&mut s, Action::Back);

    // Cleared by the server, or moot once the agent has logged out.
    update(
        &mut s,
        help_alarm(100, AlarmKind::HelpRequest, "1006", true),
    );
    update(
        &mut s,
        Action::Server(Event::AgentState {
            agent_id: "1001".into(),
            state: AgentState::LoggedOut,
            since_ms: sample::NOW_MS,
            cause: hotline_protocol::StateCause::Logout,
            caller: None,
        }),
    );
    assert!(!s.alarms.iter().any(|a| super::alarms::is_help(a.kind)));
}

#[test]
fn calling_an_agent_rings_shows_and_hangs_up_on_the_same_key() {
    let mut s = sup();
    assert!(!s.voice_needed(), "an idle supervisor sends nothing");
    select(&mut s, "1001");
    assert!(update(&mut s, Action::CallAgent).is_empty());
    assert!(s.dialog.is_none(), "1001 is on a call");
    assert!(s.status.as_ref().is_some_and(|st| st.error));
    select(&mut s, "1002");
    update(&mut s, Action::CallAgent);
    assert_eq!(
        update(&mut s, Action::Confirm),
        [Effect::Send(Command::CallAgent {
            agent_id: "1002".into()
        })]
    );
    let internal = |state| {
        Action::Server(Event::CallState {
            call_id: "ic-1".into(),
            state,
            direction: Direction::Internal,
            connected_at_ms: None,
            parties: vec![],
            monitor: None,
        })
    };
    update(&mut s, internal(CallState::Ringing));
    assert_eq!(s.intercom.as_ref().map(|i| i.connected), Some(false));
    assert!(
        s.voice_needed(),
        "in an internal call the supervisor speaks"
    );
    update(&mut s, internal(CallState::Connected));
    assert_eq!(s.intercom.as_ref().map(|i| i.connected), Some(true));
    // The same key hangs up, without asking.
    assert_eq!(
        update(&mut s, Action::CallAgent),
        [Effect::Send(Command::Hangup {
            call_id: "ic-1".into()
        })]
    );
    update(
        &mut s,
        internal(CallState::Ended {
            cause: EndCause::AgentHangup,
        }),
    );
    assert!(s.intercom.is_none());
    assert!(!s.voice_needed());
    // A refused call is forgotten.
    update(&mut s, Action::CallAgent);
    update(&mut s, Action::Confirm);
    update(
        &mut s,
        Action::CommandFailed {
            command: "call_agent",
            message: "no media leg".into(),
        },
    );
    assert!(s.intercom.is_none());
}
