//! One WebSocket per workstation: log-in, commands checked against the role, events pushed.

use std::net::SocketAddr;
use std::time::Instant;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::response::Response;
use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use hotline_protocol::{
    self as proto, AgentInfo, ClientFrame, Command, ErrorBody, ErrorCode, Event, ReplyBody,
    ServerFrame,
};
use tokio::time::MissedTickBehavior;
use tracing::{debug, info};

use super::ApiDeps;
use crate::agents::{AgentAudio, Input, Outbox};
use crate::store::UserRow;
use heartbeat::{DEAD_AFTER, Heartbeat};

mod audio_watch;
mod audit;
mod heartbeat;
mod login;
mod validity;

pub async fn upgrade(
    ws: WebSocketUpgrade,
    State(deps): State<ApiDeps>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
) -> Response {
    ws.read_buffer_size(READ_BUFFER)
        .on_upgrade(move |socket| session(socket, deps, addr))
}

/// Bytes read from a workstation's socket at a time. A command is a few hundred bytes; a
/// larger frame still arrives whole (the buffer grows to it). Small on purpose: every read
/// attempt zero-fills this much first, and a session tries one after every event it sends,
/// which at the library's default of 128 KiB was a tenth of a busy server's time.
const READ_BUFFER: usize = 4 * 1024;

/// Events a session may have queued toward its workstation: a 500-seat floor's picture at
/// subscription (550 events) with room to spare. Not more: a workstation that reads slowly
/// holds this many events in server memory, and a queue snapshot with its waiting callers can
/// be tens of kilobytes.
const SESSION_EVENTS: usize = 1_024;

struct Session {
    deps: ApiDeps,
    addr: SocketAddr,
    user: Option<UserRow>,
    /// The session token of the log-in, checked on every command and on a timer.
    token: Option<String>,
    /// Set when a command found the token no longer holds: the session ends after the reply.
    ended: Option<ErrorBody>,
    /// Logged in as a client the heartbeat applies to (see [`heartbeat::wanted`]).
    heartbeat: bool,
    events: Outbox,
    online: bool,
    /// The watch on this session's audio leg, if it set one up.
    audio_watch: Option<audio_watch::AudioWatch>,
}

/// Why a session's loop ended.
enum End {
    /// The socket closed or failed, or the client went silent (the heartbeat): the seat is
    /// disconnected and may come back within the ACD's grace period.
    Gone,
    /// The token no longer holds: the workstation is told why and logged out at once.
    Ended(ErrorBody),
}

type Sink = SplitSink<WebSocket, Message>;

/// Sends one frame, or fails when the client has not taken it within [`DEAD_AFTER`]: a
/// client that reads nothing for that long is as gone as one that answers no ping (and a
/// frozen client must not hold its session task in a full socket buffer).
async fn send(sink: &mut Sink, msg: Message) -> bool {
    matches!(
        tokio::time::timeout(DEAD_AFTER, sink.send(msg)).await,
        Ok(Ok(()))
    )
}

async fn session(socket: WebSocket, deps: ApiDeps, addr: SocketAddr) {
    let (mut sink, mut stream) = socket.split();
    // Bounded: a workstation that stops reading loses events (and sees a gap in `seq`), it
    // never makes the distributor wait. The channel allocates as it fills; queue snapshots
    // wait beside it, the latest of each queue only.
    let (ev_tx, mut ev_rx) = crate::agents::outbox(SESSION_EVENTS);
    let mut s = Session {
        deps,
        addr,
        user: None,
        token: None,
        ended: None,
        heartbeat: false,
        events: ev_tx,
        online: false,
        audio_watch: None,
    };
    let mut seq = 0u64;
    let mut heartbeat: Option<Heartbeat> = None;
    let mut ping = tokio::time::interval(heartbeat::PING_EVERY);
    ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let first_check = tokio::time::Instant::now() + validity::CHECK_EVERY;
    let mut check = tokio::time::interval_at(first_check, validity::CHECK_EVERY);
    check.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let end = 'session: loop {
        // Biased, client first: after a slow command, the frames the client sent meanwhile
        // (pongs among them) are heard before the heartbeat judges its silence.
        let out: Vec<Message> = tokio::select! {
            biased;
            msg = stream.next() => {
                if let Some(hb) = &mut heartbeat {
                    hb.heard(Instant::now());
                }
                match msg {
                    Some(Ok(Message::Text(text))) => s
                        .on_text(text.as_str())
                        .await
                        .iter()
                        .map(|f| Message::Text(proto::encode(f).into()))
                        .collect(),
                    Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Binary(_))) => continue,
                    Some(Ok(Message::Close(_)) | Err(_)) | None => break End::Gone,
                }
            }
            Some(next) = ev_rx.next() => {
                seq += 1;
                vec![Message::Text(next.encode(seq).into())]
            }
            () = sleep_until_some(heartbeat.as_ref().and_then(Heartbeat::dead_at)) => {
                info!(%addr, "workstation silent: taken as gone");
                break End::Gone;
            }
            _ = ping.tick(), if heartbeat.is_some() => {
                if let Some(hb) = &mut heartbeat {
                    hb.pinged(Instant::now());
                }
                vec![Message::Ping(axum::body::Bytes::new())]
            }
            _ = check.tick(), if s.token.is_some() => {
                if let Err(why) = s.still_valid(false).await {
                    break End::Ended(why);
                }
                continue;
            }
        };
        for msg in out {
            if !send(&mut sink, msg).await {
                break 'session End::Gone;
            }
        }
        if let Some(why) = s.ended.take() {
            break End::Ended(why);
        }
        if s.heartbeat && heartbeat.is_none() {
            heartbeat = Some(Heartbeat::new(Instant::now()));
        }
    };
    if let End::Ended(why) = end {
        s.end_session(&mut sink, seq + 1, why).await;
    }
    if let Some(user) = &s.user {
        info!(user = %user.name, "workstation disconnected");
        if s.online {
            s.deps.distributor.send(Input::AgentOffline {
                agent: user.name.clone(),
            });
        }
    }
}

