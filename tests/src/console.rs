//! A scripted workstation for whole-system tests: the client protocol over a WebSocket and,
//! when asked, a WebRTC leg on the file audio backend whose heard frames are kept with the
//! instant they arrived (so a test can cut them at the moments it changed something).
//!
//! The socket is read by a task of its own, as the real workstations do, so the server's
//! heartbeat pings are answered even while the test is busy elsewhere (setting up media).

use std::collections::VecDeque;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use hotline_protocol::{
    self as proto, ClientFrame, Command, ErrorBody, Event, PROTOCOL_VERSION, ReplyBody,
    ReplyResult, ServerFrame,
};
use hotline_softphone::{AudioHandle, BackendKind, Frame, WebRtcLeg};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Frames heard on the leg, each with when it arrived.
pub use crate::heard::Heard;

/// One logged-in workstation session.
pub struct Console {
    sink: SplitSink<Ws, Message>,
    /// Text frames as the reader task received them.
    frames: mpsc::UnboundedReceiver<String>,
    reader: tokio::task::JoinHandle<()>,
    next_id: u64,
    /// Events not yet asked for, oldest first.
    backlog: VecDeque<Event>,
    /// The leg and, on the file backend, its handle.
    media: Option<(WebRtcLeg, Option<AudioHandle>)>,
    pub heard: Heard,
}

impl Console {
    /// Connects to `api` and logs in; panics (it is a test) if that fails.
    pub async fn login(
        api: std::net::SocketAddr,
        user: &str,
        password: &str,
        client: proto::ClientKind,
    ) -> Console {
        let url = format!("ws://{api}/ws");
        let ws = tokio_tungstenite::connect_async(&url).await.expect("ws").0;
        let (sink, mut stream) = ws.split();
        let (tx, frames) = mpsc::unbounded_channel();
        // Reading is what answers pings (tungstenite queues the pong and sends it on the next
        // read), so this never stops until the socket or the console goes.
        let reader = tokio::spawn(async move {
            while let Some(Ok(msg)) = stream.next().await {
                if let Message::Text(t) = msg
                    && tx.send(t.as_str().to_owned()).is_err()
                {
                    return;
                }
            }
        });
        let mut c = Console {
            sink,
            frames,
            reader,
            next_id: 0,
            backlog: VecDeque::new(),
            media: None,
            heard: Arc::default(),
        };
        let login = Command::Login {
            user: user.into(),
            password: password.into(),
            client,
            resume_token: None,
        };
        match c.call(login).await {
            Ok(ReplyBody::LoginOk { .. }) => c,
            other => panic!("log-in of {user}: {other:?}"),
        }
    }

    async fn next_frame(&mut self, until: tokio::time::Instant) -> Option<ServerFrame> {
        let text = tokio::time::timeout_at(until, self.frames.recv())
            .await
            .ok()??;
        Some(proto::decode_server(&text).expect("server frame"))
    }

