//! The interactive workstation's session task: the shared session
//! ([`hotline_tui::client::session`]) as the agent workstation, subscribed to the queues and
//! the agent's own calls, its reports turned into [`Action`]s.

use hotline_protocol::{ClientKind, Command, Topic};
use hotline_tui::client::session::{self, LoggedIn, SessionParams};
use hotline_tui::client::{FromSession, SessionEvent};
use tokio::sync::mpsc;

pub use hotline_tui::client::session::{Media, MicRoute, forward_mic};

use crate::app::Action;

pub struct Params {
    pub server: String,
    pub user: String,
    pub password: String,
    pub media: Option<Media>,
}

impl Params {
    pub fn session(self) -> SessionParams {
        SessionParams {
            // Queue figures for the status bar and pick-up list; the agent's own calls.
            topics: vec![Topic::Queues, Topic::MyCalls],
            media: self.media,
            ..SessionParams::new(ClientKind::AgentTui, self.server, self.user, self.password)
        }
    }
}

impl FromSession for Action {
    fn from_session(event: SessionEvent) -> Option<Action> {
        Some(match event {
            SessionEvent::Connecting => Action::Connecting,
            SessionEvent::LoggedIn(LoggedIn {
                agent,
                token,
                server_time_ms,
                resumed,
                ..
            }) => Action::LoggedIn {
                agent,
                token,
                server_time_ms,
                resumed,
            },
            SessionEvent::LoginFailed(m) => Action::LoginFailed(m),
            SessionEvent::ConnectionLost(m) => Action::ConnectionLost(m),
            SessionEvent::Reconnecting { attempt } => Action::Reconnecting { attempt },
            SessionEvent::SessionEnded(m) => Action::SessionEnded(m),
            SessionEvent::Server(e) => Action::Server(e),
            SessionEvent::CommandFailed { command, message } => {
                Action::CommandFailed { command, message }
            }
            SessionEvent::MediaUp => return None,
            SessionEvent::MediaFailed(m) => Action::AudioProblem(m),
        })
    }
}

/// Runs until the command channel closes (the UI quits) or the session cannot be regained.
pub async fn run(p: Params, cmds: mpsc::Receiver<Command>, actions: mpsc::Sender<Action>) {
    session::run(p.session(), cmds, actions).await;
}
