//! The WebSocket client of the client protocol: one connection, request ids, replies matched
//! to requests, events that arrive meanwhile kept in order.

use std::collections::VecDeque;
use std::net::IpAddr;

use anyhow::{Context as _, anyhow};
use futures_util::{SinkExt, StreamExt};
use hotline_protocol::{
    self as proto, ClientFrame, Command, ErrorBody, Event, PROTOCOL_VERSION, ReplyBody,
    ReplyResult, ServerFrame,
};
use tokio_tungstenite::tungstenite::Message;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub struct Client {
    ws: Ws,
    next_id: u64,
    backlog: VecDeque<Event>,
}

impl Client {
    pub async fn connect(url: &str) -> anyhow::Result<Client> {
        let (ws, _) = tokio_tungstenite::connect_async(url)
            .await
            .with_context(|| format!("connecting to {url}"))?;
        Ok(Client {
            ws,
            next_id: 0,
            backlog: VecDeque::new(),
        })
    }

    /// Sends without waiting; answers the request id.
    pub async fn send(&mut self, cmd: Command) -> anyhow::Result<u64> {
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

    /// The next frame. Cancel-safe: a frame is never half-read.
    pub async fn next_frame(&mut self) -> anyhow::Result<ServerFrame> {
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

    /// Sends and waits for the reply; the outer error is the transport, the inner the server.
    pub async fn call(&mut self, cmd: Command) -> anyhow::Result<Result<ReplyBody, ErrorBody>> {
        let id = self.send(cmd).await?;
        loop {
            match self.next_frame().await? {
                ServerFrame::Reply {
                    id: rid, result, ..
                } if rid == id => {
                    return Ok(match result {
                        ReplyResult::Ok(b) => Ok(b),
                        ReplyResult::Err(e) => Err(e),
                    });
                }
                ServerFrame::Reply { .. } => {}
                ServerFrame::Event { event, .. } => self.backlog.push_back(event),
            }
        }
    }

    /// The next event, kept ones first.
    pub async fn event(&mut self) -> anyhow::Result<Event> {
        if let Some(e) = self.backlog.pop_front() {
            return Ok(e);
        }
        loop {
            if let ServerFrame::Event { event, .. } = self.next_frame().await? {
                return Ok(event);
            }
        }
    }

    pub fn take_backlog(&mut self) -> Vec<Event> {
        self.backlog.drain(..).collect()
    }

    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}

/// `ws://host:port/ws` for a server given as `http://host:port`, `host:port`, …
pub fn ws_url(server: &str) -> String {
    let s = server.trim().trim_end_matches('/');
    let s = s
        .replacen("http://", "ws://", 1)
        .replacen("https://", "wss://", 1);
    let s = if s.contains("://") {
        s
    } else {
        format!("ws://{s}")
    };
    if s.ends_with("/ws") {
        s
    } else {
        format!("{s}/ws")
    }
}

/// `http://host:port/api/v1` of the same server.
pub fn api_base(server: &str) -> String {
    let ws = ws_url(server);
    let base = ws
        .trim_end_matches("/ws")
        .replacen("wss://", "https://", 1)
        .replacen("ws://", "http://", 1);
    format!("{base}/api/v1")
}

/// The address media is offered from: the server's, when it is a literal.
pub fn media_ip(url: &str) -> IpAddr {
    url.split("//")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .map(|hp| hp.rsplit_once(':').map_or(hp, |(h, _)| h))
        .and_then(|h| h.trim_matches(['[', ']']).parse().ok())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(ws_url("http://10.0.0.1:8080"), "ws://10.0.0.1:8080/ws");
        assert_eq!(ws_url("h:1"), "ws://h:1/ws");
        assert_eq!(api_base("ws://h:1/ws"), "http://h:1/api/v1");
        assert_eq!(
            media_ip("ws://10.0.0.1:8080/ws"),
            IpAddr::from([10, 0, 0, 1])
        );
    }
}
