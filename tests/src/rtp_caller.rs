//! A caller whose mouth and ear are the test itself: SIPp does the SIP (`uac_listen.xml`), and
//! its SDP points at a UDP socket of the test. The test then sends PCMU frames when it likes and
//! sees every frame the server sends, each with the instant it arrived, on the test's clock.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hotline_media::{Codec, RtpHeader, ToneGenerator, parse_rtp, write_rtp};
use tokio::net::UdpSocket;
use tokio::task::JoinHandle;

use crate::{SippRun, TestServer, scenario_dir, sipp};

/// Samples in one 20 ms frame at 8 kHz.
pub const FRAME: usize = 160;

/// Frames the caller heard, each with when it arrived.
pub use crate::heard::Heard;

pub struct RtpCaller {
    socket: Arc<UdpSocket>,
    pub heard: Heard,
    /// Where the server sends the call's RTP from (and so where it listens), once known.
    server_rtp: Arc<Mutex<Option<SocketAddr>>>,
    seq: u16,
    sipp: JoinHandle<SippRun>,
    listener: JoinHandle<()>,
}

impl RtpCaller {
    /// Calls `service` from `number`; SIPp hangs up after `hold`.
    pub async fn dial(server: &TestServer, service: &str, number: &str, hold: Duration) -> Self {
        let socket = Arc::new(UdpSocket::bind("127.0.0.1:0").await.expect("bind"));
        let port = socket.local_addr().expect("addr").port().to_string();
        let hold_ms = hold.as_millis().to_string();
        let run = sipp(
            &scenario_dir().join("uac_listen.xml"),
            server.sip(),
            &[
                "-s", service, "-m", "1", "-set", "rtpport", &port, "-set", "codec", "0", "-set",
                "caller", number, "-d", &hold_ms,
            ],
            hold + Duration::from_secs(30),
        );
        let heard = Heard::default();
        let server_rtp = Arc::default();
        let listener = tokio::spawn(listen(
            socket.clone(),
            heard.clone(),
            Arc::clone(&server_rtp),
        ));
        RtpCaller {
            socket,
            heard,
            server_rtp,
            seq: 0,
            sipp: tokio::spawn(run),
            listener,
        }
    }

    /// Waits for the server's first RTP packet (the call is answered and media flows).
    pub async fn wait_media(&self, limit: Duration) -> SocketAddr {
        let until = Instant::now() + limit;
        loop {
            if let Some(addr) = self.peer() {
                return addr;
            }
            assert!(Instant::now() < until, "no RTP from the server");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn peer(&self) -> Option<SocketAddr> {
        *self.server_rtp.lock().expect("peer")
    }

    /// Sends one 20 ms frame of linear PCM as PCMU.
    pub async fn send(&mut self, samples: &[i16; FRAME]) {
        let to = self
            .peer()
            .expect("wait_media first: the server's RTP address is not known yet");
        let mut payload = [0u8; FRAME];
        Codec::Pcmu.encode(samples, &mut payload);
        let header = RtpHeader {
            payload_type: 0,
            marker: self.seq == 0,
            sequence: self.seq,
            timestamp: u32::from(self.seq).wrapping_mul(FRAME as u32),
            ssrc: 0x5EED_0001,
        };
        self.seq = self.seq.wrapping_add(1);
        let mut packet = [0u8; 12 + FRAME];
        if let Ok(n) = write_rtp(&header, &payload, &mut packet) {
            let _ = self.socket.send_to(&packet[..n], to).await;
        }
    }

    /// The samples heard between `from` and `to`.
    pub fn heard_between(&self, from: Instant, to: Instant) -> Vec<i16> {
        crate::heard::between(&self.heard, from, to)
    }

    /// Ends the call: SIPp and the listener are stopped.
    pub fn hang_up(self) {
        self.sipp.abort();
        self.listener.abort();
    }
}

/// One 20 ms frame of `freq` at a speaking level.
pub fn tone_frame(freq: f32) -> [i16; FRAME] {
    let mut frame = [0i16; FRAME];
    ToneGenerator::new(&[freq], 8000, 8000).fill(&mut frame);
    frame
}

async fn listen(socket: Arc<UdpSocket>, heard: Heard, peer: Arc<Mutex<Option<SocketAddr>>>) {
    let mut buf = [0u8; 2048];
    while let Ok((n, from)) = socket.recv_from(&mut buf).await {
        let Ok((h, payload)) = parse_rtp(&buf[..n]) else {
            continue;
        };
        if h.payload_type != 0 || payload.len() != FRAME {
            continue;
        }
        if let Ok(mut p) = peer.lock() {
            p.get_or_insert(from);
        }
        let mut frame = [0i16; FRAME];
        Codec::Pcmu.decode(payload, &mut frame);
        crate::heard::note(&heard, frame);
    }
}
