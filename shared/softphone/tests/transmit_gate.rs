//! The leg's transmit gate against str0m (what the server answers with): closed, nothing
//! arrives while the leg stays connected; opened, the 1 kHz voice arrives at once, in
//! sequence, with the RTP timestamp moved on by the pause and the talk-spurt marker set.

// Helpers outside #[test] functions are test code too.
#![allow(clippy::unwrap_used)]

#[path = "support/peer.rs"]
#[allow(dead_code)] // each test file uses part of it
mod support;

use std::time::{Duration, Instant};

use hotline_media::{Codec as G711, dominant_frequency};
use hotline_softphone::{LegState, WebRtcLeg};
use str0m::media::MediaData;
use str0m::net::{DatagramRecv, Protocol, Receive};
use str0m::{Event, Input, Output};
use tokio::sync::mpsc;

use support::LOOPBACK;

/// What the str0m side received, one packet each.
struct Heard {
    rtp_time: u64,
    contiguous: bool,
    talk_spurt: bool,
    pcm: Vec<i16>,
}

impl From<&MediaData> for Heard {
    fn from(d: &MediaData) -> Heard {
        let mut pcm = vec![0; d.data.len()];
        G711::Pcmu.decode(&d.data, &mut pcm);
        Heard {
            rtp_time: d.time.numer(),
            contiguous: d.contiguous,
            talk_spurt: d.audio_start_of_talk_spurt,
            pcm,
        }
    }
}

/// Answers `offer` with a receive-only str0m peer that reports every packet it hears.
async fn str0m_ear(offer: &str) -> (String, mpsc::UnboundedReceiver<Heard>) {
    let (mut rtc, socket, answer) = support::str0m_answer(offer).await;
    let local = socket.local_addr().unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut buf = vec![0u8; 2000];
        loop {
            let timeout = loop {
                match rtc.poll_output() {
                    Ok(Output::Timeout(t)) => break t,
                    Ok(Output::Transmit(t)) => {
                        let _ = socket.send_to(&t.contents, t.destination).await;
                    }
                    Ok(Output::Event(Event::MediaData(d))) => {
                        if tx.send(Heard::from(&d)).is_err() {
                            return;
                        }
                    }
                    Ok(Output::Event(_)) => {}
                    Err(_) => return,
                }
            };
            let wait = timeout.saturating_duration_since(Instant::now());
            tokio::select! {
                r = socket.recv_from(&mut buf) => {
                    let (n, source) = r.unwrap();
                    let Ok(contents) = DatagramRecv::try_from(&buf[..n]) else { continue };
                    let input = Input::Receive(
                        Instant::now(),
                        Receive { proto: Protocol::Udp, source, destination: local, contents },
                    );
                    if rtc.handle_input(input).is_err() {
                        return;
                    }
                }
                () = tokio::time::sleep(wait) => {
                    if rtc.handle_input(Input::Timeout(Instant::now())).is_err() {
                        return;
                    }
                }
            }
        }
    });
    (answer, rx)
}

/// Everything that arrives within `window`.
async fn collect(rx: &mut mpsc::UnboundedReceiver<Heard>, window: Duration) -> Vec<Heard> {
    let end = tokio::time::Instant::now() + window;
    let mut got = Vec::new();
    while let Ok(Some(h)) = tokio::time::timeout_at(end, rx.recv()).await {
        got.push(h);
    }
    got
}

fn pcm(packets: &[Heard]) -> Vec<i16> {
    packets.iter().flat_map(|h| h.pcm.iter().copied()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_gate_sends_nothing_and_an_opened_one_resumes_the_stream() {
    let (leg, offer) = WebRtcLeg::offer(LOOPBACK).await.unwrap();
    assert!(leg.is_sending(), "the gate is open by default");
    leg.set_sending(false);
    let (answer, mut heard) = str0m_ear(&offer).await;
    leg.accept_answer(&answer).await.unwrap();
    leg.connected(Duration::from_secs(10)).await.unwrap();

    let (handle, _record, _dir) = support::speak_tone(&leg);

    // Closed: the microphone runs, nothing goes out, the leg stays up.
    let idle = collect(&mut heard, Duration::from_secs(3)).await;
    assert!(idle.is_empty(), "{} packets sent while closed", idle.len());
    assert_eq!(*leg.state().borrow(), LegState::Connected);

    // Open: the voice arrives.
    leg.set_sending(true);
    let first = collect(&mut heard, Duration::from_millis(1500)).await;
    assert!(first.len() >= 50, "only {} packets in 1.5 s", first.len());
    assert!(first[0].talk_spurt, "the first packet starts a talk spurt");
    assert_eq!(
        dominant_frequency(&pcm(&first)[400..], &[600.0, 1000.0], 8000),
        Some(1000.0)
    );

    // Closed again for about 2 s, then open: the stream goes on in sequence, its timestamp
    // moved on by the pause (so it still says when the audio was spoken).
    leg.set_sending(false);
    let closed_at = Instant::now();
    let tail = collect(&mut heard, Duration::from_secs(2)).await;
    assert!(tail.len() <= 3, "{} packets after closing", tail.len());
    let last_time = tail.last().or(first.last()).unwrap().rtp_time;
    leg.set_sending(true);
    let again = collect(&mut heard, Duration::from_secs(1)).await;
    let paused = closed_at.elapsed();
    assert!(
        again.len() >= 30,
        "only {} packets after reopening",
        again.len()
    );
    let resumed = &again[0];
    assert!(resumed.contiguous, "the sequence runs on across the pause");
    assert!(
        resumed.talk_spurt,
        "the marker bit starts the new talk spurt"
    );
    let jump = resumed.rtp_time.wrapping_sub(last_time);
    // At least the closed time (≈2 s = 16,000 ticks), at most the whole wait.
    assert!(
        jump >= 14_000 && jump <= paused.as_millis() as u64 * 8 + 1600,
        "timestamp moved {jump} ticks over a {paused:?} pause"
    );
    // 20 ms per packet after resuming (a scheduling hiccup on a busy machine may add a jump).
    let steady = again
        .windows(2)
        .filter(|w| w[1].rtp_time.wrapping_sub(w[0].rtp_time) == 160)
        .count();
    assert!(
        steady + 3 >= again.len(),
        "{steady} of {} steps were 160",
        again.len()
    );
    assert_eq!(
        dominant_frequency(&pcm(&again)[400..], &[600.0, 1000.0], 8000),
        Some(1000.0)
    );

    leg.close().await;
    handle.finish().await.unwrap();
}
