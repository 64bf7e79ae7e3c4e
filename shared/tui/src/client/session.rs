//! The session task of a workstation: connects, logs in, subscribes, sets up the WebRTC
//! media leg, forwards server events and command failures to the UI and commands to the
//! server, and reconnects by itself — first with the resume token from `login_ok` (the server
//! keeps the seat for a grace period), then with the password.
//!
//! What happens is reported as [`SessionEvent`]s, which each workstation turns into its own
//! actions ([`FromSession`]).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use hotline_protocol::{
    self as proto, AgentInfo, ClientKind, Command, Event, ReplyBody, Role, ServerFrame, Topic,
};
use hotline_softphone::{Frame, SoftphoneError, WebRtcLeg};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::client::{Client, ClientError, error_chain, media_ip, ws_url};

/// Where the microphone goes: the forwarder task sends mic frames to the current leg.
pub type MicRoute = Arc<watch::Sender<Option<mpsc::Sender<Frame>>>>;

/// The audio side handed to the session.
#[derive(Clone)]
pub struct Media {
    pub mic_route: MicRoute,
    pub speaker: mpsc::Sender<Frame>,
}

/// Who logs in where, and what the session sets up after each log-in.
#[derive(Clone)]
pub struct SessionParams {
    pub server: String,
    pub user: String,
    pub password: String,
    pub client: ClientKind,
    /// Subscribed after every log-in (which also resends the snapshots a reconnect needs);
    /// none: no subscription.
    pub topics: Vec<Topic>,
    pub media: Option<Media>,
    /// Set up the media leg only when the logged-in role works with audio.
    pub media_by_role: bool,
}

impl SessionParams {
    /// Log-in only: no subscription and no media leg (set those fields on top).
    pub fn new(client: ClientKind, server: String, user: String, password: String) -> Self {
        SessionParams {
            server,
            user,
            password,
            client,
            topics: Vec::new(),
            media: None,
            media_by_role: false,
        }
    }
}

/// A successful log-in.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedIn {
    pub agent: AgentInfo,
    pub role: Role,
    pub token: String,
    pub server_time_ms: u64,
    /// The session was taken back with the resume token after a reconnect.
    pub resumed: bool,
}

/// What the session task reports.
// Made once per server frame and moved straight into an action; boxing the event gains nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum SessionEvent {
    Connecting,
    LoggedIn(LoggedIn),
    /// The first log-in did not work; the task has ended.
    LoginFailed(String),
    /// The connection dropped; the task retries by itself.
    ConnectionLost(String),
    Reconnecting {
        attempt: u32,
    },
    /// The session could not be resumed and the password did not work either; the task has
    /// ended.
    SessionEnded(String),
    Server(Event),
    /// A command's reply was an error.
    CommandFailed {
        command: &'static str,
        message: String,
    },
    /// The media leg is up.
    MediaUp,
    /// The media leg could not be set up (signalling still works).
    MediaFailed(String),
}

/// A workstation action made from a session event; `None`: the workstation ignores it.
pub trait FromSession: Sized {
    fn from_session(event: SessionEvent) -> Option<Self>;
}

/// A silent connection this long is treated as dead.
const DEAD_AFTER: Duration = Duration::from_secs(45);
const PING_EVERY: Duration = Duration::from_secs(15);
/// How long the offer may wait for the answer, and the leg for connectivity.
const MEDIA_TIMEOUT: Duration = Duration::from_secs(10);

enum End {
    /// The UI is gone or logged out.
    Quit,
    /// The server refused the log-in.
    Refused(String),
    /// The connection failed.
    Lost(String),
}

impl From<ClientError> for End {
    fn from(e: ClientError) -> End {
        End::Lost(error_chain(&e))
    }
}

/// Why the media leg did not come up.
#[derive(Debug, thiserror::Error)]
enum MediaError {
    #[error(transparent)]
    Leg(#[from] SoftphoneError),
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("deadline has elapsed")]
    NoAnswer,
}

/// The running session task and its command channel.
pub struct SessionHandle {
    commands: mpsc::Sender<Command>,
    task: JoinHandle<()>,
}

impl SessionHandle {
    /// Starts the session task; it reports to `actions`.
    pub fn start<A>(params: SessionParams, actions: mpsc::Sender<A>) -> SessionHandle
    where
        A: FromSession + Send + 'static,
    {
        let (commands, rx) = mpsc::channel(64);
        let task = tokio::spawn(run(params, rx, actions));
        SessionHandle { commands, task }
    }

    /// Queues a command without waiting; gives it back when the session cannot take it.
    pub fn send(&self, cmd: Command) -> Result<(), Command> {
        self.commands
            .try_send(cmd)
            .map_err(mpsc::error::TrySendError::into_inner)
    }

