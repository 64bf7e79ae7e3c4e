//! Outbound registration against SIPp acting as the carrier's registrar: digest challenge answered
//! with the right credentials (SIPp verifies them), then refreshed before expiry.

use std::time::Duration;

use hotline_e2e::{TestServer, scenario_dir};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registers_with_digest_and_refreshes() {
    let port = {
        let s = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
        s.local_addr().expect("addr").port()
    };
    let sipp = tokio::process::Command::new("sipp")
        .args([
            "-sf",
            &scenario_dir()
                .join("uas_registrar.xml")
                .display()
                .to_string(),
        ])
        .args([
            "-i",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-m",
            "1",
            "-nostdin",
            "-timeout",
            "30s",
            "-timeout_error",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("sipp runs (apt-get install sip-tester)");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let trunk = format!(
        "name = \"carrier\"\nkind = \"register\"\nregistrar = \"sip:127.0.0.1:{port}\"\nusername = \"hotline12345\"\npassword = \"s3cret\"\ndomain = \"carrier.test\"\nexpires_secs = 300\n"
    );
    let server =
        TestServer::start(move |c| c.trunks.push(toml::from_str(&trunk).expect("trunk"))).await;
    let out = tokio::time::timeout(Duration::from_secs(30), sipp.wait_with_output())
        .await
        .expect("sipp ended")
        .expect("sipp output");
    assert!(
        out.status.success(),
        "registrar scenario failed (wrong digest or no refresh): {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let board = server.running.registrations.lock().expect("lock").clone();
    assert_eq!(board.len(), 1);
    assert!(board[0].registered, "{board:?}");
    assert_eq!(board[0].last_code, Some(200));
    server.running.shutdown().await;
}
