//! The connection with a read always pending. A task reads the socket ahead of the
//! workstation and keeps what it read in order; reading is what answers the server's pings
//! (the library replies to a ping while reading), so they are answered even while the
//! workstation is busy elsewhere — bringing up its media leg, waiting on its screen — and the
//! server's heartbeat never takes a live workstation for a frozen one.

use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error, Message};

use super::Ws;

/// Frames read ahead of the workstation. When it falls this far behind, the reader waits
/// (and stops answering pings): a workstation that stuck is rightly taken as gone.
const AHEAD: usize = 1024;

/// The sending half and what the reader task has read.
pub(super) struct Reading {
    sink: SplitSink<Ws, Message>,
    frames: mpsc::Receiver<Result<Message, Error>>,
    task: JoinHandle<()>,
}

impl Reading {
    /// Starts the reader task (on the current tokio runtime).
    pub(super) fn start(ws: Ws) -> Reading {
        let (sink, mut stream) = ws.split();
        let (tx, frames) = mpsc::channel(AHEAD);
        let task = tokio::spawn(async move {
            while let Some(msg) = stream.next().await {
                let failed = msg.is_err();
                if tx.send(msg).await.is_err() || failed {
                    break;
                }
            }
        });
        Reading { sink, frames, task }
    }

    pub(super) async fn send(&mut self, msg: Message) -> Result<(), Error> {
        self.sink.send(msg).await
    }

    /// The next frame read; `None` once the connection has ended.
    pub(super) async fn next(&mut self) -> Option<Result<Message, Error>> {
        self.frames.recv().await
    }

    /// Sends the close frame.
    pub(super) async fn close(&mut self, frame: Option<CloseFrame>) -> Result<(), Error> {
        self.sink.send(Message::Close(frame)).await
    }
}

impl Drop for Reading {
    /// Dropping the connection closes the socket: the reader holds half of it.
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio_tungstenite::tungstenite::Bytes;

    use super::*;

    /// A client that nobody reads from still answers pings; dropped, it closes the socket.
    #[tokio::test]
    async fn pings_are_answered_without_anyone_reading() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
            ws.send(Message::Ping(Bytes::from_static(b"hb")))
                .await
                .unwrap();
            let pong = tokio::time::timeout(Duration::from_secs(5), ws.next()).await;
            let pong = matches!(pong, Ok(Some(Ok(Message::Pong(p)))) if &p[..] == b"hb");
            let closed = tokio::time::timeout(Duration::from_secs(5), ws.next()).await;
            (
                pong,
                matches!(closed, Ok(None | Some(Err(_) | Ok(Message::Close(_))))),
            )
        });
        let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/"))
            .await
            .unwrap();
        let reading = Reading::start(ws);
        // Busy elsewhere: nothing calls `next`.
        tokio::time::sleep(Duration::from_millis(300)).await;
        drop(reading);
        let (pong, closed) = server.await.unwrap();
        assert!(pong, "the ping went unanswered");
        assert!(closed, "dropping the client must close the socket");
    }
}
