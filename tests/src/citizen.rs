//! The citizen's phone behind the trunk: SIPp as the callee of one outbound call, and, for
//! scenarios whose SDP points at a socket of the test, the phone's audio.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use hotline_media::{Codec, RtpHeader};
use tokio::net::UdpSocket;
use tokio::process::Child;

use crate::free_udp_port_even;

/// Held by each test that puts a caller, an agent and the citizen's phone through the server
/// at once: three SIP parties and two media paths per test are as much as two cores keep in
/// time, so such tests in one binary take turns.
pub static ONE_CALL_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A free UDP port for the phone's SIP side.
pub fn free_udp_port() -> u16 {
    let s = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    s.local_addr().expect("addr").port()
}

/// SIPp runs `scenario` on `port` for one call (`extra`: e.g. `-rtp_echo`).
pub fn phone(scenario: &Path, port: u16, extra: &[&str]) -> Child {
    tokio::process::Command::new("sipp")
        .arg("-sf")
        .arg(scenario)
        .args(["-i", "127.0.0.1", "-p", &port.to_string()])
        .args(["-mp", &free_udp_port_even().to_string()])
        .args(extra)
        .args(["-m", "1", "-nostdin", "-timeout", "60s", "-timeout_error"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("sipp runs (apt-get install sip-tester)")
}

/// Waits (a minute at most) for the phone's scenario to end, and checks it succeeded.
pub async fn phone_done(child: Child) {
    let out = tokio::time::timeout(Duration::from_mins(1), child.wait_with_output())
        .await
        .expect("sipp ended")
        .expect("sipp output");
    assert!(
        out.status.success(),
        "citizen phone scenario failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The citizen's phone's audio on `sock`: once the hotline's RTP arrives, answers it with
/// `voice` (looped) and keeps what it hears, until 2 s without packets or `limit`.
pub async fn phone_media(sock: UdpSocket, voice: PathBuf, limit: Duration) -> Vec<i16> {
    let voice =
        hotline_media::read_wav_8k_mono(&std::fs::read(voice).expect("voice")).expect("voice wav");
    let mut heard = Vec::new();
    let mut peer = None;
    let mut last_heard = None;
    let mut buf = vec![0u8; 2048];
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    let until = tokio::time::Instant::now() + limit;
    let (mut pos, mut seq, mut ts) = (0usize, 0u16, 0u32);
    loop {
        tokio::select! {
            r = sock.recv_from(&mut buf) => {
                let Ok((n, src)) = r else { continue };
                if let Ok((h, payload)) = hotline_media::parse_rtp(&buf[..n])
                    && h.payload_type == 0
                {
                    let mut pcm = vec![0i16; payload.len()];
                    Codec::Pcmu.decode(payload, &mut pcm);
                    heard.extend_from_slice(&pcm);
                    peer = Some(src);
                    last_heard = Some(tokio::time::Instant::now());
                }
            }
            now = tick.tick() => {
                let quiet = last_heard
                    .is_some_and(|t| now.duration_since(t) > Duration::from_secs(2));
                if now >= until || quiet {
                    break;
                }
                let Some(peer) = peer else { continue };
                let frame: Vec<i16> = (0..160).map(|i| voice[(pos + i) % voice.len()]).collect();
                pos += 160;
                let mut payload = [0u8; 160];
                Codec::Pcmu.encode(&frame, &mut payload);
                let header = RtpHeader {
                    payload_type: 0,
                    marker: seq == 0,
                    sequence: seq,
                    timestamp: ts,
                    ssrc: 0x00C1_7E2F,
                };
                let mut packet = [0u8; 200];
                let len = hotline_media::write_rtp(&header, &payload, &mut packet).expect("rtp");
                let _ = sock.send_to(&packet[..len], peer).await;
                seq = seq.wrapping_add(1);
                ts = ts.wrapping_add(160);
            }
        }
    }
    heard
}