    /// Closes the command channel, which makes the session log out, and gives it `grace`.
    pub async fn close(self, grace: Duration) {
        drop(self.commands);
        let _ = tokio::time::timeout(grace, self.task).await;
    }
}

/// Copies microphone frames to whichever leg is current; frames are dropped while there is
/// none (between reconnects), which is what a dead line sounds like anyway.
pub async fn forward_mic(
    mut mic: mpsc::Receiver<Frame>,
    route: watch::Receiver<Option<mpsc::Sender<Frame>>>,
) {
    while let Some(frame) = mic.recv().await {
        let tx = route.borrow().clone();
        if let Some(tx) = tx {
            let _ = tx.try_send(frame);
        }
    }
}

/// Like [`forward_mic`], but only while `talk` is on: a workstation sends its voice only when
/// a call needs it, so an idle leg carries no RTP. Frames are dropped, never queued, while it
/// is off (the next call must not start with stale audio).
pub async fn forward_voice(
    mut mic: mpsc::Receiver<Frame>,
    route: watch::Receiver<Option<mpsc::Sender<Frame>>>,
    talk: Arc<std::sync::atomic::AtomicBool>,
) {
    while let Some(frame) = mic.recv().await {
        if !talk.load(std::sync::atomic::Ordering::Relaxed) {
            continue;
        }
        let tx = route.borrow().clone();
        if let Some(tx) = tx {
            let _ = tx.try_send(frame);
        }
    }
}

/// Reports one event; whether the UI still listens.
async fn report<A: FromSession>(actions: &mpsc::Sender<A>, event: SessionEvent) -> bool {
    match A::from_session(event) {
        Some(a) => actions.send(a).await.is_ok(),
        None => !actions.is_closed(),
    }
}

/// Runs until the command channel closes (the UI quits) or the session cannot be regained.
pub async fn run<A: FromSession>(
    p: SessionParams,
    mut cmds: mpsc::Receiver<Command>,
    actions: mpsc::Sender<A>,
) {
    let url = ws_url(&p.server);
    let mut token: Option<String> = None;
    let mut attempt = 0u32;
    loop {
        let mut logged_in = false;
        let end = serve(&p, &url, &mut token, &mut cmds, &actions, &mut logged_in).await;
        if logged_in {
            attempt = 0;
        }
        let online_before = token.is_some();
        match end {
            End::Quit => return,
            End::Refused(msg) => {
                let e = if online_before {
                    SessionEvent::SessionEnded(msg)
                } else {
                    SessionEvent::LoginFailed(msg)
                };
                report(&actions, e).await;
                return;
            }
            End::Lost(msg) if !online_before => {
                report(&actions, SessionEvent::LoginFailed(msg)).await;
                return;
            }
            End::Lost(msg) => {
                if attempt == 0 {
                    report(&actions, SessionEvent::ConnectionLost(msg)).await;
                }
            }
        }
        attempt += 1;
        report(&actions, SessionEvent::Reconnecting { attempt }).await;
        let wait = Duration::from_secs(u64::from(attempt.min(5)) * 2);
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            cmd = cmds.recv() => if cmd.is_none() { return },
        }
    }
}

/// Logs in, with the resume token first when there is one; answers the role.
async fn login<A: FromSession>(
    c: &mut Client,
    p: &SessionParams,
    token: &mut Option<String>,
    actions: &mpsc::Sender<A>,
) -> Result<Role, End> {
    let mut tries: Vec<Option<String>> = Vec::new();
    if token.is_some() {
        tries.push(token.clone());
    }
    tries.push(None);
    let mut last = String::new();
    for resume in tries {
        let resumed = resume.is_some();
        let reply = c
            .call_reply(Command::Login {
                user: p.user.clone(),
                password: if resumed {
                    String::new()
                } else {
                    p.password.clone()
                },
                client: p.client,
                resume_token: resume,
            })
            .await?;
        match reply {
            Ok(ReplyBody::LoginOk {
                token: t,
                agent,
                role,
                server_time_ms,
                ..
            }) => {
                *token = Some(t.clone());
                let logged_in = LoggedIn {
                    agent,
                    role,
                    token: t,
                    server_time_ms,
                    resumed,
                };
                report(actions, SessionEvent::LoggedIn(logged_in)).await;
                return Ok(role);
            }
            Ok(other) => last = format!("unexpected reply {}", other.name()),
            Err(e) => last = e.message,
        }
    }
    Err(End::Refused(last))
}

