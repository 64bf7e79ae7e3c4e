//! The WebSocket client of the client protocol: one connection, request ids, replies matched
//! to their requests, and events that arrive while waiting for a reply kept in order (the
//! backlog).

use std::collections::VecDeque;

use hotline_protocol::{
    self as proto, ClientFrame, Command, ErrorBody, Event, PROTOCOL_VERSION, ReplyBody,
    ReplyResult, ServerFrame,
};
use tokio_tungstenite::Connector;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Message};

use crate::client::{ClientError, Trust, host, tls};
use reader::Reading;

mod reader;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Bytes read from the socket at a time. Every read attempt zero-fills this much first (the
/// library's default is 128 KiB); a queue snapshot larger than this still arrives whole.
const READ_BUFFER: usize = 16 * 1024;

/// One connection to the server.
pub struct Client {
    ws: Reading,
    next_id: u64,
    /// Events that arrived while waiting for a reply, handled next.
    backlog: VecDeque<Event>,
}

impl Client {
    /// Connects to `url` (a `ws://…/ws` or `wss://…/ws` address, see
    /// [`ws_url`](crate::client::ws_url)); `wss://` trusts what the process does
    /// ([`tls::trust`]).
    pub async fn connect(url: &str) -> Result<Client, ClientError> {
        Client::connect_with(url, &tls::trust()?).await
    }

    /// Like [`connect`](Self::connect), trusting `trust` on `wss://`.
    pub async fn connect_with(url: &str, trust: &Trust) -> Result<Client, ClientError> {
        let config = WebSocketConfig::default().read_buffer_size(READ_BUFFER);
        // Always ours: left to itself the library would build a config without the CA file.
        let connector = Connector::Rustls(trust.client_config());
        let (ws, _) = tokio_tungstenite::connect_async_tls_with_config(
            url,
            Some(config),
            false,
            Some(connector),
        )
        .await
        .map_err(|source| connect_error(url, source))?;
        Ok(Client {
            ws: Reading::start(ws),
            next_id: 0,
            backlog: VecDeque::new(),
        })
    }

    /// Sends a command without waiting; returns its request id.
    pub async fn send(&mut self, cmd: Command) -> Result<u64, ClientError> {
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

    /// The next frame from the server. Cancel-safe: a frame is never half-read.
    pub async fn next_frame(&mut self) -> Result<ServerFrame, ClientError> {
        loop {
            let msg = self.ws.next().await.ok_or(ClientError::Closed)??;
            if let Message::Text(t) = msg {
                return Ok(proto::decode_server(t.as_str())?);
            }
        }
    }

    /// Sends a command and waits for its reply, keeping events that arrive meanwhile; the
    /// server refusing the command is [`ClientError::Refused`].
    pub async fn call(&mut self, cmd: Command) -> Result<ReplyBody, ClientError> {
        let command = cmd.name();
        self.call_reply(cmd)
            .await?
            .map_err(|e| ClientError::Refused {
                command,
                code: e.code,
                message: e.message,
            })
    }

    /// Like [`call`](Self::call), but tells a transport failure (outer error) from the
    /// server refusing the command (inner error).
    pub async fn call_reply(
        &mut self,
        cmd: Command,
    ) -> Result<Result<ReplyBody, ErrorBody>, ClientError> {
        let id = self.send(cmd).await?;
        loop {
            match self.next_frame().await? {
                ServerFrame::Reply {
                    id: rid, result, ..
                } if rid == id => {
                    return Ok(match result {
                        ReplyResult::Ok(body) => Ok(body),
                        ReplyResult::Err(e) => Err(e),
                    });
                }
                ServerFrame::Reply { .. } => {}
                ServerFrame::Event { event, .. } => self.backlog.push_back(event),
            }
        }
    }

    /// The next event (kept ones first).
    pub async fn event(&mut self) -> Result<Event, ClientError> {
        if let Some(e) = self.backlog.pop_front() {
            return Ok(e);
        }
        loop {
            if let ServerFrame::Event { event, .. } = self.next_frame().await? {
                return Ok(event);
            }
        }
    }

    /// Events kept while waiting for replies, oldest first.
    pub fn take_backlog(&mut self) -> Vec<Event> {
        self.backlog.drain(..).collect()
    }

    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}

/// A failed connection, with the TLS reason told apart when the handshake is what failed.
fn connect_error(url: &str, source: tungstenite::Error) -> ClientError {
    match tls::failure(&source, host(url)) {
        Some(reason) => ClientError::Tls {
            url: url.to_owned(),
            source: reason,
        },
        None => ClientError::Connect {
            url: url.to_owned(),
            source,
        },
    }
}
