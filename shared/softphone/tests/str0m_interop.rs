//! Our leg against str0m, which is what the server answers with: a minimal sans-IO
//! str0m peer on a tokio UDP socket accepts our offer (PCMU only), sends 600 Hz and
//! checks that it hears the 1 kHz our leg plays.

// Helpers outside #[test] functions are test code too.
#![allow(clippy::unwrap_used)]

#[path = "support/peer.rs"]
#[allow(dead_code)] // each test file uses part of it
mod support;

use std::time::{Duration, Instant};

use hotline_media::{Codec as G711, ToneGenerator, dominant_frequency, read_wav_8k_mono};
use hotline_softphone::WebRtcLeg;
use str0m::format::Codec;
use str0m::media::{Frequency, MediaTime, Mid};
use str0m::net::{DatagramRecv, Protocol, Receive};
use str0m::{Event, Input, Output};

use support::LOOPBACK;

/// Answers `offer`; returns the answer and a task that runs the peer until it has heard
/// `want` samples (then yields them).
async fn str0m_peer(offer: &str, want: usize) -> (String, tokio::task::JoinHandle<Vec<i16>>) {
    let (mut rtc, socket, answer) = support::str0m_answer(offer).await;
    let local = socket.local_addr().unwrap();
    let mid: Mid = "0".into();
    let pt = rtc
        .writer(mid)
        .unwrap()
        .payload_params()
        .find(|p| p.spec().codec == Codec::PCMU)
        .unwrap()
        .pt();

    let task = tokio::spawn(async move {
        let mut buf = vec![0u8; 2000];
        let mut heard = Vec::new();
        let mut tone = ToneGenerator::new(&[600.0], 12000, 8000);
        let mut connected = false;
        let mut next_send = Instant::now();
        let mut rtp_time = 0u64;
        loop {
            let timeout = loop {
                match rtc.poll_output().unwrap() {
                    Output::Timeout(t) => break t,
                    Output::Transmit(t) => {
                        socket.send_to(&t.contents, t.destination).await.unwrap();
                    }
                    Output::Event(Event::Connected) => connected = true,
                    Output::Event(Event::MediaData(d)) => {
                        let mut pcm = vec![0; d.data.len()];
                        G711::Pcmu.decode(&d.data, &mut pcm);
                        heard.extend_from_slice(&pcm);
                    }
                    Output::Event(_) => {}
                }
            };
            if heard.len() >= want {
                return heard;
            }
            let wake = if connected {
                timeout.min(next_send)
            } else {
                timeout
            };
            let wait = wake.saturating_duration_since(Instant::now());
            tokio::select! {
                r = socket.recv_from(&mut buf) => {
                    let (n, source) = r.unwrap();
                    let Ok(contents) = DatagramRecv::try_from(&buf[..n]) else { continue };
                    rtc.handle_input(Input::Receive(
                        Instant::now(),
                        Receive { proto: Protocol::Udp, source, destination: local, contents },
                    ))
                    .unwrap();
                }
                () = tokio::time::sleep(wait) => {
                    let now = Instant::now();
                    if connected && now >= next_send {
                        let mut pcm = [0i16; 160];
                        tone.fill(&mut pcm);
                        let mut payload = [0u8; 160];
                        G711::Pcmu.encode(&pcm, &mut payload);
                        let time = MediaTime::new(rtp_time, Frequency::EIGHT_KHZ);
                        rtc.writer(mid).unwrap().write(pt, now, time, &payload[..]).unwrap();
                        rtp_time += 160;
                        next_send += Duration::from_millis(20);
                    }
                    rtc.handle_input(Input::Timeout(now)).unwrap();
                }
            }
        }
    });
    (answer, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leg_talks_to_str0m() {
    let (leg, offer) = WebRtcLeg::offer(LOOPBACK).await.unwrap();
    let (answer, peer) = str0m_peer(&offer, 12000).await;
    leg.accept_answer(&answer).await.unwrap();
    leg.connected(Duration::from_secs(10)).await.unwrap();

    let (handle, record, _dir) = support::speak_tone(&leg);

    let heard = tokio::time::timeout(Duration::from_secs(10), peer)
        .await
        .expect("str0m heard too little")
        .unwrap();
    leg.close().await;
    handle.finish().await.unwrap();

    assert_eq!(
        dominant_frequency(&heard[800..], &[600.0, 1000.0], 8000),
        Some(1000.0)
    );
    let recorded = read_wav_8k_mono(&std::fs::read(&record).unwrap()).unwrap();
    println!(
        "str0m heard {}; our speaker got {}",
        heard.len(),
        recorded.len()
    );
    assert!(recorded.len() >= 8000, "speaker got {}", recorded.len());
    assert_eq!(
        dominant_frequency(&recorded[800..], &[600.0, 1000.0], 8000),
        Some(600.0)
    );
}
