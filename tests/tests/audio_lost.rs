//! A workstation whose audio leg fails while its WebSocket stays up (a firewall dropping UDP,
//! a headset process that died) is set not ready with reason `no_audio` and told why, so no
//! caller is put through to a seat nobody can hear. A new leg and "ready" bring it back, and
//! the old leg's end does not knock the new one's seat out again.

use std::time::Duration;

use hotline_e2e::TestServer;
use hotline_e2e::audio::tone_file;
use hotline_e2e::console::Console;
use hotline_e2e::people::{add_agent, wait_ready, wait_state};
use hotline_protocol::{self as proto, Command, Event};
use hotline_server::acd::AgentState;

const PASSWORD: &str = "agent password 1";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seat_whose_audio_fails_turns_not_ready_and_is_told() {
    let server = TestServer::start(|_| {}).await;
    add_agent(&server, "deaf1", PASSWORD);
    let dir = server.dir.path().to_owned();
    let voice = tone_file(&dir, "voice.wav", 600.0);
    let mut seat = Console::login(
        server.running.api,
        "deaf1",
        PASSWORD,
        proto::ClientKind::Other,
    )
    .await;
    seat.start_media(voice.clone(), dir.join("heard-1.wav"))
        .await;
    seat.call(Command::SetReady).await.expect("ready");
    wait_ready(&server, "deaf1").await;

    // The leg goes away; the WebSocket does not.
    seat.stop_media().await;
    let no_audio = AgentState::NotReady {
        reason: "no_audio".into(),
    };
    wait_state(&server, "deaf1", &no_audio).await;
    let notice = seat
        .wait_for(
            "the audio-lost notice",
            Duration::from_secs(10),
            |e| matches!(e, Event::Notice { text, .. } if text.contains("audio lost")),
        )
        .await;
    let Event::Notice { text, level } = notice else {
        unreachable!("matched above")
    };
    assert_eq!(level, proto::NoticeLevel::Warning);
    assert!(text.contains("音频连接中断"), "both languages: {text}");
    let state = seat
        .wait_for("the not-ready state", Duration::from_secs(10), |e| {
            matches!(
                e,
                Event::AgentState {
                    cause: proto::StateCause::AudioLost,
                    ..
                }
            )
        })
        .await;
    assert!(matches!(state, Event::AgentState { .. }));

    // Audio back, ready again, and it stays ready past the hub's silence limit (5 s).
    seat.start_media(voice, dir.join("heard-2.wav")).await;
    seat.call(Command::SetReady).await.expect("ready again");
    wait_ready(&server, "deaf1").await;
    tokio::time::sleep(Duration::from_secs(7)).await;
    assert_eq!(
        server
            .running
            .context
            .distributor
            .agent_state("deaf1")
            .await,
        Some(AgentState::Ready),
        "the seat with a live leg stays ready"
    );
    server.running.shutdown().await;
}
