//! One WebSocket per workstation: log-in, commands checked against the role, events pushed.

use std::net::SocketAddr;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use hotline_protocol::{
    self as proto, AgentInfo, ClientFrame, Command, ErrorBody, ErrorCode, Event, ReplyBody,
    ServerFrame,
};
use tracing::{debug, info};

use super::ApiDeps;
use crate::agents::{AgentAudio, Input, Outbox};
use crate::auth::AuthError;
use crate::store::UserRow;

mod audit;

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
    events: Outbox,
    online: bool,
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
        events: ev_tx,
        online: false,
    };
    let mut seq = 0u64;
    loop {
        let out: Vec<String> = tokio::select! {
            msg = stream.next() => match msg {
                Some(Ok(Message::Text(text))) => {
                    s.on_text(text.as_str()).await.iter().map(proto::encode).collect()
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Binary(_))) => continue,
                Some(Ok(Message::Close(_)) | Err(_)) | None => break,
            },
            Some(next) = ev_rx.next() => {
                seq += 1;
                vec![next.encode(seq)]
            }
        };
        for text in out {
            if sink.send(Message::Text(text.into())).await.is_err() {
                break;
            }
        }
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
            ..
        } = cmd
        {
            return vec![self.login(id, user, password, client).await];
        }
        let Some(user) = self.user.clone() else {
            return vec![err(id, ErrorCode::Unauthorized, "log in first")];
        };
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
        name: String,
        password: String,
        client: proto::ClientKind,
    ) -> ServerFrame {
        let auth = self.deps.auth.clone();
        let ip = self.addr.ip();
        let client_name = format!("{client:?}");
        // Argon2 takes tens of milliseconds on purpose: off the async workers.
        let result = tokio::task::spawn_blocking(move || {
            auth.login(
                &name,
                &password,
                ip,
                &client_name,
                jiff::Timestamp::now().as_millisecond(),
            )
        })
        .await;
        let session = match result {
            Ok(Ok(s)) => s,
            Ok(Err(AuthError::RateLimited { retry_after_secs })) => {
                return err(
                    id,
                    ErrorCode::RateLimited,
                    format!("too many failed log-ins; try again in {retry_after_secs} s"),
                );
            }
            Ok(Err(e)) => return err(id, ErrorCode::Unauthorized, e.to_string()),
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
            token: session.token,
            expires_at_ms: u64::try_from(session.expires_at_ms).unwrap_or(0),
            agent,
            role: user.role,
            server_time_ms: now_ms(),
        };
        self.user = Some(user);
        ServerFrame::ok(id, reply)
    }

    /// The agent's audio leg: answer their WebRTC offer and lend the leg to the distributor.
    async fn media(&mut self, id: u64, user: &UserRow, offer: &str) -> Vec<ServerFrame> {
        match self.deps.hub.accept_offer(offer).await {
            Ok((answer, leg)) => {
                let crate::media::webrtc::AgentLeg {
                    from_agent,
                    to_agent,
                    ..
                } = leg;
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
