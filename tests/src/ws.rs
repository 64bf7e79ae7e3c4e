//! A bare workstation session for tests that drive the protocol frame by frame.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use hotline_protocol::{self as proto, ClientFrame, Command, PROTOCOL_VERSION, ServerFrame};
use tokio_tungstenite::tungstenite::Message;

use crate::TestServer;

pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A WebSocket to the server's `/ws`, not logged in.
pub async fn connect(server: &TestServer) -> Ws {
    let url = format!("ws://{}/ws", server.running.api);
    tokio_tungstenite::connect_async(&url).await.expect("ws").0
}

/// Sends `cmd` with request id `id`.
pub async fn send(ws: &mut Ws, id: u64, cmd: Command) {
    let frame = ClientFrame {
        v: PROTOCOL_VERSION,
        id,
        cmd,
    };
    ws.send(Message::Text(proto::encode_client(&frame).into()))
        .await
        .expect("send");
}

/// Reads frames until `want` matches one, within 20 s.
pub async fn until<T>(ws: &mut Ws, mut want: impl FnMut(&ServerFrame) -> Option<T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(Ok(msg)) = ws.next().await {
            if let Message::Text(t) = msg
                && let Ok(frame) = proto::decode_server(t.as_str())
                && let Some(found) = want(&frame)
            {
                return found;
            }
        }
        panic!("session closed");
    })
    .await
    .expect("expected frame in time")
}

/// The result of request `want`, if `frame` is its reply.
pub fn reply(frame: &ServerFrame, want: u64) -> Option<proto::ReplyResult> {
    match frame {
        ServerFrame::Reply { id, result, .. } if *id == want => Some(result.clone()),
        _ => None,
    }
}

/// A session logged in as `user` (request id 1).
pub async fn login(server: &TestServer, user: &str, password: &str) -> Ws {
    let mut ws = connect(server).await;
    send(
        &mut ws,
        1,
        Command::Login {
            user: user.into(),
            password: password.into(),
            client: proto::ClientKind::Other,
            resume_token: None,
        },
    )
    .await;
    let ok = until(&mut ws, |f| reply(f, 1)).await;
    assert!(
        matches!(ok, proto::ReplyResult::Ok(_)),
        "log-in of {user}: {ok:?}"
    );
    ws
}

/// The offered call's id, once `call_offered` arrives.
pub async fn offered(ws: &mut Ws) -> proto::CallId {
    until(ws, |f| match f {
        ServerFrame::Event {
            event: proto::Event::CallOffered { call_id, .. },
            ..
        } => Some(call_id.clone()),
        _ => None,
    })
    .await
}

/// Answers `call_id` (request id `id`) and waits until it is connected.
pub async fn answer(ws: &mut Ws, id: u64, call_id: &proto::CallId) {
    send(
        ws,
        id,
        Command::Answer {
            call_id: call_id.clone(),
        },
    )
    .await;
    until(ws, |f| match f {
        ServerFrame::Event {
            event:
                proto::Event::CallState {
                    state: proto::CallState::Connected,
                    ..
                },
            ..
        } => Some(()),
        _ => None,
    })
    .await;
}
