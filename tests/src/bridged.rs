//! An agent console whose microphone is the test, bridged to a caller whose mouth and ear are
//! the test too ([`RtpCaller`]): both ends of a real call on the test's clock, for tests that
//! check who hears what, and when.

use std::time::Duration;

use hotline_protocol::{self as proto, Command, Event};
use hotline_server::acd::AgentState;
use hotline_softphone::Frame;
use tokio::sync::mpsc;

use crate::TestServer;
use crate::console::Console;
use crate::people::{add_agent, wait_state};
use crate::rtp_caller::RtpCaller;

/// The caller's number; the call goes to 12345, which sends it to the agents.
pub const CALLER_NUMBER: &str = "13800138000";

/// Both ends of an answered call with media flowing.
pub struct Bridged {
    /// The agent's workstation, its WebRTC leg up; what it hears is in `agent.heard`.
    pub agent: Console,
    /// The agent's microphone: every frame sent goes out at once (pacing is the test's).
    pub mic: mpsc::Sender<Frame>,
    /// The caller; SIPp hangs up after the `hold` given to [`bridge`].
    pub caller: RtpCaller,
    /// The call as the agent knows it.
    pub call_id: proto::CallId,
}

/// Adds agent `user`, logs it in with a test-fed microphone, makes it ready, lets a caller dial
/// 12345 (held `hold`), answers the offer and waits until the server's RTP reaches the caller.
pub async fn bridge(server: &TestServer, user: &str, password: &str, hold: Duration) -> Bridged {
    add_agent(server, user, password);
    let mut agent =
        Console::login(server.running.api, user, password, proto::ClientKind::Other).await;
    // Room for a few frames only: the test's pacing, not a queue, decides when audio leaves.
    let (mic, mic_rx) = mpsc::channel::<Frame>(4);
    agent.start_media_with_mic(mic_rx).await;
    agent.call(Command::SetReady).await.expect("ready");
    wait_state(server, user, &AgentState::Ready).await;

    let caller = RtpCaller::dial(server, "12345", CALLER_NUMBER, hold).await;
    let Event::CallOffered { call_id, .. } = agent
        .wait_for("the offer", Duration::from_secs(30), |e| {
            matches!(e, Event::CallOffered { .. })
        })
        .await
    else {
        unreachable!("matched above")
    };
    agent
        .call(Command::Answer {
            call_id: call_id.clone(),
        })
        .await
        .expect("answer");
    caller.wait_media(Duration::from_secs(10)).await;
    Bridged {
        agent,
        mic,
        caller,
        call_id,
    }
}
