//! In-dialog requests from a real SIPp caller, over UDP and TCP: hold (re-INVITE sendonly gets
//! recvonly and the prompt stops), resume with a codec change to PCMA, UPDATE tolerated, BYE.

use std::time::Duration;

use hotline_e2e::{TestServer, listen_rtp, scenario_dir, sipp};
use hotline_media::Codec;

async fn hold_resume(transport: &str) {
    let server = TestServer::start(|_| {}).await;
    let media = tokio::net::UdpSocket::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = media.local_addr().expect("addr").port().to_string();
    let run = sipp(
        &scenario_dir().join("uac_hold.xml"),
        server.sip(),
        &[
            "-t",
            transport,
            "-s",
            "12345",
            "-m",
            "1",
            "-set",
            "rtpport",
            &port,
            "-set",
            "codec",
            "0",
            "-d",
            "2500",
            "-set",
            "caller",
            "13800000010",
        ],
        Duration::from_secs(20),
    );
    // After the resume (about 1.6 s in) the prompt continues in PCMA.
    let listen = async {
        tokio::time::sleep(Duration::from_millis(2200)).await;
        listen_rtp(&media, Duration::from_millis(1500), Codec::Pcma).await
    };
    let (run, (heard, _)) = tokio::join!(run, listen);
    assert!(
        run.success,
        "sipp ({transport}) failed: {}\n{}",
        run.stdout, run.stderr
    );
    assert!(
        heard.len() > 4000,
        "no PCMA audio after the resume ({} samples)",
        heard.len()
    );
    server.wait_idle(Duration::from_secs(5)).await;
    let ev = server.events_of_latest_call().await;
    let holds: Vec<_> = ev
        .iter()
        .filter(|(k, _)| k == "hold" || k == "resume")
        .map(|(k, d)| (k.clone(), d["codec"].as_str().unwrap_or("").to_owned()))
        .collect();
    assert_eq!(
        holds,
        vec![
            ("hold".to_owned(), "PCMU".to_owned()),
            ("resume".to_owned(), "PCMA".to_owned())
        ],
        "{ev:?}"
    );
    let db = server.db().await;
    let (cause, tr): (String, String) = db
        .query_row(
            "SELECT c.end_cause, k.transport FROM cdrs c JOIN calls k ON k.id = c.call_id",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("cdr");
    assert_eq!(cause, "caller hangup");
    assert_eq!(tr, if transport == "t1" { "tcp" } else { "udp" });
    server.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hold_resume_codec_change_and_update_over_udp() {
    hold_resume("u1").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hold_resume_codec_change_and_update_over_tcp() {
    hold_resume("t1").await;
}
