//! The pure heart of the workstation: `update(&mut State, Action) -> Vec<Effect>`. No I/O, no
//! clock (time arrives as `Tick`), so every behaviour is a unit test. This file dispatches an
//! action; the submodules hold what each kind of action does.

mod dialogs;
mod keys;
mod login;
mod replies;
mod reports;
mod seats;
mod server_events;
mod tickets;

use super::action::Action;
use super::alarms;
use super::effect::Effect;
use super::state::{Conn, Screen, State, Status};
use dialogs::dialog_key;
use keys::main_key;
use login::{logged_in, login_key};
use replies::rest_done;
use server_events::server_event;

pub use dialogs::FORCE_REASONS;
pub use reports::report_query;
pub use seats::mode_label;
pub use tickets::DUE_SOON_MS;

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

#[cfg(test)]
mod tests;