/// Offers the WebRTC leg and waits for the answer; events arriving meanwhile are kept and
/// returned.
async fn media_leg(
    c: &mut Client,
    url: &str,
    m: &Media,
) -> Result<(WebRtcLeg, Vec<Event>), MediaError> {
    let (leg, offer) = WebRtcLeg::offer(media_ip(url)).await?;
    c.call(Command::WebRtc(proto::WebRtcSignal {
        kind: proto::SignalKind::Offer,
        payload: offer,
    }))
    .await?;
    let mut early = Vec::new();
    let answer = tokio::time::timeout(MEDIA_TIMEOUT, async {
        loop {
            match c.event().await? {
                Event::WebRtc(s) if s.kind == proto::SignalKind::Answer => {
                    return Ok::<_, ClientError>(s.payload);
                }
                other => early.push(other),
            }
        }
    })
    .await
    .map_err(|_| MediaError::NoAnswer)??;
    leg.accept_answer(&answer).await?;
    leg.connected(MEDIA_TIMEOUT).await?;
    let (tx, rx) = mpsc::channel(50);
    leg.attach(rx, m.speaker.clone());
    m.mic_route.send_replace(Some(tx));
    Ok((leg, early))
}

/// One connection: log-in, subscription, media leg, then [`pump`] until it ends.
async fn serve<A: FromSession>(
    p: &SessionParams,
    url: &str,
    token: &mut Option<String>,
    cmds: &mut mpsc::Receiver<Command>,
    actions: &mpsc::Sender<A>,
    logged_in: &mut bool,
) -> End {
    report(actions, SessionEvent::Connecting).await;
    let mut c = match Client::connect(url).await {
        Ok(c) => c,
        Err(e) => return e.into(),
    };
    let role = match login(&mut c, p, token, actions).await {
        Ok(role) => role,
        Err(end) => return end,
    };
    *logged_in = true;
    if !p.topics.is_empty() {
        let topics = p.topics.clone();
        match c.call_reply(Command::Subscribe { topics }).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                let failed = SessionEvent::CommandFailed {
                    command: "subscribe",
                    message: e.message,
                };
                report(actions, failed).await;
            }
            Err(e) => return e.into(),
        }
    }
    let mut leg = None;
    let media = p
        .media
        .as_ref()
        .filter(|_| !p.media_by_role || role.has_audio());
    if let Some(m) = media {
        match media_leg(&mut c, url, m).await {
            Ok((l, early)) => {
                leg = Some(l);
                report(actions, SessionEvent::MediaUp).await;
                for e in early {
                    report(actions, SessionEvent::Server(e)).await;
                }
            }
            Err(e) => {
                report(actions, SessionEvent::MediaFailed(error_chain(&e))).await;
            }
        }
    }
    for e in c.take_backlog() {
        report(actions, SessionEvent::Server(e)).await;
    }
    let end = pump(&mut c, cmds, actions).await;
    if let Some(m) = &p.media {
        m.mic_route.send_replace(None);
    }
    if let Some(l) = leg {
        l.close().await;
    }
    if matches!(end, End::Quit) {
        let _ = c.call(Command::Logout).await;
        c.close().await;
    }
    end
}

/// Forwards frames and commands until something ends the connection.
async fn pump<A: FromSession>(
    c: &mut Client,
    cmds: &mut mpsc::Receiver<Command>,
    actions: &mpsc::Sender<A>,
) -> End {
    let mut pending: HashMap<u64, &'static str> = HashMap::new();
    let mut ping = tokio::time::interval(PING_EVERY);
    let mut last_rx = Instant::now();
    // The server's reason when it ends the session (token expired or revoked, account
    // disabled): an `error` event just before it closes. Shown instead of "closed".
    let mut ended: Option<String> = None;
    loop {
        tokio::select! {
            frame = c.next_frame() => {
                last_rx = Instant::now();
                match frame {
                    Err(e) => return ended.map_or_else(|| e.into(), End::Lost),
                    Ok(ServerFrame::Reply { id, result, .. }) => {
                        if let (Some(command), Err(e)) = (pending.remove(&id), result.into_result()) {
                            let failed = SessionEvent::CommandFailed { command, message: e.message };
                            report(actions, failed).await;
                        }
                    }
                    Ok(ServerFrame::Event { event, .. }) => {
                        if let Event::Error(e) = &event
                            && e.code == proto::ErrorCode::Unauthorized
                        {
                            ended = Some(e.message.clone());
                        }
                        if !report(actions, SessionEvent::Server(event)).await {
                            return End::Quit;
                        }
                    }
                }
            }
            cmd = cmds.recv() => {
                let Some(cmd) = cmd else { return End::Quit };
                let command = cmd.name();
                match c.send(cmd).await {
                    Ok(id) => {
                        pending.insert(id, command);
                    }
                    Err(e) => return e.into(),
                }
            }
            _ = ping.tick() => {
                if last_rx.elapsed() > DEAD_AFTER {
                    return End::Lost("no answer from the server".into());
                }
                if let Err(e) = c.send(Command::Ping).await {
                    return e.into();
                }
            }
        }
    }
}
