//! The agent workstation against an API served over TLS with a private CA: the real
//! `agent-tui --headless` binary on `wss://localhost:PORT` with `--ca ca.pem` logs in, goes
//! ready and answers a call; without the CA it stops at once, naming the untrusted
//! certificate (in both languages) and exiting non-zero; an unreadable CA file is an error too.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use hotline_e2e::TestServer;
use hotline_e2e::notify::TestCa;
use hotline_e2e::people::{add_agent, caller_args, wait_ready};
use hotline_e2e::tmux::binary;
use hotline_server::cli::test_call::place_call;

const PASSWORD: &str = "tls agent password";

async fn tls_server(ca: &TestCa) -> TestServer {
    let (cert, key) = (ca.cert.display().to_string(), ca.key.display().to_string());
    TestServer::start(move |c| {
        c.server.tls_cert = cert;
        c.server.tls_key = key;
    })
    .await
}

/// `agent-tui --headless` for `user` on the server at `wss://localhost:PORT`, answering one
/// call, with `extra` flags; no `$HOTLINE_CA` from the test's environment.
fn headless(server: &TestServer, user: &str, extra: &[&str]) -> tokio::process::Child {
    let url = format!("wss://localhost:{}/ws", server.running.api.port());
    tokio::process::Command::new(binary("agent-tui", "agent-tui"))
        .args(["--headless", "--server", &url, "--user", user])
        .args([
            "--password",
            PASSWORD,
            "--answer-after",
            "0.3",
            "--calls",
            "1",
        ])
        .args(extra)
        .env_remove("HOTLINE_CA")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("agent-tui starts")
}

/// Waits for the agent to exit by itself within `limit`; its exit status, stdout and stderr.
/// Past the limit it is killed and the test fails showing what it printed.
async fn finished(
    mut agent: tokio::process::Child,
    limit: Duration,
) -> (std::process::ExitStatus, String, String) {
    use tokio::io::AsyncReadExt as _;
    let mut out = agent.stdout.take().expect("stdout");
    let mut err = agent.stderr.take().expect("stderr");
    let stdout = tokio::spawn(async move {
        let mut text = String::new();
        let _ = out.read_to_string(&mut text).await;
        text
    });
    let stderr = tokio::spawn(async move {
        let mut text = String::new();
        let _ = err.read_to_string(&mut text).await;
        text
    });
    let status = tokio::time::timeout(limit, agent.wait()).await;
    if status.is_err() {
        let _ = agent.kill().await;
    }
    let stdout = stdout.await.expect("stdout reader");
    let stderr = stderr.await.expect("stderr reader");
    let Ok(status) = status else {
        panic!("agent-tui still running after {limit:?}\n{stdout}\n{stderr}");
    };
    (status.expect("agent-tui status"), stdout, stderr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_ca_the_headless_agent_answers_over_wss() {
    let ca = TestCa::new();
    let server = tls_server(&ca).await;
    add_agent(&server, "tls1", PASSWORD);
    let ca_pem = ca.ca.display().to_string();
    let agent = headless(&server, "tls1", &["--ca", &ca_pem]);
    wait_ready(&server, "tls1").await;

    let report = place_call(&caller_args(&server, "13800138000", 12.0))
        .await
        .expect("call");
    assert!(report.answered, "{report}");
    let (status, stdout, stderr) = finished(agent, Duration::from_secs(20)).await;
    assert!(status.success(), "{status}\n{stdout}\n{stderr}");
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("agent tls1 ") && l.ends_with(" ready")),
        "{stderr}"
    );
    // The headless agent's per-call line: it talked with the caller until the caller hung up.
    let line = stdout
        .lines()
        .find(|l| l.starts_with("call "))
        .unwrap_or_else(|| panic!("no call line\n{stdout}\n{stderr}"));
    assert!(line.contains("talked="), "{line}");
    assert!(line.contains("ended="), "{line}");
    server.wait_idle(Duration::from_secs(5)).await;
    let rows = hotline_e2e::answered_calls(&server.db().await);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].1, "tls1", "{rows:?}");
    server.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_ca_or_with_a_bad_one_the_agent_says_why_and_fails() {
    let ca = TestCa::new();
    let server = tls_server(&ca).await;
    add_agent(&server, "tls2", PASSWORD);

    let (status, stdout, stderr) =
        finished(headless(&server, "tls2", &[]), Duration::from_secs(20)).await;
    assert!(!status.success(), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("the server's certificate is not trusted"),
        "{stderr}"
    );
    assert!(stderr.contains("服务器证书不受信任"), "{stderr}");
    assert!(stderr.contains("--ca FILE"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    let missing = server.dir.path().join("no-such-ca.pem");
    let not_pem = server.dir.path().join("not-a-ca.pem");
    std::fs::write(&not_pem, "not a certificate\n").expect("write");
    for (file, says) in [(&missing, "No such file"), (&not_pem, "no certificate")] {
        let (status, stdout, stderr) = finished(
            headless(&server, "tls2", &["--ca", &file.display().to_string()]),
            Duration::from_secs(20),
        )
        .await;
        assert!(!status.success(), "{stdout}\n{stderr}");
        assert!(stderr.contains(&display(file)), "{stderr}");
        assert!(stderr.contains(says), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    server.running.shutdown().await;
}

fn display(p: &Path) -> String {
    p.display().to_string()
}
