//! The interactive workstation's session task: logs in, sets up the media leg, forwards
//! events as actions and commands to the server, and reconnects by itself — first with the
//! resume token from `login_ok` (the server keeps the seat for a grace period), then with the
//! password.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hotline_protocol::{self as proto, Command, Event, ReplyBody, ServerFrame};
use hotline_softphone::{Frame, WebRtcLeg};
use tokio::sync::{mpsc, watch};

use crate::app::Action;
use crate::net::{Client, media_ip, ws_url};

/// Where the microphone goes: the forwarder task sends mic frames to the current leg.
pub type MicRoute = Arc<watch::Sender<Option<mpsc::Sender<Frame>>>>;

/// The audio side handed to the session.
#[derive(Clone)]
pub struct Media {
    pub mic_route: MicRoute,
    pub speaker: mpsc::Sender<Frame>,
}

pub struct Params {
    pub server: String,
    pub user: String,
    pub password: String,
    pub media: Option<Media>,
}

/// A silent connection this long is treated as dead.
const DEAD_AFTER: Duration = Duration::from_secs(45);
const PING_EVERY: Duration = Duration::from_secs(15);

enum End {
    /// The UI is gone or logged out.
    Quit,
    /// The server refused the log-in.
    Refused(String),
    /// The connection failed.
    Lost(String),
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

/// Runs until the command channel closes (the UI quits) or the session cannot be regained.
pub async fn run(p: Params, mut cmds: mpsc::Receiver<Command>, actions: mpsc::Sender<Action>) {
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
                let a = if online_before {
                    Action::SessionEnded(msg)
                } else {
                    Action::LoginFailed(msg)
                };
                let _ = actions.send(a).await;
                return;
            }
            End::Lost(msg) if !online_before => {
                let _ = actions.send(Action::LoginFailed(msg)).await;
                return;
            }
            End::Lost(msg) => {
                if attempt == 0 {
                    let _ = actions.send(Action::ConnectionLost(msg)).await;
                }
            }
        }
        attempt += 1;
        let _ = actions.send(Action::Reconnecting { attempt }).await;
        let wait = Duration::from_secs(u64::from(attempt.min(5)) * 2);
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            cmd = cmds.recv() => if cmd.is_none() { return },
        }
    }
}

async fn login(
    c: &mut Client,
    p: &Params,
    token: &mut Option<String>,
    actions: &mpsc::Sender<Action>,
) -> Result<(), End> {
    let lost = |e: anyhow::Error| End::Lost(format!("{e:#}"));
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
                client: proto::ClientKind::AgentTui,
                resume_token: resume,
            })
            .await
            .map_err(lost)?;
        match reply {
            Ok(ReplyBody::LoginOk {
                token: t,
                agent,
                server_time_ms,
                ..
            }) => {
                *token = Some(t.clone());
                let _ = actions
                    .send(Action::LoggedIn {
                        agent,
                        token: t,
                        server_time_ms,
                        resumed,
                    })
                    .await;
                return Ok(());
            }
            Ok(other) => last = format!("unexpected reply {}", other.name()),
            Err(e) => last = e.message,
        }
    }
    Err(End::Refused(last))
}

async fn media_leg(
    c: &mut Client,
    url: &str,
    m: &Media,
) -> anyhow::Result<(WebRtcLeg, Vec<Event>)> {
    let (leg, offer) = WebRtcLeg::offer(media_ip(url)).await?;
    c.call(Command::WebRtc(proto::WebRtcSignal {
        kind: proto::SignalKind::Offer,
        payload: offer,
    }))
    .await?;
    let mut early = Vec::new();
    let answer = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match c.event().await? {
                Event::WebRtc(s) if s.kind == proto::SignalKind::Answer => {
                    return anyhow::Ok(s.payload);
                }
                other => early.push(other),
            }
        }
    })
    .await??;
    leg.accept_answer(&answer).await?;
    leg.connected(Duration::from_secs(10)).await?;
    let (tx, rx) = mpsc::channel(50);
    leg.attach(rx, m.speaker.clone());
    m.mic_route.send_replace(Some(tx));
    Ok((leg, early))
}

async fn serve(
    p: &Params,
    url: &str,
    token: &mut Option<String>,
    cmds: &mut mpsc::Receiver<Command>,
    actions: &mpsc::Sender<Action>,
    logged_in: &mut bool,
) -> End {
    let _ = actions.send(Action::Connecting).await;
    let mut c = match Client::connect(url).await {
        Ok(c) => c,
        Err(e) => return End::Lost(format!("{e:#}")),
    };
    if let Err(end) = login(&mut c, p, token, actions).await {
        return end;
    }
    *logged_in = true;
    // Queue figures for the status bar and pick-up list; the agent's own calls. Subscribing
    // also resends the current snapshots, which a reconnect needs.
    let topics = vec![proto::Topic::Queues, proto::Topic::MyCalls];
    match c.call_reply(Command::Subscribe { topics }).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => {
            let _ = actions
                .send(Action::CommandFailed {
                    command: "subscribe",
                    message: e.message,
                })
                .await;
        }
        Err(e) => return End::Lost(format!("{e:#}")),
    }
    let mut leg = None;
    if let Some(m) = &p.media {
        match media_leg(&mut c, url, m).await {
            Ok((l, early)) => {
                leg = Some(l);
                for e in early {
                    let _ = actions.send(Action::Server(e)).await;
                }
            }
            Err(e) => {
                let _ = actions.send(Action::AudioProblem(format!("{e:#}"))).await;
            }
        }
    }
    for e in c.take_backlog() {
        let _ = actions.send(Action::Server(e)).await;
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
async fn pump(
    c: &mut Client,
    cmds: &mut mpsc::Receiver<Command>,
    actions: &mpsc::Sender<Action>,
) -> End {
    let mut pending: HashMap<u64, &'static str> = HashMap::new();
    let mut ping = tokio::time::interval(PING_EVERY);
    let mut last_rx = Instant::now();
    loop {
        tokio::select! {
            frame = c.next_frame() => {
                last_rx = Instant::now();
                match frame {
                    Err(e) => return End::Lost(format!("{e:#}")),
                    Ok(ServerFrame::Reply { id, result, .. }) => {
                        if let (Some(command), Err(e)) = (pending.remove(&id), result.into_result()) {
                            let _ = actions.send(Action::CommandFailed { command, message: e.message }).await;
                        }
                    }
                    Ok(ServerFrame::Event { event, .. }) => {
                        if actions.send(Action::Server(event)).await.is_err() {
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
                    Err(e) => return End::Lost(format!("{e:#}")),
                }
            }
            _ = ping.tick() => {
                if last_rx.elapsed() > DEAD_AFTER {
                    return End::Lost("no answer from the server".into());
                }
                if let Err(e) = c.send(Command::Ping).await {
                    return End::Lost(format!("{e:#}"));
                }
            }
        }
    }
}
