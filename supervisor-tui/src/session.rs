//! The session task: the shared session ([`hotline_tui::client::session`]) as the supervisor
//! workstation, with the listening leg for supervisors and admins only (directors get no
//! audio), its reports turned into [`Action`]s.

use hotline_protocol::ClientKind;
use hotline_tui::client::session::{LoggedIn, SessionParams};
use hotline_tui::client::{FromSession, SessionEvent};

pub use hotline_tui::client::session::{Media, MicRoute, forward_voice};

use crate::app::Action;

impl FromSession for Action {
    fn from_session(event: SessionEvent) -> Option<Action> {
        Some(match event {
            SessionEvent::Connecting => Action::Connecting,
            SessionEvent::LoggedIn(LoggedIn {
                agent,
                role,
                token,
                server_time_ms,
                ..
            }) => Action::LoggedIn {
                agent,
                role,
                token,
                server_time_ms,
            },
            SessionEvent::LoginFailed(m) => Action::LoginFailed(m),
            SessionEvent::ConnectionLost(m) => Action::ConnectionLost(m),
            SessionEvent::Reconnecting { attempt } => Action::Reconnecting { attempt },
            SessionEvent::SessionEnded(m) => Action::SessionEnded(m),
            SessionEvent::Server(e) => Action::Server(e),
            SessionEvent::CommandFailed { command, message } => {
                Action::CommandFailed { command, message }
            }
            SessionEvent::MediaUp => Action::Audio(None),
            SessionEvent::MediaFailed(m) => Action::Audio(Some(m)),
        })
    }
}

/// The session as the supervisor workstation; it runs until the UI quits or the session is
/// refused.
pub fn params(
    server: String,
    user: String,
    password: String,
    media: Option<Media>,
) -> SessionParams {
    SessionParams {
        // The wallboard subscribes from `update` once the role is known.
        media,
        media_by_role: true,
        ..SessionParams::new(ClientKind::SupervisorTui, server, user, password)
    }
}
