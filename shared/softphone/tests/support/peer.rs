//! What the leg tests share: the file backend speaking a 1 kHz tone, and a str0m peer (what
//! the server answers with) that has accepted the leg's offer.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Instant;

use hotline_media::{ToneGenerator, wav_bytes};
use hotline_softphone::{AudioHandle, AudioIo, BackendKind, WebRtcLeg, start_backend};
use str0m::change::SdpOffer;
use str0m::{Candidate, Rtc};
use tokio::net::UdpSocket;

pub const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// The file backend attached to `leg`: a looped 1 kHz tone is the microphone, what the leg
/// hears is recorded. Returns the backend's handle (finish it to complete the recording), the
/// recording's path and the folder's guard.
pub fn speak_tone(leg: &WebRtcLeg) -> (AudioHandle, PathBuf, tempfile::TempDir) {
    let (io, record, dir) = tone_backend();
    leg.attach(io.mic, io.speaker);
    (io.handle, record, dir)
}

/// The file backend playing a looped 1 kHz tone as the microphone and recording what it hears
/// to the returned path. The folder lives as long as the returned guard.
fn tone_backend() -> (AudioIo, PathBuf, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let play = dir.path().join("agent.wav");
    let mut voice = vec![0i16; 8000];
    ToneGenerator::new(&[1000.0], 12000, 8000).fill(&mut voice);
    std::fs::write(&play, wav_bytes(&voice, 8000, 1)).expect("voice file");
    let record = dir.path().join("heard.wav");
    let io = start_backend(&BackendKind::File {
        play: Some(play),
        record: Some(record.clone()),
        loop_play: true,
    })
    .expect("file backend");
    (io, record, dir)
}

/// A PCMU-only str0m peer on a loopback socket that has accepted `offer`: the peer, its socket
/// and the SDP answer.
pub async fn str0m_answer(offer: &str) -> (Rtc, UdpSocket, String) {
    let socket = UdpSocket::bind(SocketAddr::new(LOOPBACK, 0))
        .await
        .expect("bind");
    let local = socket.local_addr().expect("local address");
    let mut rtc = Rtc::builder()
        .clear_codecs()
        .enable_pcmu(true, false)
        .build(Instant::now());
    rtc.add_local_candidate(Candidate::host(local, "udp").expect("candidate"));
    let answer = rtc
        .sdp_api()
        .accept_offer(SdpOffer::from_sdp_string(offer).expect("offer"))
        .expect("accepted")
        .to_sdp_string();
    (rtc, socket, answer)
}