/// Sleeps until `at`; forever without one.
async fn sleep_until_some(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

fn err(id: u64, code: ErrorCode, message: impl Into<String>) -> ServerFrame {
    ServerFrame::err(id, ErrorBody::new(code, message.into()))
}

impl Session {
    async fn on_text(&mut self, text: &str) -> Vec<ServerFrame> {
        let frame = match proto::decode_client(text) {
            Ok(f) => f,
            Err(e) => return vec![e.reply()],
        };
        let ClientFrame { id, cmd, .. } = frame;
        debug!(cmd = cmd.name(), "ws command");
        if let Command::Login {
            user,
            password,
            client,
            resume_token,
        } = cmd
        {
            let credentials = login::Credentials {
                name: user,
                password,
                resume_token,
            };
            return vec![self.login(id, credentials, client).await];
        }
        let Some(user) = self.user.clone() else {
            return vec![err(id, ErrorCode::Unauthorized, "log in first")];
        };
        // A command is a use of the session: it slides the token's expiry, or ends the
        // session when the token no longer holds.
        if let Err(why) = self.still_valid(true).await {
            let reply = err(id, why.code, why.message.clone());
            self.ended = Some(why);
            return vec![reply];
        }
        if !user.role.may(&cmd) {
            return vec![err(
                id,
                ErrorCode::Forbidden,
                format!("a {:?} may not {}", user.role, cmd.name()),
            )];
        }
        match cmd {
            Command::Ping => vec![ServerFrame::ok(
                id,
                ReplyBody::Pong {
                    server_time_ms: now_ms(),
                },
            )],
            Command::WebRtc(signal) if signal.kind == proto::SignalKind::Offer => {
                self.media(id, &user, &signal.payload).await
            }
            Command::Dial {
                number,
                caller_id,
                ticket_id,
            } => {
                let ticket = ticket_id.map(|t| t.0);
                match self
                    .deps
                    .distributor
                    .dial(&user.name, &number, caller_id, ticket)
                    .await
                {
                    Ok(call_id) => vec![ServerFrame::ok(
                        id,
                        ReplyBody::Dialed {
                            call_id: proto::CallId(call_id),
                        },
                    )],
                    Err(e) => vec![err(id, ErrorCode::Conflict, e)],
                }
            }
            Command::CallerLookup { number } => {
                match crate::api::rest::screen_pop_for(&self.deps, number).await {
                    Ok(pop) => vec![ServerFrame::ok(id, ReplyBody::CallerInfo(pop))],
                    Err(e) => vec![err(id, ErrorCode::BadRequest, e.message)],
                }
            }
            Command::Logout => {
                let _ = self
                    .deps
                    .distributor
                    .command(&user.name, Command::Logout)
                    .await;
                self.online = false;
                self.user = None;
                self.token = None;
                vec![ServerFrame::ok(id, ReplyBody::Ack)]
            }
            other => {
                let audited = audit::wanted(&other).then(|| other.clone());
                let result = self.deps.distributor.command(&user.name, other).await;
                if let Some(cmd) = audited {
                    audit::record(&self.deps, &user, self.addr, &cmd, &result).await;
                }
                match result {
                    Ok(()) => vec![ServerFrame::ok(id, ReplyBody::Ack)],
                    Err(e) => vec![err(id, ErrorCode::Conflict, e)],
                }
            }
        }
    }

    async fn login(
        &mut self,
        id: u64,
        credentials: login::Credentials,
        client: proto::ClientKind,
    ) -> ServerFrame {
        let auth = self.deps.auth.clone();
        let ip = self.addr.ip();
        let client_name = format!("{client:?}");
        let wants_heartbeat = heartbeat::wanted(client);
        // Argon2 takes tens of milliseconds on purpose: off the async workers.
        let result = tokio::task::spawn_blocking(move || {
            let now = jiff::Timestamp::now().as_millisecond();
            login::log_in(&auth, &credentials, ip, &client_name, now)
        })
        .await;
        let session = match result {
            Ok(Ok(s)) => s,
            Ok(Err(refused)) => return ServerFrame::err(id, refused),
            Err(_) => return err(id, ErrorCode::Internal, "log-in failed"),
        };
        let user = session.user.clone();
        let agent = AgentInfo {
            id: proto::AgentId(user.name.clone()),
            name: user.display_name.clone(),
            work_number: user.work_number.clone(),
            skills: user
                .skills
                .iter()
                .map(|(skill, level)| proto::SkillLevel {
                    skill: skill.clone(),
                    level: *level,
                })
                .collect(),
            queues: Vec::new(),
        };
        if user.role == proto::Role::Agent {
            self.deps.distributor.send(Input::AgentOnline {
                agent: user.name.clone(),
                work_number: user.work_number.clone(),
                skills: user.skills.clone(),
                events: self.events.clone(),
            });
            self.online = true;
        } else if user.role != proto::Role::Department {
            // Supervisors, directors, admins: the live feed and supervision, no ACD calls.
            self.deps.distributor.send(Input::SupervisorOnline {
                name: user.name.clone(),
                events: self.events.clone(),
            });
            self.online = true;
        }
        info!(user = %user.name, role = ?user.role, "logged in");
        let reply = ReplyBody::LoginOk {
            token: session.token.clone(),
            expires_at_ms: u64::try_from(session.expires_at_ms).unwrap_or(0),
            agent,
            role: user.role,
            server_time_ms: now_ms(),
        };
        self.user = Some(user);
        self.token = Some(session.token);
        self.heartbeat |= wants_heartbeat;
        ServerFrame::ok(id, reply)
    }

    /// Whether the session's token still holds (see [`validity::check`]); true without one.
    async fn still_valid(&self, touch: bool) -> Result<(), ErrorBody> {
        match (&self.user, &self.token) {
            (Some(user), Some(token)) => {
                validity::check(&self.deps, &user.name, token, touch).await
            }
            _ => Ok(()),
        }
    }

    /// The token no longer holds: tell the workstation why (an `error` event, then the close
    /// frame's reason) and log the seat out of the ACD now. Reconnecting cannot take this
    /// session back, so no grace period is kept for it.
    async fn end_session(&mut self, sink: &mut Sink, seq: u64, why: ErrorBody) {
        if let Some(user) = &self.user {
            info!(user = %user.name, reason = %why.message, "session ended by the server");
            if self.online {
                let _ = self
                    .deps
                    .distributor
                    .command(&user.name, Command::Logout)
                    .await;
            }
        }
        let event = proto::encode(&ServerFrame::event(seq, Event::Error(why.clone())));
        if send(sink, Message::Text(event.into())).await {
            let close = CloseFrame {
                code: validity::CLOSE_SESSION_ENDED,
                reason: why.message.into(),
            };
            let _ = send(sink, Message::Close(Some(close))).await;
        }
    }

    /// The agent's audio leg: answer their WebRTC offer and lend the leg to the distributor.
    async fn media(&mut self, id: u64, user: &UserRow, offer: &str) -> Vec<ServerFrame> {
        match self.deps.hub.accept_offer(offer).await {
            Ok((answer, leg)) => {
                let crate::media::webrtc::AgentLeg {
                    from_agent,
                    to_agent,
                    state,
                    ..
                } = leg;
                // Replaces (and stops) the watch on an earlier leg of this session.
                self.audio_watch = Some(audio_watch::AudioWatch::start(
                    user.name.clone(),
                    state,
                    self.deps.distributor.clone(),
                ));
                self.deps.distributor.send(Input::AgentMedia {
                    agent: user.name.clone(),
                    audio: AgentAudio {
                        from_agent,
                        to_agent,
                    },
                });
                let _ = self.events.try_send(Event::WebRtc(proto::WebRtcSignal {
                    kind: proto::SignalKind::Answer,
                    payload: answer,
                }));
                vec![ServerFrame::ok(id, ReplyBody::Ack)]
            }
            Err(e) => vec![err(id, ErrorCode::BadRequest, format!("media: {e}"))],
        }
    }
}

fn now_ms() -> u64 {
    u64::try_from(jiff::Timestamp::now().as_millisecond()).unwrap_or_default()
}
