//! Every RFC 4475 torture message sent over UDP to a running server: each gets the answer
//! INDEX.tsv allows (or none where dropping is allowed), and the server keeps answering OPTIONS.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use hotline_e2e::TestServer;

/// What the server must do with each message: `None` = send nothing back, `Some(codes)` = one of these.
fn expected() -> BTreeMap<&'static str, Option<&'static [u16]>> {
    let mut m: BTreeMap<&'static str, Option<&'static [u16]>> = BTreeMap::new();
    // Valid INVITEs from a trunk address: the call is started (100 first) or refused for its SDP/URI.
    for f in [
        "wsinv.dat",
        "esc01.dat",
        "lwsdisp.dat",
        "longreq.dat",
        "semiuri.dat",
        "transports.dat",
        "inv2543.dat",
        "badbranch.dat",
    ] {
        m.insert(f, Some(&[100, 180, 200, 400, 415, 416, 481, 488, 403]));
    }
    for f in ["intmeth.dat", "esc02.dat", "mpart01.dat"] {
        m.insert(f, Some(&[405, 501]));
    }
    // REGISTERs: we are not a registrar.
    for f in [
        "escnull.dat",
        "dblreq.dat",
        "regaut01.dat",
        "cparam01.dat",
        "cparam02.dat",
        "regescrt.dat",
        "regbadct.dat",
        "unksm2.dat",
    ] {
        m.insert(f, Some(&[405, 400]));
    }
    // Responses with no transaction: dropped silently.
    for f in [
        "unreason.dat",
        "noreason.dat",
        "scalarlg.dat",
        "bigcode.dat",
        "bcast.dat",
    ] {
        m.insert(f, None);
    }
    for f in [
        "badinv01.dat",
        "clerr.dat",
        "ncl.dat",
        "scalar02.dat",
        "quotbal.dat",
        "ltgtruri.dat",
        "lwsruri.dat",
        "lwsstart.dat",
        "escruri.dat",
        "mismatch01.dat",
        "mismatch02.dat",
        "insuf.dat",
        "multi01.dat",
        "mcl01.dat",
    ] {
        m.insert(f, Some(&[400]));
    }
    // A robust element may accept these (RFC 4475 says so); rejecting with 400 is also right.
    for f in ["trws.dat", "baddate.dat", "badaspec.dat", "baddn.dat"] {
        m.insert(f, Some(&[400, 100, 200, 405, 481, 488]));
    }
    m.insert("badvers.dat", Some(&[505]));
    m.insert("unkscm.dat", Some(&[416]));
    m.insert("novelsc.dat", Some(&[416]));
    m.insert("bext01.dat", Some(&[420]));
    m.insert("invut.dat", Some(&[415]));
    m.insert("sdp01.dat", Some(&[406, 415]));
    m.insert("zeromf.dat", Some(&[200, 483]));
    m
}

fn code_of(resp: &[u8]) -> Option<u16> {
    let text = std::str::from_utf8(resp).ok()?;
    let line = text.lines().next()?;
    line.strip_prefix("SIP/2.0 ")?.get(..3)?.parse().ok()
}

/// The Call-ID of a message, long or compact form, so answers to earlier messages (retransmitted
/// final responses) are not taken for answers to this one.
fn call_id_of(msg: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(msg);
    text.lines().take_while(|l| !l.is_empty()).find_map(|l| {
        let (name, value) = l.split_once(':')?;
        let name = name.trim();
        (name.eq_ignore_ascii_case("call-id") || name.eq_ignore_ascii_case("i"))
            .then(|| value.trim().to_owned())
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn torture_messages_get_the_rfc_4475_answers_and_the_server_keeps_answering() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/rfc4475");
    let index = std::fs::read_to_string(dir.join("INDEX.tsv"))
        .expect("tests/data/rfc4475/INDEX.tsv must exist");
    let files: Vec<String> = index
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next())
        .map(str::to_owned)
        .collect();
    assert_eq!(files.len(), 49, "INDEX.tsv lists 49 messages");
    let expected = expected();
    let server = TestServer::start(|_| {}).await;
    let mut buf = vec![0u8; 65_536];
    let mut failures = Vec::new();
    for f in &files {
        let msg = std::fs::read(dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        let want = expected
            .get(f.as_str())
            .unwrap_or_else(|| panic!("no expectation for {f}"));
        // A socket per message: answers go back to the source, so retransmitted answers to
        // earlier messages never land here.
        let sock = tokio::net::UdpSocket::bind("127.0.0.1:0")
            .await
            .expect("bind");
        sock.send_to(&msg, server.sip()).await.expect("send");
        let id = call_id_of(&msg);
        let mut codes = Vec::new();
        while let Ok(Ok((n, _))) =
            tokio::time::timeout(Duration::from_millis(300), sock.recv_from(&mut buf)).await
        {
            if id.is_some() && call_id_of(&buf[..n]) != id {
                continue;
            }
            if let Some(c) = code_of(&buf[..n]) {
                codes.push(c);
            }
        }
        let ok = match want {
            None => codes.is_empty(),
            Some(allowed) => {
                !codes.is_empty()
                    && codes
                        .iter()
                        .all(|c| allowed.contains(c) || *c == 100 || *c == 180)
            }
        };
        if !ok {
            failures.push(format!("{f}: got {codes:?}, want {want:?}"));
        }
        // After every message the server still answers an ordinary OPTIONS.
        let options = format!(
            "OPTIONS sip:12345@{} SIP/2.0\r\nVia: SIP/2.0/UDP {};branch=z9hG4bK-alive-{f}\r\nMax-Forwards: 70\r\nFrom: <sip:probe@127.0.0.1>;tag=p1\r\nTo: <sip:12345@127.0.0.1>\r\nCall-ID: alive-{f}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
            server.sip(),
            sock.local_addr().expect("addr")
        );
        sock.send_to(options.as_bytes(), server.sip())
            .await
            .expect("send");
        let mut alive = false;
        while let Ok(Ok((n, _))) =
            tokio::time::timeout(Duration::from_secs(1), sock.recv_from(&mut buf)).await
        {
            if std::str::from_utf8(&buf[..n])
                .is_ok_and(|t| t.contains(&format!("alive-{f}")) && t.starts_with("SIP/2.0 200"))
            {
                alive = true;
                break;
            }
        }
        assert!(alive, "server stopped answering after {f}");
    }
    assert!(
        failures.is_empty(),
        "unexpected handling:\n{}",
        failures.join("\n")
    );
    server.running.shutdown().await;
}
