//! The headless agent: a real workstation session (WebSocket + WebRTC leg) driven by flags.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail};
use futures_util::{SinkExt, StreamExt};
use hotline_protocol::{
    self as proto, ClientFrame, Command, Event, PROTOCOL_VERSION, ReplyBody, ReplyResult,
    ServerFrame,
};
use hotline_softphone::{BackendKind, WebRtcLeg};
use tokio_tungstenite::tungstenite::Message;

use crate::Args;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

struct Client {
    ws: Ws,
    next_id: u64,
    /// Events that arrived while waiting for a reply, handled next.
    backlog: std::collections::VecDeque<Event>,
}

impl Client {
    async fn send(&mut self, cmd: Command) -> anyhow::Result<u64> {
        self.next_id += 1;
        let frame = ClientFrame {
            v: PROTOCOL_VERSION,
            id: self.next_id,
            cmd,
        };
        self.ws
            .send(Message::Text(proto::encode_client(&frame).into()))
            .await?;
        Ok(self.next_id)
    }

    async fn next_frame(&mut self) -> anyhow::Result<ServerFrame> {
        loop {
            let msg = self
                .ws
                .next()
                .await
                .ok_or_else(|| anyhow!("server closed the connection"))??;
            if let Message::Text(t) = msg {
                return Ok(proto::decode_server(t.as_str())?);
            }
        }
    }

    /// Sends a command and waits for its reply, keeping events that arrive meanwhile.
    async fn call(&mut self, cmd: Command) -> anyhow::Result<ReplyBody> {
        let name = cmd.name();
        let id = self.send(cmd).await?;
        loop {
            match self.next_frame().await? {
                ServerFrame::Reply {
                    id: rid, result, ..
                } if rid == id => {
                    return match result {
                        ReplyResult::Ok(body) => Ok(body),
                        ReplyResult::Err(e) => Err(anyhow!("{name}: {:?}: {}", e.code, e.message)),
                    };
                }
                ServerFrame::Reply { .. } => {}
                ServerFrame::Event { event, .. } => self.backlog.push_back(event),
            }
        }
    }

    async fn event(&mut self) -> anyhow::Result<Event> {
        if let Some(e) = self.backlog.pop_front() {
            return Ok(e);
        }
        loop {
            if let ServerFrame::Event { event, .. } = self.next_frame().await? {
                return Ok(event);
            }
        }
    }
}

fn ws_url(server: &str) -> String {
    let s = server.trim_end_matches('/');
    let s = s
        .replacen("http://", "ws://", 1)
        .replacen("https://", "wss://", 1);
    if s.ends_with("/ws") {
        s
    } else {
        format!("{s}/ws")
    }
}

/// The address to offer media from: the one the server is reached at, when it is a literal.
fn media_ip(url: &str) -> IpAddr {
    url.split("//")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|hostport| {
            hostport
                .rsplit_once(':')
                .map_or(Some(hostport), |(h, _)| Some(h))
        })
        .and_then(|h| h.trim_matches(['[', ']']).parse().ok())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]))
}

