//! Blind transfer between agents with a real caller: the first agent answers, transfers the
//! caller with a note and a ticket to a second agent (a headless agent-tui with a 600 Hz voice),
//! the caller then hears the second agent, and the database holds the transfer, both
//! connections and one recording covering the whole call.

use std::time::Duration;

use hotline_e2e::TestServer;
use hotline_e2e::audio::tone_file;
use hotline_e2e::people::{add_agent, caller_args, wait_ready};
use hotline_e2e::ws::{answer, login, offered, send, until};
use hotline_protocol::{self as proto, Command, ServerFrame};
use hotline_server::cli::test_call::{CallArgs, place_call};

const PASSWORD: &str = "agent password 1";

fn dominant(samples: &[i16]) -> Option<f32> {
    hotline_media::dominant_frequency(samples, &[600.0, 1000.0], 8000)
}

/// What a run of the transfer story leaves behind.
struct Outcome {
    server: TestServer,
    caller_heard: std::path::PathBuf,
    second_heard: std::path::PathBuf,
}

/// A caller (1 kHz) reaches `first` (a bare session), who transfers them blind with a note and
/// a ticket to `second` (a headless agent with a 600 Hz voice, logged in only after the first
/// answer); the caller hangs up after 14 s.
async fn transfer_story(tweak: impl FnOnce(&mut hotline_server::config::Config)) -> Outcome {
    let server = TestServer::start(tweak).await;
    add_agent(&server, "first", PASSWORD);
    add_agent(&server, "second", PASSWORD);
    let dir = server.dir.path().to_owned();
    let caller_voice = tone_file(&dir, "caller.wav", 1000.0);
    let second_voice = tone_file(&dir, "second.wav", 600.0);
    let caller_heard = dir.join("caller-heard.wav");
    let second_heard = dir.join("second-heard.wav");

    let mut first = login(&server, "first", PASSWORD).await;
    send(&mut first, 2, Command::SetReady).await;
    wait_ready(&server, "first").await;

    let call = tokio::spawn({
        let args = CallArgs {
            play: Some(caller_voice),
            record: Some(caller_heard.clone()),
            ..caller_args(&server, "13900000042", 14.0)
        };
        async move { place_call(&args).await }
    });
    let call_id = offered(&mut first).await;
    answer(&mut first, 3, &call_id).await;

    // The second agent logs in only now, so the queue could not have chosen it.
    let second = tokio::spawn({
        let args = agent_tui::Args {
            play: Some(second_voice),
            record: Some(second_heard.clone()),
            answer_after: 0.3,
            ..hotline_e2e::headless_agent(&server, "second", PASSWORD)
        };
        async move { agent_tui::headless::run(&args).await }
    });
    wait_ready(&server, "second").await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    send(
        &mut first,
        4,
        Command::Transfer {
            call_id: call_id.clone(),
            target: proto::TransferTarget::Agent {
                id: proto::AgentId("second".into()),
            },
            mode: proto::TransferMode::Blind,
            note: Some("燃气味道，已建单".into()),
            ticket_id: Some(proto::TicketId("T-42".into())),
        },
    )
    .await;
    let ended = until(&mut first, |f| match f {
        ServerFrame::Reply { id: 4, result, .. } => {
            assert!(
                matches!(result, proto::ReplyResult::Ok(_)),
                "transfer refused: {result:?}"
            );
            None
        }
        ServerFrame::Event {
            event:
                proto::Event::CallState {
                    state: proto::CallState::Ended { cause },
                    ..
                },
            ..
        } => Some(*cause),
        _ => None,
    })
    .await;
    assert_eq!(ended, proto::EndCause::Transferred);

    let report = call.await.expect("caller task").expect("call");
    assert!(report.answered, "{report}");
    tokio::time::timeout(Duration::from_secs(15), second)
        .await
        .expect("second agent finished")
        .expect("task")
        .expect("second agent ran");
    server.wait_idle(Duration::from_secs(5)).await;
    Outcome {
        server,
        caller_heard,
        second_heard,
    }
}

