//! WebSocket frames larger than the read buffers arrive whole: the server reads a workstation's
//! socket 4 KiB at a time and the workstation client 16 KiB at a time (small, because every read
//! attempt zero-fills the buffer first), yet a 100 KB command and a 60 KB reply pass intact.

use hotline_e2e::TestServer;
use hotline_e2e::people::add_agent;
use hotline_protocol::{self as proto, ClientKind, Command, ReplyBody};
use hotline_server::store::{NewCaller, Store};
use hotline_tui::client::{Client, ClientError};

const NUMBER: &str = "13800001111";
const PASSWORD: &str = "agent password 1";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frames_larger_than_the_read_buffers_arrive_whole() {
    let server = TestServer::start(|_| {}).await;
    add_agent(&server, "bigframes", PASSWORD);
    // A caller whose name alone is 60 KB of UTF-8.
    let name = "王".repeat(20_000);
    Store::open(&server.running.db_path)
        .expect("store")
        .add_caller(
            &NewCaller {
                name: name.clone(),
                numbers: vec![NUMBER.into()],
                ..NewCaller::default()
            },
            0,
        )
        .expect("caller");
    let url = format!("ws://{}/ws", server.running.api);
    let mut client = Client::connect(&url).await.expect("connect");

    // 100 KB in one frame: read whole and answered, the session stays up.
    let wrong = Command::Login {
        user: "bigframes".into(),
        password: "x".repeat(100_000),
        client: ClientKind::Other,
        resume_token: None,
    };
    match client.call(wrong).await {
        Err(ClientError::Refused { code, .. }) => assert_eq!(code, proto::ErrorCode::Unauthorized),
        other => panic!("a wrong password must be refused, got {other:?}"),
    }
    let login = Command::Login {
        user: "bigframes".into(),
        password: PASSWORD.into(),
        client: ClientKind::Other,
        resume_token: None,
    };
    client
        .call(login)
        .await
        .expect("log-in on the same session");

    let lookup = Command::CallerLookup {
        number: NUMBER.into(),
    };
    match client.call(lookup).await.expect("lookup") {
        ReplyBody::CallerInfo(pop) => {
            assert_eq!(
                pop.caller.name,
                Some(name),
                "the 60 KB reply arrived intact"
            );
        }
        other => panic!("expected caller info, got {other:?}"),
    }
    client.close().await;
}