/// Runs the headless agent until `args.calls` calls are done.
pub async fn run(args: &Args) -> anyhow::Result<()> {
    let user = args.user.clone().context("--user is required")?;
    let password = args.password.clone().context("--password is required")?;
    let url = ws_url(&args.server);
    let (ws, _) = tokio_tungstenite::connect_async(&url)
        .await
        .with_context(|| format!("connecting to {url}"))?;
    let mut c = Client {
        ws,
        next_id: 0,
        backlog: std::collections::VecDeque::default(),
    };
    let login = c
        .call(Command::Login {
            user: user.clone(),
            password,
            client: proto::ClientKind::Headless,
            resume_token: None,
        })
        .await?;
    let ReplyBody::LoginOk { agent, .. } = login else {
        bail!("unexpected reply to login")
    };

    // The media leg is set up once and stays up; calls only switch where its audio goes.
    let audio = hotline_softphone::start_backend(&BackendKind::File {
        play: args.play.clone(),
        record: args.record.clone(),
        loop_play: true,
    })?;
    let hotline_softphone::AudioIo {
        mic,
        speaker,
        handle,
        ..
    } = audio;
    let (leg, offer) = WebRtcLeg::offer(media_ip(&url)).await?;
    c.call(Command::WebRtc(proto::WebRtcSignal {
        kind: proto::SignalKind::Offer,
        payload: offer,
    }))
    .await?;
    let answer = loop {
        if let Event::WebRtc(s) = c.event().await?
            && s.kind == proto::SignalKind::Answer
        {
            break s.payload;
        }
    };
    leg.accept_answer(&answer).await?;
    leg.connected(Duration::from_secs(10)).await?;
    leg.attach(mic, speaker);
    c.call(Command::SetReady).await?;
    eprintln!("agent {} ({}) ready", agent.id.0, agent.work_number);

    let mut done = 0u32;
    let mut offered_at: Option<(proto::CallId, Instant)> = None;
    let mut connected_at: Option<Instant> = None;
    let mut hangup_at: Option<Instant> = None;
    let mut hold_at: Option<Instant> = None;
    let mut resume_at: Option<Instant> = None;
    let mut current: Option<proto::CallId> = None;
    loop {
        let wait = [
            offered_at
                .as_ref()
                .map(|(_, t)| *t + Duration::from_secs_f64(args.answer_after)),
            hangup_at,
            hold_at,
            resume_at,
        ]
        .into_iter()
        .flatten()
        .min();
        let event = match wait {
            Some(at) => match tokio::time::timeout_at(at.into(), c.event()).await {
                Ok(e) => Some(e?),
                Err(_) => None,
            },
            None => Some(c.event().await?),
        };
        let Some(event) = event else {
            // A timer fired: answer the offer, or hang up the call.
            if let Some((call_id, t)) = offered_at.take() {
                if t.elapsed() >= Duration::from_secs_f64(args.answer_after) {
                    c.send(Command::Answer { call_id }).await?;
                } else {
                    offered_at = Some((call_id, t));
                }
            } else if hangup_at.is_some_and(|h| Instant::now() >= h) {
                hangup_at = None;
                if let Some(id) = current.clone() {
                    c.send(Command::Hangup { call_id: id }).await?;
                }
            } else if hold_at.is_some_and(|h| Instant::now() >= h) {
                hold_at = None;
                c.send(Command::Hold).await?;
                resume_at = Some(Instant::now() + Duration::from_secs_f64(args.hold_for));
            } else if resume_at.is_some_and(|h| Instant::now() >= h) {
                resume_at = None;
                c.send(Command::Resume).await?;
            }
            continue;
        };
        match event {
            Event::CallOffered {
                call_id,
                queue,
                screen_pop,
                ..
            } => {
                eprintln!(
                    "offered {} from {} in {queue}",
                    call_id.0, screen_pop.caller.number
                );
                offered_at = Some((call_id, Instant::now()));
            }
            Event::CallState {
                call_id,
                state: proto::CallState::Connected,
                ..
            } if current.as_ref() != Some(&call_id) => {
                // A new call (resume and unmute report `connected` again for the same call).
                connected_at = Some(Instant::now());
                current = Some(call_id);
                if args.hangup_after > 0.0 {
                    hangup_at = Some(Instant::now() + Duration::from_secs_f64(args.hangup_after));
                }
                if args.hold_after > 0.0 {
                    hold_at = Some(Instant::now() + Duration::from_secs_f64(args.hold_after));
                }
            }
            Event::CallState {
                call_id,
                state: proto::CallState::Ended { cause },
                ..
            } => {
                let talked = connected_at
                    .take()
                    .map_or(0.0, |t| t.elapsed().as_secs_f64());
                hangup_at = None;
                hold_at = None;
                resume_at = None;
                offered_at = None;
                current = None;
                if talked > 0.0 {
                    done += 1;
                    println!("call {} talked={talked:.1}s ended={cause:?}", call_id.0);
                    if args.calls > 0 && done >= args.calls {
                        break;
                    }
                    let _ = c.call(Command::EndWrapUp).await;
                }
            }
            Event::AgentState {
                state: proto::AgentState::NotReady { reason },
                ..
            } if reason.code == "missed" => {
                // A missed offer sets the seat not-ready; a headless agent goes straight back.
                let _ = c.call(Command::SetReady).await;
            }
            _ => {}
        }
    }
    let _ = c.call(Command::Logout).await;
    leg.close().await;
    handle.finish().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(ws_url("http://127.0.0.1:8080"), "ws://127.0.0.1:8080/ws");
        assert_eq!(ws_url("ws://127.0.0.1:8080/ws"), "ws://127.0.0.1:8080/ws");
        assert_eq!(
            media_ip("ws://10.1.2.3:8080/ws"),
            IpAddr::from([10, 1, 2, 3])
        );
        assert_eq!(
            media_ip("ws://localhost:8080/ws"),
            IpAddr::from([127, 0, 0, 1])
        );
    }
}
