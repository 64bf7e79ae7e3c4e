//! The wallboard's actions on the selected seat: monitoring (listen, whisper, barge-in), forcing
//! not-ready, log-out or release, calling the agent, and answering a help request.

use hotline_protocol::{AgentState, AlarmKind, Command, MonitorMode};
use hotline_tui::t;

use super::error;
use crate::app::action::Action;
use crate::app::alarms;
use crate::app::effect::Effect;
use crate::app::state::{Dialog, Pending, State};

pub(super) fn seat_action(s: &mut State, key: &Action) {
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
pub(super) fn call_agent(s: &mut State) -> Vec<Effect> {
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

/// The i18n key naming a monitor mode.
pub fn mode_label(mode: MonitorMode) -> &'static str {
    match mode {
        MonitorMode::Listen => "sup.mode.listen",
        MonitorMode::Whisper => "sup.mode.whisper",
        MonitorMode::Barge => "sup.mode.barge",
        MonitorMode::Takeover => "sup.mode.takeover",
    }
}
