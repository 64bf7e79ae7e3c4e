//! Benchmark (ignored by default): the delay the server adds to audio between a caller and an
//! agent. Run with
//! `cargo test -p hotline-e2e --test audio_delay -- --ignored --nocapture`.
//!
//! Both ends live in this process, on one clock: the caller's media is a UDP socket of the
//! test (SIPp only does the signalling, its SDP points at that socket), the agent is a real
//! WebRTC leg whose microphone is fed by the test. Once a second each side sends one loud
//! 20 ms frame of 1 kHz among silence, and the other side notes when it arrives:
//!
//! - agent → caller: from the frame handed to the agent's WebRTC stack to the RTP packet at
//!   the caller's socket. Nothing but the server (str0m hub, bridge, RTP leg and its send
//!   clock) sits between; the client's send path is immediate.
//! - caller → agent: from the RTP packet sent to the frame the agent's leg plays out. This
//!   also holds the agent client's playout buffer (three frames), so it is an upper bound.
//!
//! `JITTER_DEPTH=N` sets the trunk side's jitter buffer (`[media] jitter_depth_packets`,
//! default 3) to show how much of the caller → agent figure it is.

use std::time::{Duration, Instant};

use hotline_e2e::TestServer;
use hotline_e2e::bridged::{Bridged, bridge};
use hotline_media::{ToneGenerator, rms};
use hotline_softphone::{FRAME_SAMPLES, Frame};

const PASSWORD: &str = "correct horse battery";
/// A frame louder than this carries the probe; silence and comfort noise stay far below.
const LOUD: f32 = 2_000.0;
const ROUNDS: usize = 100;

fn probe_frame() -> [i16; FRAME_SAMPLES] {
    let mut tone = ToneGenerator::new(&[1000.0], 12_000, 8000);
    let mut frame = [0i16; FRAME_SAMPLES];
    tone.fill(&mut frame);
    frame
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn summary(name: &str, mut ms: Vec<f64>) {
    ms.sort_by(f64::total_cmp);
    println!(
        "{name}: n={} p50={:.1} ms p99={:.1} ms max={:.1} ms",
        ms.len(),
        percentile(&ms, 0.5),
        percentile(&ms, 0.99),
        ms.last().copied().unwrap_or(0.0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: prints delays; run with --ignored --nocapture"]
async fn audio_delay_between_caller_and_agent() {
    let depth = std::env::var("JITTER_DEPTH")
        .ok()
        .and_then(|d| d.parse().ok());
    let server = TestServer::start(|c| {
        if let Some(depth) = depth {
            c.media.jitter_depth_packets = depth;
        }
    })
    .await;
    println!(
        "jitter_depth_packets={}",
        server.running.context.config.media.jitter_depth_packets
    );
    let hold = Duration::from_secs(ROUNDS as u64 + 30);
    let Bridged {
        agent,
        mic,
        mut caller,
        ..
    } = bridge(&server, "delay1", PASSWORD, hold).await;

    // Both mouths: a frame every 20 ms, silence unless a probe is due. A probe's send time
    // is noted just before it leaves.
    let probe = probe_frame();
    let silence = [0i16; FRAME_SAMPLES];
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    let mut agent_sent = Vec::new();
    let mut caller_sent = Vec::new();
    // Settle: the bridge is up and both sides hear silence first.
    for _ in 0..50 {
        tick.tick().await;
        caller.send(&silence).await;
        let _ = mic.send(Frame::SILENCE).await;
    }
    agent.heard.lock().expect("heard").clear();
    caller.heard.lock().expect("heard").clear();
    for round in 0..ROUNDS * 50 {
        tick.tick().await;
        // The agent speaks at the start of each second, the caller half a second later.
        let caller_speaks = round % 50 == 25;
        let frame = if caller_speaks {
            caller_sent.push(Instant::now());
            &probe
        } else {
            &silence
        };
        caller.send(frame).await;
        if round % 50 == 0 {
            agent_sent.push(Instant::now());
            let _ = mic.send(Frame(probe)).await;
        } else {
            let _ = mic.send(Frame::SILENCE).await;
        }
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    let arrivals = loud(&caller.heard.lock().expect("heard"));
    let heard = loud(&agent.heard.lock().expect("heard"));
    let to_caller = delays(&agent_sent, &arrivals);
    let to_agent = delays(&caller_sent, &heard);
    println!("rounds={ROUNDS} (one probe each way per second)");
    summary("agent -> caller (server only)", to_caller.clone());
    summary(
        "caller -> agent (server + agent playout buffer)",
        to_agent.clone(),
    );
    // Every probe must come through; a lost one means the path, not the timing, is broken.
    assert!(
        to_caller.len() >= ROUNDS * 95 / 100,
        "{} of {ROUNDS}",
        to_caller.len()
    );
    assert!(
        to_agent.len() >= ROUNDS * 95 / 100,
        "{} of {ROUNDS}",
        to_agent.len()
    );
    caller.hang_up();
}

/// When each loud frame arrived.
fn loud(frames: &[(Instant, [i16; FRAME_SAMPLES])]) -> Vec<Instant> {
    frames
        .iter()
        .filter(|(_, f)| rms(f) > LOUD)
        .map(|(t, _)| *t)
        .collect()
}

/// For each send, the first loud arrival after it (within half a second), in milliseconds.
fn delays(sent: &[Instant], arrived: &[Instant]) -> Vec<f64> {
    sent.iter()
        .filter_map(|s| {
            arrived
                .iter()
                .find(|a| **a >= *s && a.duration_since(*s) < Duration::from_millis(500))
                .map(|a| a.duration_since(*s).as_secs_f64() * 1000.0)
        })
        .collect()
}
