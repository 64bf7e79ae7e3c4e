//! The `hotline-server` binary as an admin meets it: a bad config names file, line and key;
//! `ivr check` passes the shipped flows and reports a broken one with file:line; `call` places a
//! call into a server started by `serve`.

use std::process::Command;
use std::time::Duration;

fn server_bin() -> &'static str {
    env!("CARGO_BIN_EXE_hotline-server")
}

#[test]
fn a_bad_config_stops_start_up_naming_file_line_and_key() {
    let dir = tempfile::tempdir().expect("tmp");
    let cfg = dir.path().join("hotline.toml");
    std::fs::write(
        &cfg,
        "[server]\nmax_calls = 10\nsip_listen = \"127.0.0.1:99999\"\n",
    )
    .expect("write");
    let out = Command::new(server_bin())
        .args([
            "--config",
            &cfg.display().to_string(),
            "--data-dir",
            &dir.path().display().to_string(),
        ])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("hotline.toml:3"), "no file:line in {err}");
    assert!(err.contains("sip_listen"), "no key in {err}");

    std::fs::write(&cfg, "[server]\nmax_calls = 10\n[media]\nno_such_key = 1\n").expect("write");
    let out = Command::new(server_bin())
        .args(["--config", &cfg.display().to_string()])
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("hotline.toml:4") && err.contains("no_such_key"),
        "{err}"
    );
}

#[test]
fn ivr_check_passes_shipped_flows_and_reports_a_broken_one() {
    let out = Command::new(server_bin())
        .args(["ivr", "check"])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "shipped flows have findings: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("0 error(s)"), "{text}");

    let dir = tempfile::tempdir().expect("tmp");
    let flow = dir.path().join("broken.toml");
    std::fs::write(&flow, "[flow]\nstart = \"a\"\n\n[node.a]\nplay = \"welcome_12345\"\nnext = \"nowhere\"\n\n[node.orphan]\nplay = \"no_such_prompt\"\n").expect("write");
    let out = Command::new(server_bin())
        .args(["ivr", "check", &flow.display().to_string()])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{text}");
    assert!(
        text.contains("broken.toml:6"),
        "missing target not reported at its line: {text}"
    );
    assert!(
        text.contains("no_such_prompt"),
        "missing prompt not reported: {text}"
    );
}

#[test]
fn serve_then_call_places_a_real_call() {
    let dir = tempfile::tempdir().expect("tmp");
    let sip = {
        let s = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
        s.local_addr().expect("addr")
    };
    let api = {
        let s = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        s.local_addr().expect("addr")
    };
    let mut server = Command::new(server_bin())
        .args([
            "--data-dir",
            &dir.path().display().to_string(),
            "--sip-listen",
            &sip.to_string(),
            "--api-listen",
            &api.to_string(),
            "serve",
        ])
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("serve");
    let mut ready = false;
    for _ in 0..100 {
        if std::net::TcpStream::connect(api).is_ok() {
            ready = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(ready, "server did not come up");
    let out = Command::new(server_bin())
        .args([
            "call",
            "--server",
            &sip.to_string(),
            "--to",
            "12345",
            "--from",
            "13800138000",
            "--duration",
            "2",
        ])
        .output()
        .expect("call");
    let _ = server.kill();
    let _ = server.wait();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("answered=true") && text.contains("final=200"),
        "{text}"
    );
    assert!(
        dir.path().join("hotline.db").exists(),
        "the database lives in --data-dir"
    );
}
