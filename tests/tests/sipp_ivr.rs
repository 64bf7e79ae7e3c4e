//! Real SIPp callers against a real server: prompts, digits (RFC 4733 and INFO), CANCEL, hang-up
//! mid-prompt, refusals, and a burst of calls. Every outcome is checked in the call's event log.

use std::time::Duration;

use hotline_e2e::{TestServer, events, listen_rtp, scenario_dir, scenario_from_template, sipp};
use hotline_media::Codec;

fn kinds(ev: &[(String, serde_json::Value)]) -> Vec<&str> {
    ev.iter().map(|(k, _)| k.as_str()).collect()
}

fn queued_to(ev: &[(String, serde_json::Value)]) -> Option<String> {
    ev.iter()
        .find(|(k, _)| k == "queued")
        .and_then(|(_, d)| d["queue"].as_str().map(str::to_owned))
}

async fn prompt_audio_case(codec: Codec, service: &str) {
    let server = TestServer::start(|_| {}).await;
    let media = tokio::net::UdpSocket::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = media.local_addr().expect("addr").port().to_string();
    let pt = codec.payload_type().to_string();
    let sipp_run = sipp(
        &scenario_dir().join("uac_listen.xml"),
        server.sip(),
        &[
            "-s",
            service,
            "-m",
            "1",
            "-set",
            "rtpport",
            &port,
            "-set",
            "codec",
            &pt,
            "-d",
            "3000",
            "-set",
            "caller",
            "13800138000",
        ],
        Duration::from_secs(20),
    );
    let listen = listen_rtp(&media, Duration::from_millis(2500), codec);
    let (run, (heard, from)) = tokio::join!(sipp_run, listen);
    assert!(run.success, "sipp failed: {}\n{}", run.stdout, run.stderr);
    assert!(
        from.is_some(),
        "no RTP in {codec:?} arrived from the server"
    );
    let rms = hotline_media::rms(&heard);
    assert!(
        heard.len() > 8000,
        "under a second of audio heard: {} samples",
        heard.len()
    );
    assert!(rms > 300.0, "the welcome prompt is silent (rms {rms})");
    server.wait_idle(Duration::from_secs(5)).await;
    let ev = server.events_of_latest_call().await;
    let k = kinds(&ev);
    for want in ["received", "ringing", "answered", "bye", "ended"] {
        assert!(k.contains(&want), "event {want} missing in {k:?}");
    }
    let db = server.db().await;
    let (cause, caller): (String, String) = db
        .query_row("SELECT end_cause, caller FROM cdrs", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("one CDR");
    assert_eq!(cause, "caller hangup");
    assert_eq!(caller, "13800138000");
    server.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prompt_audio_arrives_pcmu() {
    prompt_audio_case(Codec::Pcmu, "12345").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prompt_audio_arrives_with_a_pcma_only_offer() {
    prompt_audio_case(Codec::Pcma, "12315").await;
}

/// SIPp keys digits as real RFC 4733 packets (pcap replay from its own media port).
async fn rfc4733_case(codec: Codec, digit: u8, expect_queue: &str) {
    let server = TestServer::start(|_| {}).await;
    let tmp = tempfile::tempdir().expect("tmp");
    let pcap = format!("/usr/share/sip-tester/dtmf_2833_{digit}.pcap");
    assert!(
        std::path::Path::new(&pcap).exists(),
        "{pcap} missing: apt-get install sip-tester"
    );
    let sf = scenario_from_template("uac_rfc4733.tmpl", tmp.path(), &[("DTMF_PCAP", &pcap)]);
    let pt = codec.payload_type().to_string();
    let run = sipp(
        &sf,
        server.sip(),
        &[
            "-s",
            "12315",
            "-m",
            "1",
            "-set",
            "codec",
            &pt,
            "-d",
            "5000",
            "-set",
            "caller",
            "13912345678",
        ],
        Duration::from_secs(30),
    )
    .await;
    assert!(run.success, "sipp failed: {}\n{}", run.stdout, run.stderr);
    server.wait_idle(Duration::from_secs(5)).await;
    let ev = server.events_of_latest_call().await;
    let digits: Vec<_> = ev
        .iter()
        .filter(|(k, _)| k == "digit")
        .map(|(_, d)| {
            (
                d["digit"].as_str().unwrap_or("").to_owned(),
                d["source"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        digits,
        vec![(digit.to_string(), "rfc4733".to_owned())],
        "events: {:?}",
        kinds(&ev)
    );
    assert_eq!(
        queued_to(&ev).as_deref(),
        Some(expect_queue),
        "events: {ev:?}"
    );
    let db = server.db().await;
    let d: String = db
        .query_row("SELECT digits FROM cdrs", [], |r| r.get(0))
        .expect("cdr");
    assert_eq!(d, digit.to_string());
    server.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rfc4733_digit_walks_the_12315_menu_to_complaints() {
    rfc4733_case(Codec::Pcmu, 1, "complaint").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rfc4733_digit_with_pcma_reaches_consultation() {
    rfc4733_case(Codec::Pcma, 3, "consult").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn info_dtmf_walks_the_menu() {
    let server = TestServer::start(|_| {}).await;
    let media = tokio::net::UdpSocket::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = media.local_addr().expect("addr").port().to_string();
    let run = sipp(
        &scenario_dir().join("uac_info.xml"),
        server.sip(),
        &[
            "-s",
            "12365",
            "-m",
            "1",
            "-set",
            "rtpport",
            &port,
            "-set",
            "codec",
            "0",
            "-d",
            "5000",
            "-set",
            "digit",
            "2",
            "-set",
            "caller",
            "02087654321",
        ],
        Duration::from_secs(20),
    )
    .await;
    assert!(run.success, "sipp failed: {}\n{}", run.stdout, run.stderr);
    server.wait_idle(Duration::from_secs(5)).await;
    let ev = server.events_of_latest_call().await;
    assert!(
        ev.iter()
            .any(|(k, d)| k == "digit" && d["source"] == "info" && d["digit"] == "2"),
        "{ev:?}"
    );
    assert_eq!(queued_to(&ev).as_deref(), Some("report"));
    server.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn caller_hangs_up_mid_prompt() {
    let server = TestServer::start(|_| {}).await;
    let media = tokio::net::UdpSocket::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = media.local_addr().expect("addr").port().to_string();
    let run = sipp(
        &scenario_dir().join("uac_listen.xml"),
        server.sip(),
        &[
            "-s",
            "12315",
            "-m",
            "1",
            "-set",
            "rtpport",
            &port,
            "-set",
            "codec",
            "0",
            "-d",
            "400",
            "-set",
            "caller",
            "13800000001",
        ],
        Duration::from_secs(20),
    )
    .await;
    assert!(run.success, "sipp failed: {}\n{}", run.stdout, run.stderr);
    server.wait_idle(Duration::from_secs(5)).await;
    let ev = server.events_of_latest_call().await;
    assert!(
        !ev.iter().any(|(k, _)| k == "queued"),
        "hung up before any choice: {ev:?}"
    );
    let db = server.db().await;
    let (cause, state): (String, String) = db
        .query_row(
            "SELECT c.end_cause, k.state FROM cdrs c JOIN calls k ON k.id = c.call_id",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("cdr");
    assert_eq!(cause, "caller hangup");
    assert_eq!(state, "ended");
    server.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_while_ringing() {
    let server = TestServer::start(|c| {
        for p in &mut c.profiles {
            p.ring_ms = 3000;
        }
    })
    .await;
    let run = sipp(
        &scenario_dir().join("uac_cancel.xml"),
        server.sip(),
        &["-s", "12345", "-m", "1", "-set", "caller", "13800000002"],
        Duration::from_secs(20),
    )
    .await;
    assert!(run.success, "sipp failed: {}\n{}", run.stdout, run.stderr);
    server.wait_idle(Duration::from_secs(5)).await;
    let db = server.db().await;
    let (cause, answered): (String, Option<i64>) = db
        .query_row("SELECT end_cause, answered_at FROM cdrs", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("cdr");
    assert_eq!(cause, "cancelled");
    assert_eq!(answered, None);
    server.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_that_is_not_a_trunk_gets_403() {
    let server = TestServer::start(|c| {
        c.trunks.retain(|t| t.name != "local");
        c.trunks.push(
            toml::from_str::<hotline_server::config::TrunkConfig>(
                "name = \"carrier\"\nkind = \"peer\"\naddresses = [\"192.0.2.10\"]",
            )
            .expect("trunk"),
        );
    })
    .await;
    let tmp = tempfile::tempdir().expect("tmp");
    let sf = scenario_from_template("uac_refused.tmpl", tmp.path(), &[("CODE", "403")]);
    for service in ["12345", "99999"] {
        let run = sipp(
            &sf,
            server.sip(),
            &[
                "-s",
                service,
                "-m",
                "1",
                "-set",
                "codec",
                "0",
                "-set",
                "caller",
                "13800000003",
            ],
            Duration::from_secs(15),
        )
        .await;
        assert!(
            run.success,
            "sipp failed for {service}: {}\n{}",
            run.stdout, run.stderr
        );
    }
    let db = server.db().await;
    let n: i64 = db
        .query_row("SELECT COUNT(*) FROM calls", [], |r| r.get(0))
        .expect("count");
    assert_eq!(n, 0, "refused calls start nothing");
    server.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offer_without_a_usable_codec_gets_488() {
    let server = TestServer::start(|_| {}).await;
    let tmp = tempfile::tempdir().expect("tmp");
    let sf = scenario_from_template("uac_refused.tmpl", tmp.path(), &[("CODE", "488")]);
    let run = sipp(
        &sf,
        server.sip(),
        &[
            "-s",
            "12345",
            "-m",
            "1",
            "-set",
            "codec",
            "18",
            "-set",
            "caller",
            "13800000004",
        ],
        Duration::from_secs(15),
    )
    .await;
    assert!(run.success, "sipp failed: {}\n{}", run.stdout, run.stderr);
    server.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_the_call_limit_gets_503_and_the_admitted_call_keeps_working() {
    let server = TestServer::start(|c| c.server.max_calls = 1).await;
    let media = tokio::net::UdpSocket::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = media.local_addr().expect("addr").port().to_string();
    let first = sipp(
        &scenario_dir().join("uac_listen.xml"),
        server.sip(),
        &[
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
            "4000",
            "-set",
            "caller",
            "13800000005",
        ],
        Duration::from_secs(20),
    );
    let second = async {
        tokio::time::sleep(Duration::from_millis(1200)).await;
        let tmp = tempfile::tempdir().expect("tmp");
        let sf = scenario_from_template("uac_refused.tmpl", tmp.path(), &[("CODE", "503")]);
        let r = sipp(
            &sf,
            server.sip(),
            &[
                "-s",
                "12345",
                "-m",
                "1",
                "-set",
                "codec",
                "0",
                "-set",
                "caller",
                "13800000006",
            ],
            Duration::from_secs(15),
        )
        .await;
        let (heard, _) = listen_rtp(&media, Duration::from_secs(1), Codec::Pcmu).await;
        (r, heard)
    };
    let (first, (second, heard)) = tokio::join!(first, second);
    assert!(
        second.success,
        "second call not refused with 503: {}\n{}",
        second.stdout, second.stderr
    );
    assert!(
        first.success,
        "the admitted call failed: {}\n{}",
        first.stdout, first.stderr
    );
    assert!(
        heard.len() > 4000,
        "the admitted call's audio stopped after the 503"
    );
    server.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_calls_at_twenty_per_second_all_complete() {
    let server = TestServer::start(|_| {}).await;
    let media = tokio::net::UdpSocket::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = media.local_addr().expect("addr").port().to_string();
    let run = sipp(
        &scenario_dir().join("uac_listen.xml"),
        server.sip(),
        &[
            "-s",
            "12345",
            "-m",
            "200",
            "-r",
            "20",
            "-l",
            "100",
            "-set",
            "rtpport",
            &port,
            "-set",
            "codec",
            "0",
            "-d",
            "1000",
            "-set",
            "caller",
            "13800138000",
        ],
        Duration::from_mins(1),
    )
    .await;
    assert!(
        run.success,
        "sipp reported failures: {}\n{}",
        run.stdout, run.stderr
    );
    server.wait_idle(Duration::from_secs(10)).await;
    let db = server.db().await;
    let (n, ok): (i64, i64) = db
        .query_row(
            "SELECT COUNT(*), SUM(end_cause = 'caller hangup') FROM cdrs",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("count");
    assert_eq!((n, ok), (200, 200));
    let open: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM calls WHERE state != 'ended'",
            [],
            |r| r.get(0),
        )
        .expect("open");
    assert_eq!(open, 0);
    let _ = events(&db, "none");
    server.running.shutdown().await;
}
