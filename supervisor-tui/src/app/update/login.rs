//! The log-in screen's keys, and what a successful log-in sets up.

use hotline_protocol::{AgentInfo, Command, Role, Topic};
use hotline_tui::t;

use super::tickets::load_tickets;
use crate::app::action::Action;
use crate::app::effect::Effect;
use crate::app::period;
use crate::app::state::{Conn, LoginField, Screen, State};

pub(super) fn logged_in(
    s: &mut State,
    agent: AgentInfo,
    role: Role,
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

pub(super) fn login_key(s: &mut State, key: Action) -> Vec<Effect> {
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
