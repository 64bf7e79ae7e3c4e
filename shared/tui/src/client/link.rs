//! A workstation's link to the server as its effects use it: the session task (started on
//! log-in, given commands without waiting) and REST calls in tasks, all reporting back over
//! the workstation's one bounded action channel.

use std::future::Future;
use std::time::Duration;

use hotline_protocol::Command;
use tokio::sync::mpsc;

use crate::client::{FromSession, RestClient, SessionHandle, SessionParams};
use crate::runtime::spawn_reporting;

/// How long the session gets to log out when the workstation closes.
const LOGOUT_GRACE: Duration = Duration::from_secs(2);

pub struct ServerLink<A> {
    actions: mpsc::Sender<A>,
    session: Option<SessionHandle>,
    http: reqwest::Client,
}

impl<A: FromSession + Send + 'static> ServerLink<A> {
    /// `actions`: where the session and REST results report; `http` is shared by all calls.
    pub fn new(actions: mpsc::Sender<A>, http: reqwest::Client) -> ServerLink<A> {
        ServerLink {
            actions,
            session: None,
            http,
        }
    }

    /// Starts the session task, replacing (and so ending) any earlier one.
    pub fn connect(&mut self, params: SessionParams) {
        self.session = Some(SessionHandle::start(params, self.actions.clone()));
    }

    /// Queues a command on the session without waiting; when there is no session or it
    /// cannot take the command, the command's name comes back.
    pub fn send(&self, cmd: Command) -> Result<(), &'static str> {
        let command = cmd.name();
        match &self.session {
            Some(s) => s.send(cmd).map_err(|_| command),
            None => Err(command),
        }
    }

    /// Runs `call` in a task with a REST client for `server` and the session's `token`, and
    /// reports the action it ends with; `false` (nothing started) without a token.
    pub fn rest<F, Fut>(&self, server: &str, token: Option<&str>, call: F) -> bool
    where
        F: FnOnce(RestClient) -> Fut,
        Fut: Future<Output = A> + Send + 'static,
    {
        let Some(token) = token else {
            return false;
        };
        let client = RestClient::new(self.http.clone(), server, token);
        spawn_reporting(&self.actions, call(client));
        true
    }

    /// Closes the command channel, which makes the session log out, and gives it a moment.
    pub async fn close(mut self) {
        if let Some(session) = self.session.take() {
            session.close(LOGOUT_GRACE).await;
        }
    }
}
