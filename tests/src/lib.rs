//! Whole-system test helpers: a real server on free ports with a temporary data folder, SIPp
//! runs, and reads of the call records in the real SQLite file.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use hotline_server::config::Config;
use hotline_server::{Running, ServerOptions};

pub mod agent_terminal;
pub mod audio;
pub mod baresip;
pub mod bridged;
pub mod citizen;
pub mod console;
pub mod heard;
pub mod load;
pub mod notify;
pub mod outbound_trunk;
pub mod people;
pub mod rtp_caller;
pub mod tmux;
pub mod ws;

/// A running server with its own temporary data folder.
pub struct TestServer {
    pub running: Running,
    pub dir: tempfile::TempDir,
}

impl TestServer {
    /// Starts the embedded defaults on free loopback ports, after `tweak` has had its say.
    pub async fn start(tweak: impl FnOnce(&mut Config)) -> TestServer {
        Self::start_with(tweak, ServerOptions::default()).await
    }

    /// Starts with `options`; without a clock of its own, the server lives on a Monday at 10:00 in
    /// Shanghai, so the office-hours flows are the ones that run whatever the real hour is.
    pub async fn start_with(
        tweak: impl FnOnce(&mut Config),
        mut options: ServerOptions,
    ) -> TestServer {
        if options.clock.is_none() {
            options.clock = Some(fixed_clock("2026-11-23T02:00:00Z"));
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let mut config = hotline_server::config::load(None).expect("embedded defaults load");
        config.server.sip_listen = "127.0.0.1:0".parse().expect("addr");
        config.server.api_listen = "127.0.0.1:0".parse().expect("addr");
        config.server.data_dir = dir.path().join("data");
        config.server.assets_dir = assets_dir().display().to_string();
        tweak(&mut config);
        let running = hotline_server::start(config, options)
            .await
            .expect("server starts");
        TestServer { running, dir }
    }

    /// Stops the server and starts it again on the same data folder and configuration (new
    /// ports), as an operator's restart would.
    pub async fn restart(self) -> TestServer {
        let TestServer { running, dir } = self;
        let mut config = running.context.config.clone();
        config.server.sip_listen = "127.0.0.1:0".parse().expect("addr");
        config.server.api_listen = "127.0.0.1:0".parse().expect("addr");
        running.shutdown().await;
        let options = ServerOptions {
            clock: Some(fixed_clock("2026-11-23T02:00:00Z")),
        };
        let running = hotline_server::start(config, options)
            .await
            .expect("server restarts");
        TestServer { running, dir }
    }

    pub fn sip(&self) -> SocketAddr {
        self.running.sip_udp
    }

    /// Opens the server's real SQLite file (read side) after flushing pending writes.
    pub async fn db(&self) -> rusqlite::Connection {
        self.running.flush().await;
        rusqlite::Connection::open(&self.running.db_path).expect("open db")
    }

    /// The kinds of the events of the only (or latest) call, with their JSON detail.
    pub async fn events_of_latest_call(&self) -> Vec<(String, serde_json::Value)> {
        let db = self.db().await;
        let id: String = db
            .query_row(
                "SELECT id FROM calls ORDER BY started_at DESC, rowid DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .expect("a call was recorded");
        events(&db, &id)
    }

    /// Waits until no call is active (the server has written every end).
    pub async fn wait_idle(&self, limit: Duration) {
        let until = tokio::time::Instant::now() + limit;
        while self
            .running
            .active_calls
            .load(std::sync::atomic::Ordering::Acquire)
            > 0
        {
            assert!(
                tokio::time::Instant::now() < until,
                "calls still active after {limit:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.running.flush().await;
    }
}

pub fn events(db: &rusqlite::Connection, call_id: &str) -> Vec<(String, serde_json::Value)> {
    let mut st = db
        .prepare("SELECT kind, detail FROM call_events WHERE call_id = ?1 ORDER BY id")
        .expect("prepare");
    st.query_map([call_id], |r| {
        let kind: String = r.get(0)?;
        let detail: String = r.get(1)?;
        Ok((
            kind,
            serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
        ))
    })
    .expect("query")
    .map(|r| r.expect("row"))
    .collect()
}

/// For every call an agent answered: the CDR's end cause and the agent (from the `connected`
/// event), in no particular order.
pub fn answered_calls(db: &rusqlite::Connection) -> Vec<(String, String)> {
    let mut st = db
        .prepare(
            "SELECT d.end_cause, e.detail FROM cdrs d \
             JOIN call_events e ON e.call_id = d.call_id AND e.kind = 'connected'",
        )
        .expect("prepare");
    st.query_map([], |r| {
        let detail: String = r.get(1)?;
        let detail: serde_json::Value =
            serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null);
        Ok((r.get(0)?, detail["agent"].as_str().unwrap_or("").to_owned()))
    })
    .expect("query")
    .map(|r| r.expect("row"))
    .collect()
}

/// The server's WebRTC hub counters from `GET /metrics`: frames received from workstations
/// (agents and supervisors), and legs held.
pub async fn hub_metrics(server: &TestServer) -> (u64, u64) {
    let url = format!("http://{}/metrics", server.running.api);
    let body = reqwest::get(&url)
        .await
        .expect("GET /metrics")
        .text()
        .await
        .expect("metrics body");
    let m: serde_json::Value = serde_json::from_str(&body).expect("metrics JSON");
    let frames = m["agent_frames_received"]
        .as_u64()
        .expect("agent_frames_received");
    let legs = m["agent_legs"].as_u64().expect("agent_legs");
    (frames, legs)
}

/// The project's assets folder.
pub fn assets_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets")
}

pub fn scenario_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

/// Writes a scenario template with its placeholders replaced into `dir`.
pub fn scenario_from_template(name: &str, dir: &Path, subst: &[(&str, &str)]) -> PathBuf {
    let mut text = std::fs::read_to_string(scenario_dir().join(name)).expect("template");
    for (k, v) in subst {
        text = text.replace(k, v);
    }
    let out = dir.join(name.replace(".tmpl", ".xml"));
    std::fs::write(&out, text).expect("write scenario");
    out
}

/// The result of one SIPp run.
#[derive(Debug)]
pub struct SippRun {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

/// Runs SIPp as a client against the server; panics with a clear message if SIPp is missing.
pub fn sipp(
    scenario: &Path,
    server: SocketAddr,
    extra: &[&str],
    limit: Duration,
) -> impl Future<Output = SippRun> + 'static {
    let mut cmd = tokio::process::Command::new("sipp");
    cmd.arg(server.to_string())
        .arg("-sf")
        .arg(scenario)
        .args([
            "-i",
            "127.0.0.1",
            "-p",
            "0",
            "-mp",
            &free_udp_port_even().to_string(),
            "-nostdin",
            "-timeout_error",
        ])
        .args(["-timeout", &format!("{}s", limit.as_secs().max(1))])
        .args([
            "-trace_err",
            "-error_file",
            &std::env::temp_dir()
                .join(format!("sipp-{}.err", std::process::id()))
                .display()
                .to_string(),
        ])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    async move {
        let out = tokio::time::timeout(limit + Duration::from_secs(10), cmd.output())
            .await
            .expect("sipp finished in time")
            .expect("sipp runs (apt-get install sip-tester)");
        SippRun {
            success: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// A free even UDP port whose next three are free too, released before returning: SIPp's
/// `-mp P` binds audio RTP and RTCP on P and P+1 and video on P+2 and P+3, and fails the
/// whole scenario when any of them is taken.
pub fn free_udp_port_even() -> u16 {
    for _ in 0..200 {
        let s = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
        let p = s.local_addr().expect("addr").port();
        if !p.is_multiple_of(2) || p > u16::MAX - 3 {
            continue;
        }
        let rest: Vec<_> = (1..=3)
            .map_while(|i| std::net::UdpSocket::bind(("127.0.0.1", p + i)).ok())
            .collect();
        if rest.len() == 3 {
            return p;
        }
    }
    panic!("no four free ports in a row")
}

/// Decodes RTP payloads arriving on `sock` for `dur`; returns the samples heard and the sender.
pub async fn listen_rtp(
    sock: &tokio::net::UdpSocket,
    dur: Duration,
    codec: hotline_media::Codec,
) -> (Vec<i16>, Option<SocketAddr>) {
    let mut heard = Vec::new();
    let mut from = None;
    let mut buf = vec![0u8; 2048];
    let until = tokio::time::Instant::now() + dur;
    while let Ok(Ok((n, src))) = tokio::time::timeout_at(until, sock.recv_from(&mut buf)).await {
        if let Ok((h, payload)) = hotline_media::parse_rtp(&buf[..n])
            && h.payload_type == codec.payload_type()
        {
            let mut pcm = vec![0i16; payload.len()];
            codec.decode(payload, &mut pcm);
            heard.extend_from_slice(&pcm);
            from = Some(src);
        }
    }
    (heard, from)
}

/// A fixed clock for schedule tests.
pub fn fixed_clock(at: &str) -> hotline_server::calls::Clock {
    let ts: jiff::Timestamp = at.parse().expect("timestamp");
    Arc::new(move || ts)
}

/// A headless agent's flags for `user` on this server, parsed as from its command line so flags
/// added later keep their defaults; tests set the fields they care about on top.
pub fn headless_agent(server: &TestServer, user: &str, password: &str) -> agent_tui::Args {
    use clap::Parser as _;
    let url = format!("ws://{}/ws", server.running.api);
    agent_tui::Args::parse_from([
        "agent-tui",
        "--headless",
        "--server",
        &url,
        "--user",
        user,
        "--password",
        password,
    ])
}