fn call_recordings(db: &rusqlite::Connection) -> Vec<String> {
    db.prepare("SELECT path FROM recordings WHERE kind = 'call'")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .map(|r| r.expect("row"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blind_transfer_hands_the_caller_ticket_and_recording_to_the_next_agent() {
    let Outcome {
        server,
        caller_heard,
        second_heard,
    } = transfer_story(|_| {}).await;

    // After the transfer the caller hears the second agent.
    let heard =
        hotline_media::read_wav_8k_mono(&std::fs::read(&caller_heard).expect("caller recording"))
            .expect("wav");
    let tail = &heard[heard.len().saturating_sub(12_000)..heard.len().saturating_sub(4000)];
    assert_eq!(
        dominant(tail),
        Some(600.0),
        "caller did not hear the second agent"
    );
    // And the second agent hears the caller.
    let (_, second_samples) =
        hotline_media::read_wav(&std::fs::read(&second_heard).expect("second recording"))
            .expect("wav");
    assert!(second_samples.len() > 8000, "second agent heard too little");
    let mid = &second_samples[second_samples.len() / 4..second_samples.len() * 3 / 4];
    assert_eq!(
        dominant(mid),
        Some(1000.0),
        "second agent did not hear the caller"
    );

    // The database: the transfer with its note and ticket, both connections in order, one
    // recording for the whole call with the second agent in its right channel at the end.
    let events = server.events_of_latest_call().await;
    let transfer = events
        .iter()
        .find(|(kind, _)| kind == "transfer")
        .map(|(_, d)| d.clone())
        .expect("transfer event");
    assert_eq!(transfer["from"], "first");
    assert_eq!(transfer["to"]["agent"], "second");
    assert_eq!(transfer["note"], "燃气味道，已建单");
    assert_eq!(transfer["ticket_id"], "T-42");
    let connected: Vec<String> = events
        .iter()
        .filter(|(kind, _)| kind == "connected")
        .map(|(_, d)| d["agent"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(connected, ["first", "second"]);
    // The seat's day is logged: first logged in, became ready, took the call, and left it.
    let states: Vec<String> = server
        .db()
        .await
        .prepare("SELECT state FROM agent_states WHERE agent = 'first' ORDER BY id")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .map(|r| r.expect("row"))
        .collect();
    let on_call = states
        .iter()
        .position(|s| s == "on_call")
        .expect("on_call logged");
    assert!(states[..on_call].iter().any(|s| s == "ready"), "{states:?}");
    assert!(
        states[on_call + 1..]
            .iter()
            .any(|s| s == "wrap_up" || s == "ready"),
        "{states:?}"
    );

    let paths = call_recordings(&server.db().await);
    assert_eq!(paths.len(), 1, "one recording per call: {paths:?}");
    let (info, rec) =
        hotline_media::read_wav(&std::fs::read(&paths[0]).expect("recording file")).expect("wav");
    assert_eq!(info.channels, 2);
    let frames = rec.len() / 2;
    assert!(
        frames > 8000 * 6,
        "the recording covers the call: {frames} frames"
    );
    let right_tail: Vec<i16> = rec
        .chunks_exact(2)
        .map(|p| p[1])
        .skip(frames.saturating_sub(16_000))
        .take(12_000)
        .collect();
    assert_eq!(
        dominant(&right_tail),
        Some(600.0),
        "second agent in the recording"
    );
    let left_start: Vec<i16> = rec.chunks_exact(2).map(|p| p[0]).take(16_000).collect();
    assert_eq!(
        dominant(&left_start),
        Some(1000.0),
        "caller at the start of the recording"
    );
}

/// Recording policy "selected" with only the second agent listed: nothing is recorded while the
/// first agent talks, and the recording starts when the second agent takes the call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorded_agent_starts_the_recording_of_a_transferred_call() {
    let Outcome { server, .. } = transfer_story(|c| {
        c.recording.policy = hotline_server::config::RecordingPolicy::Selected;
        c.recording.agents = vec!["second".into()];
    })
    .await;
    let paths = call_recordings(&server.db().await);
    assert_eq!(paths.len(), 1, "{paths:?}");
    let (_, rec) =
        hotline_media::read_wav(&std::fs::read(&paths[0]).expect("recording file")).expect("wav");
    let frames = rec.len() / 2;
    let right: Vec<i16> = rec.chunks_exact(2).map(|p| p[1]).skip(frames / 4).collect();
    assert_eq!(
        dominant(&right),
        Some(600.0),
        "the second agent is recorded"
    );
    let left: Vec<i16> = rec.chunks_exact(2).map(|p| p[0]).collect();
    assert_eq!(dominant(&left), Some(1000.0), "the caller is recorded");
    // Nothing before the transfer: shorter than the whole conversation.
    assert!(
        frames < 8000 * 8,
        "recorded from the second agent on: {frames} frames"
    );
}
