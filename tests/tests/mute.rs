//! Mute during a call, with real audio both ways: the caller (a UDP socket of the test, SIPp
//! doing the SIP) says 1 kHz, the agent (a real WebRTC leg fed by the test) says 600 Hz. While
//! the agent is muted the caller hears nothing of the agent, the agent still hears the caller,
//! and both directions come back on unmute.

use std::time::{Duration, Instant};

use hotline_e2e::TestServer;
use hotline_e2e::audio::{hears, power};
use hotline_e2e::bridged::{Bridged, bridge};
use hotline_e2e::rtp_caller::{RtpCaller, tone_frame};
use hotline_protocol::{self as proto, Command, Event};
use hotline_softphone::Frame;

const PASSWORD: &str = "correct horse battery";
const CALLER: f32 = 1000.0;
const AGENT: f32 = 600.0;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_muted_agent_is_not_heard_but_still_hears() {
    let server = TestServer::start(|_| {}).await;
    let Bridged {
        mut agent,
        mic,
        mut caller,
        call_id,
    } = bridge(&server, "mute1", PASSWORD, Duration::from_secs(40)).await;

    // Both speak all along: the agent's microphone from a task, the caller from here.
    let agent_voice = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(20));
        loop {
            tick.tick().await;
            if mic.send(Frame(tone_frame(AGENT))).await.is_err() {
                return;
            }
        }
    });
    let caller_voice = tone_frame(CALLER);
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    let mut speak_for = async |caller: &mut RtpCaller, secs: f64| {
        let until = Instant::now() + Duration::from_secs_f64(secs);
        while Instant::now() < until {
            tick.tick().await;
            caller.send(&caller_voice).await;
        }
    };
    // A window of 2 s, trimmed by 0.5 s at the start for the change to settle.
    let mut phases = Vec::new();
    for muted in [false, true, false] {
        agent.call(Command::Mute { on: muted }).await.expect("mute");
        let start = Instant::now();
        speak_for(&mut caller, 2.5).await;
        phases.push((muted, start + Duration::from_millis(500), Instant::now()));
    }
    agent_voice.abort();

    let full = power(&vec_of(&tone_frame(AGENT), 100), AGENT);
    for (muted, from, to) in phases {
        let caller_heard = caller.heard_between(from, to);
        let agent_heard = agent.heard_between(from, to);
        assert!(
            hears(&agent_heard, CALLER, AGENT),
            "muted={muted}: the agent hears the caller"
        );
        // Measured against the agent's tone itself: a caller hearing the agent gets it near full
        // level, a muted one silence (any leak of 600 Hz fails).
        let level = power(&caller_heard, AGENT);
        if muted {
            assert!(
                level < full * 0.001,
                "muted: the caller hears the agent ({level} vs {full})"
            );
        } else {
            assert!(
                level > full * 0.1,
                "unmuted: the caller hears the agent ({level} vs {full})"
            );
        }
    }
    // The agent hangs up: their screen is told so (not "caller hung up"), as the CDR says.
    agent
        .call(Command::Hangup {
            call_id: call_id.clone(),
        })
        .await
        .expect("hang up");
    let ended = agent
        .wait_for("the end", Duration::from_secs(10), |e| {
            matches!(e, Event::CallState { call_id: c, state: proto::CallState::Ended { .. }, .. } if *c == call_id)
        })
        .await;
    assert!(
        matches!(
            ended,
            Event::CallState {
                state: proto::CallState::Ended {
                    cause: proto::EndCause::AgentHangup
                },
                ..
            }
        ),
        "{ended:?}"
    );
    caller.hang_up();
}

fn vec_of(frame: &[i16; 160], n: usize) -> Vec<i16> {
    frame.iter().copied().cycle().take(160 * n).collect()
}
