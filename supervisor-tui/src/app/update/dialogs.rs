//! Keys in an open dialog (confirm, not-ready reason, instruction, report period, export path),
//! and the command a confirmed action sends.

use hotline_protocol::{Command, NotReadyReason, StandardReason};
use serde_json::json;

use super::reports::{load_report, report_query};
use crate::app::action::Action;
use crate::app::effect::Effect;
use crate::app::period;
use crate::app::state::{Dialog, Intercom, Monitoring, Pending, State};
use crate::rest::Request;

/// The reasons a supervisor may force (the server sets `missed` and `after_call` itself).
pub const FORCE_REASONS: [StandardReason; 5] = [
    StandardReason::Break,
    StandardReason::Meal,
    StandardReason::Meeting,
    StandardReason::Training,
    StandardReason::Other,
];

pub(super) fn dialog_key(s: &mut State, key: Action) -> Vec<Effect> {
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