    /// Sends a command and waits (10 s at most) for its reply; events meanwhile are kept.
    pub async fn call(&mut self, cmd: Command) -> Result<ReplyBody, ErrorBody> {
        self.next_id += 1;
        let id = self.next_id;
        let name = cmd.name();
        let frame = ClientFrame {
            v: PROTOCOL_VERSION,
            id,
            cmd,
        };
        self.sink
            .send(Message::Text(proto::encode_client(&frame).into()))
            .await
            .expect("send");
        let until = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            match self.next_frame(until).await {
                Some(ServerFrame::Reply {
                    id: rid, result, ..
                }) if rid == id => {
                    return match result {
                        ReplyResult::Ok(body) => Ok(body),
                        ReplyResult::Err(e) => Err(e),
                    };
                }
                Some(ServerFrame::Event { event, .. }) => self.backlog.push_back(event),
                Some(ServerFrame::Reply { .. }) => {}
                None => panic!("no reply to {name}"),
            }
        }
    }

    /// Waits for the first event (kept or new) that `pred` accepts; other events stay kept.
    pub async fn wait_for(
        &mut self,
        what: &str,
        limit: Duration,
        mut pred: impl FnMut(&Event) -> bool,
    ) -> Event {
        if let Some(i) = self.backlog.iter().position(&mut pred) {
            return self.backlog.remove(i).expect("position is in range");
        }
        let until = tokio::time::Instant::now() + limit;
        loop {
            match self.next_frame(until).await {
                Some(ServerFrame::Event { event, .. }) if pred(&event) => return event,
                Some(ServerFrame::Event { event, .. }) => self.backlog.push_back(event),
                Some(ServerFrame::Reply { .. }) => {}
                None => panic!("no {what} within {limit:?}; kept: {:?}", self.backlog),
            }
        }
    }

    /// Whether an event `pred` accepts has arrived by now (within `limit`).
    pub async fn saw(&mut self, limit: Duration, mut pred: impl FnMut(&Event) -> bool) -> bool {
        if self.backlog.iter().any(&mut pred) {
            return true;
        }
        let until = tokio::time::Instant::now() + limit;
        while let Some(frame) = self.next_frame(until).await {
            if let ServerFrame::Event { event, .. } = frame {
                let hit = pred(&event);
                self.backlog.push_back(event);
                if hit {
                    return true;
                }
            }
        }
        false
    }

    /// Brings up the media leg like a workstation: the file backend plays `play` (looped) and
    /// records what is heard to `record`; heard frames are also kept in [`Console::heard`].
    pub async fn start_media(&mut self, play: PathBuf, record: PathBuf) {
        let io = hotline_softphone::start_backend(&BackendKind::File {
            play: Some(play),
            record: Some(record),
            loop_play: true,
        })
        .expect("file backend");
        let leg = self.connect_leg().await;
        self.attach(&leg, io.mic, io.speaker);
        self.media = Some((leg, Some(io.handle)));
    }

    /// Brings up the media leg with the test as the microphone: every frame sent on `mic`
    /// goes out at once (no file, no pacing of ours). Heard frames are kept as above.
    pub async fn start_media_with_mic(&mut self, mic: mpsc::Receiver<Frame>) {
        let leg = self.connect_leg().await;
        let (speaker, mut sink) = mpsc::channel(64);
        tokio::spawn(async move { while sink.recv().await.is_some() {} });
        self.attach(&leg, mic, speaker);
        self.media = Some((leg, None));
    }

    /// Offers a WebRTC leg to the server and waits until it is connected.
    async fn connect_leg(&mut self) -> WebRtcLeg {
        let (leg, offer) = WebRtcLeg::offer(IpAddr::from([127, 0, 0, 1]))
            .await
            .expect("offer");
        self.call(Command::WebRtc(proto::WebRtcSignal {
            kind: proto::SignalKind::Offer,
            payload: offer,
        }))
        .await
        .expect("offer accepted");
        let answer = match self
            .wait_for(
                "webrtc answer",
                Duration::from_secs(10),
                |e| matches!(e, Event::WebRtc(s) if s.kind == proto::SignalKind::Answer),
            )
            .await
        {
            Event::WebRtc(s) => s.payload,
            _ => unreachable!("matched above"),
        };
        leg.accept_answer(&answer).await.expect("answer");
        leg.connected(Duration::from_secs(10))
            .await
            .expect("leg up");
        leg
    }

    /// The speaker side goes through a tap that notes when each frame arrived.
    fn attach(&self, leg: &WebRtcLeg, mic: mpsc::Receiver<Frame>, speaker: mpsc::Sender<Frame>) {
        let (tap, mut tapped) = mpsc::channel(64);
        leg.attach(mic, tap);
        let heard = self.heard.clone();
        tokio::spawn(async move {
            while let Some(frame) = tapped.recv().await {
                crate::heard::note(&heard, frame.0);
                if speaker.send(frame).await.is_err() {
                    break;
                }
            }
        });
    }

    /// The samples heard between `from` and `to`.
    pub fn heard_between(&self, from: Instant, to: Instant) -> Vec<i16> {
        crate::heard::between(&self.heard, from, to)
    }

    /// Stops reading the socket but keeps it open, as a frozen workstation does (its process
    /// stopped, its network gone without a goodbye): only the server's heartbeat can tell.
    pub fn freeze(&mut self) {
        self.reader.abort();
    }

    /// Closes the leg and finishes the recording.
    pub async fn stop_media(&mut self) {
        if let Some((leg, handle)) = self.media.take() {
            leg.close().await;
            if let Some(handle) = handle {
                handle.finish().await.expect("recording finished");
            }
        }
    }
}

impl Drop for Console {
    /// Dropping the console closes its socket, as a workstation that goes away would.
    fn drop(&mut self) {
        self.reader.abort();
    }
}
