//! Our leg against an answering webrtc-rs peer standing in for the server: PCMU only,
//! host candidates on 127.0.0.1. The leg plays a 1 kHz file and records what it hears;
//! the peer sends 600 Hz and checks what it receives.

// Helpers outside #[test] functions are test code too.
#![allow(clippy::unwrap_used)]

#[path = "support/peer.rs"]
#[allow(dead_code)] // each test file uses part of it
mod support;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use hotline_media::{Codec, ToneGenerator, dominant_frequency, read_wav_8k_mono};
use hotline_softphone::{LegState, WebRtcLeg};
use rtc::ice::mdns::MulticastDnsMode;
use rtc::ice::network_type::NetworkType;
use rtc::media::Sample;
use rtc::media_stream::MediaStreamTrack;
use rtc::peer_connection::configuration::media_engine::MIME_TYPE_PCMU;
use rtc::rtp_transceiver::rtp_sender::{
    RTCRtpCodec, RTCRtpCodecParameters, RTCRtpCodingParameters, RTCRtpEncodingParameters,
    RtpCodecKind,
};
use tokio::sync::watch;
use webrtc::media_stream::track_local::TrackLocal;
use webrtc::media_stream::track_local::static_sample::TrackLocalStaticSample;
use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};
use webrtc::peer_connection::{
    MediaEngine, PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler,
    RTCConfigurationBuilder, RTCIceGatheringState, RTCSessionDescription, SettingEngineBuilder,
};

use support::LOOPBACK;

fn pcmu() -> RTCRtpCodec {
    RTCRtpCodec {
        mime_type: MIME_TYPE_PCMU.to_owned(),
        clock_rate: 8000,
        channels: 0,
        sdp_fmtp_line: String::new(),
        rtcp_feedback: vec![],
    }
}

