//! The session task: logs in as the supervisor workstation, subscribes, sets up the listening
//! leg (supervisors and admins only: directors get no audio), forwards events as actions and
//! commands to the server, and reconnects by itself with the resume token.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use hotline_protocol::{self as proto, Command, Event, ReplyBody, Role, ServerFrame};
use hotline_softphone::{Frame, WebRtcLeg};
use tokio::sync::{mpsc, watch};

use crate::app::Action;
use crate::net::{Client, media_ip, ws_url};

/// Where the microphone goes: the forwarder sends mic frames to the current leg.
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

const PING_EVERY: Duration = Duration::from_secs(15);
const DEAD_AFTER: Duration = Duration::from_secs(45);

enum End {
    Quit,
    Refused(String),
    Lost(String),
}

/// Copies microphone frames to the current leg (dropped while there is none).
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

/// Runs until the command channel closes (the UI quits) or the session is refused.
pub async fn run(p: Params, mut cmds: mpsc::Receiver<Command>, actions: mpsc::Sender<Action>) {
    let url = ws_url(&p.server);
    let mut token: Option<String> = None;
    let mut attempt = 0u32;
    loop {
        let end = serve(&p, &url, &mut token, &mut cmds, &actions).await;
        match end {
            End::Quit => return,
            End::Refused(msg) => {
                let a = if token.is_some() {
                    Action::SessionEnded(msg)
                } else {
                    Action::LoginFailed(msg)
                };
                let _ = actions.send(a).await;
                return;
            }
            End::Lost(msg) if token.is_none() => {
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

/// Logs in (with the resume token first when there is one); answers the role.
async fn login(
    c: &mut Client,
    p: &Params,
    token: &mut Option<String>,
    actions: &mpsc::Sender<Action>,
) -> Result<Role, End> {
    let mut tries = Vec::new();
    if token.is_some() {
        tries.push(token.clone());
    }
    tries.push(None);
    let mut last = String::new();
    for resume in tries {
        let resumed = resume.is_some();
        let reply = c
            .call(Command::Login {
                user: p.user.clone(),
                password: if resumed {
                    String::new()
                } else {
                    p.password.clone()
                },
                client: proto::ClientKind::SupervisorTui,
                resume_token: resume,
            })
            .await
            .map_err(|e| End::Lost(format!("{e:#}")))?;
        match reply {
            Ok(ReplyBody::LoginOk {
                token: t,
                agent,
                role,
                server_time_ms,
                ..
            }) => {
                *token = Some(t.clone());
                let _ = actions
                    .send(Action::LoggedIn {
                        agent,
                        role,
                        token: t,
                        server_time_ms,
                    })
                    .await;
                return Ok(role);
            }
            Ok(other) => last = format!("unexpected reply {}", other.name()),
            Err(e) => last = e.message,
        }
    }
    Err(End::Refused(last))
}

/// Offers the WebRTC leg and waits for the answer; events arriving meanwhile are kept.
async fn media_leg(
    c: &mut Client,
    url: &str,
    m: &Media,
) -> anyhow::Result<(WebRtcLeg, Vec<Event>)> {
    let (leg, offer) = WebRtcLeg::offer(media_ip(url)).await?;
    let sent = c
        .call(Command::WebRtc(proto::WebRtcSignal {
            kind: proto::SignalKind::Offer,
            payload: offer,
        }))
        .await?;
    if let Err(e) = sent {
        anyhow::bail!("webrtc: {}", e.message);
    }
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
) -> End {
    let _ = actions.send(Action::Connecting).await;
    let mut c = match Client::connect(url).await {
        Ok(c) => c,
        Err(e) => return End::Lost(format!("{e:#}")),
    };
    let role = match login(&mut c, p, token, actions).await {
        Ok(r) => r,
        Err(end) => return end,
    };
    let mut leg = None;
    if let Some(m) = p.media.as_ref().filter(|_| role.has_audio()) {
        match media_leg(&mut c, url, m).await {
            Ok((l, early)) => {
                leg = Some(l);
                let _ = actions.send(Action::Audio(None)).await;
                for e in early {
                    let _ = actions.send(Action::Server(e)).await;
                }
            }
            Err(e) => {
                let _ = actions.send(Action::Audio(Some(format!("{e:#}")))).await;
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
    let mut pending: HashMap<u64, &'static str> = HashMap::default();
    let mut ping = tokio::time::interval(PING_EVERY);
    let mut last_rx = tokio::time::Instant::now();
    loop {
        tokio::select! {
            frame = c.next_frame() => {
                last_rx = tokio::time::Instant::now();
                match frame {
                    Err(e) => return End::Lost(format!("{e:#}")),
                    Ok(ServerFrame::Reply { id, result, .. }) => {
                        if let (Some(command), Err(e)) = (pending.remove(&id), result.into_result()) {
                            let failed = Action::CommandFailed { command, message: e.message };
                            let _ = actions.send(failed).await;
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
                let name = cmd.name();
                match c.send(cmd).await {
                    Ok(id) => { pending.insert(id, name); }
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