struct PeerEvents {
    gathered: watch::Sender<bool>,
    heard: Arc<Mutex<Vec<i16>>>,
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for PeerEvents {
    async fn on_ice_gathering_state_change(&self, state: RTCIceGatheringState) {
        if state == RTCIceGatheringState::Complete {
            self.gathered.send_replace(true);
        }
    }

    async fn on_track(&self, track: Arc<dyn TrackRemote>) {
        let heard = Arc::clone(&self.heard);
        tokio::spawn(async move {
            while let Some(ev) = track.poll().await {
                if let TrackRemoteEvent::OnRtpPacket(p) = ev {
                    assert_eq!(p.header.payload_type, 0, "PCMU only");
                    let mut pcm = vec![0; p.payload.len()];
                    Codec::Pcmu.decode(&p.payload, &mut pcm);
                    heard.lock().unwrap().extend_from_slice(&pcm);
                }
            }
        });
    }
}

/// Answers `offer` like the server would and sends a 600 Hz tone, 20 ms per packet.
async fn answering_peer(offer: &str) -> (Arc<dyn PeerConnection>, String, Arc<Mutex<Vec<i16>>>) {
    let mut media = MediaEngine::default();
    media
        .register_codec(
            RTCRtpCodecParameters {
                rtp_codec: pcmu(),
                payload_type: 0,
            },
            RtpCodecKind::Audio,
        )
        .unwrap();
    let settings = SettingEngineBuilder::new()
        .with_network_types(vec![NetworkType::Udp4])
        .with_multicast_dns_mode(MulticastDnsMode::Disabled)
        .with_include_loopback_candidate(true)
        .build();
    let heard = Arc::new(Mutex::new(Vec::new()));
    let events = Arc::new(PeerEvents {
        gathered: watch::Sender::new(false),
        heard: Arc::clone(&heard),
    });
    let pc = Box::pin(
        PeerConnectionBuilder::new()
            .with_configuration(RTCConfigurationBuilder::new().build())
            .with_media_engine(media)
            .with_setting_engine(settings)
            .with_handler(Arc::clone(&events) as _)
            .with_udp_addrs(vec![SocketAddr::new(LOOPBACK, 0)])
            .build(),
    )
    .await
    .unwrap();
    let pc: Arc<dyn PeerConnection> = Arc::new(pc);

    pc.set_remote_description(RTCSessionDescription::offer(offer.to_owned()).unwrap())
        .await
        .unwrap();
    let ssrc = 0x600;
    let track = Arc::new(
        TrackLocalStaticSample::new(
            Instant::now(),
            MediaStreamTrack::new(
                "server".to_owned(),
                "server-audio".to_owned(),
                "caller".to_owned(),
                RtpCodecKind::Audio,
                vec![RTCRtpEncodingParameters {
                    rtp_coding_parameters: RTCRtpCodingParameters {
                        ssrc: Some(ssrc),
                        ..Default::default()
                    },
                    active: true,
                    codec: pcmu(),
                    ..Default::default()
                }],
            ),
        )
        .unwrap(),
    );
    pc.add_track(Arc::clone(&track) as Arc<dyn TrackLocal>)
        .await
        .unwrap();
    let answer = pc.create_answer(None).await.unwrap();
    pc.set_local_description(answer).await.unwrap();
    tokio::time::timeout(
        Duration::from_secs(5),
        events.gathered.subscribe().wait_for(|g| *g),
    )
    .await
    .unwrap()
    .unwrap();
    let answer = pc.local_description().await.unwrap().sdp;

    tokio::spawn(async move {
        let mut tone = ToneGenerator::new(&[600.0], 12000, 8000);
        let mut tick = tokio::time::interval(Duration::from_millis(20));
        loop {
            tick.tick().await;
            let mut pcm = [0i16; 160];
            tone.fill(&mut pcm);
            let mut payload = [0u8; 160];
            Codec::Pcmu.encode(&pcm, &mut payload);
            let sample = Sample {
                data: Bytes::copy_from_slice(&payload),
                duration: Duration::from_millis(20),
                ..Sample::new(Instant::now())
            };
            // Fails until DTLS is up; keep going.
            let _ = track.write_sample(ssrc, 0, &sample, &[]).await;
        }
    });
    (pc, answer, heard)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leg_sends_1khz_and_hears_600hz() {
    let (leg, offer) = WebRtcLeg::offer(LOOPBACK).await.unwrap();
    println!("offer:\n{offer}");
    assert!(offer.contains("a=rtpmap:0 PCMU/8000\r\n"), "{offer}");
    assert!(offer.contains("a=sendrecv"), "{offer}");
    assert!(offer.contains("a=candidate:"), "no candidates in {offer}");
    assert!(offer.contains("127.0.0.1"), "{offer}");
    assert!(!offer.contains(".local"), "mDNS candidate in {offer}");
    assert!(
        !offer.contains("opus") && !offer.contains("PCMA"),
        "{offer}"
    );
    assert_eq!(*leg.state().borrow(), LegState::Connecting);

    let (peer, answer, heard) = answering_peer(&offer).await;
    leg.accept_answer(&answer).await.unwrap();
    leg.connected(Duration::from_secs(10)).await.unwrap();
    assert_eq!(*leg.state().borrow(), LegState::Connected);

    let (handle, record, _dir) = support::speak_tone(&leg);

    // 1 s of audio each way is plenty for a frequency check; allow for start-up.
    let deadline = Instant::now() + Duration::from_secs(10);
    while heard.lock().unwrap().len() < 8000 {
        assert!(Instant::now() < deadline, "peer heard too little");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    leg.close().await;
    assert!(matches!(*leg.state().borrow(), LegState::Disconnected(_)));
    handle.finish().await.unwrap();
    let _ = peer.close().await;

    let heard = heard.lock().unwrap().clone();
    assert_eq!(
        dominant_frequency(&heard[800..], &[600.0, 1000.0], 8000),
        Some(1000.0)
    );
    let recorded = read_wav_8k_mono(&std::fs::read(&record).unwrap()).unwrap();
    println!(
        "peer heard {} samples; our speaker got {}",
        heard.len(),
        recorded.len()
    );
    assert!(recorded.len() >= 8000, "speaker got {}", recorded.len());
    assert_eq!(
        dominant_frequency(&recorded[800..], &[600.0, 1000.0], 8000),
        Some(600.0)
    );
}

#[tokio::test]
async fn bad_answer_is_an_error() {
    let (leg, _offer) = WebRtcLeg::offer(LOOPBACK).await.unwrap();
    assert!(leg.accept_answer("this is not SDP").await.is_err());
    leg.close().await;
}

#[tokio::test]
async fn connected_times_out_without_an_answer() {
    let (leg, _offer) = WebRtcLeg::offer(LOOPBACK).await.unwrap();
    let err = leg.connected(Duration::from_millis(200)).await.unwrap_err();
    assert!(err.to_string().contains("timed out"), "{err}");
    leg.close().await;
    let err = leg.connected(Duration::from_secs(1)).await.unwrap_err();
    assert!(err.to_string().contains("closed"), "{err}");
}
