//! baresip as a citizen's phone: it dials 12315, hears the welcome prompt (checked against the
//! asset's length and loudness), keys 1 by RFC 4733, and the call is in the CDRs with its digit.

use std::time::Duration;

use hotline_e2e::baresip::Phone;
use hotline_e2e::{TestServer, assets_dir};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn baresip_hears_the_welcome_and_navigates_by_dtmf() {
    let server = TestServer::start(|_| {}).await;
    let mut phone = Phone::start("13700001111", &vec![0i16; 8000 * 20]).await;
    phone.dial(server.sip(), "12315").await;
    phone
        .wait_event("CALL_ESTABLISHED", Duration::from_secs(30))
        .await;
    // The welcome and menu play first; key 1 (complaint) once they are well under way.
    tokio::time::sleep(Duration::from_secs(6)).await;
    phone.send("sndcode", "1").await;
    // Long enough for "please hold" to play and the call to reach the queue.
    tokio::time::sleep(Duration::from_secs(5)).await;
    phone.send("hangup", "").await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    phone.quit().await;

    // What the phone heard: the decoded-audio dump of the sndfile module.
    let heard = phone.heard();
    let welcome = hotline_media::read_wav_8k_mono(
        &std::fs::read(assets_dir().join("prompts/zh/welcome_12315.wav")).expect("asset"),
    )
    .expect("asset wav");
    let want_rms = hotline_media::rms(&welcome);
    // The first stretch the phone heard is the welcome prompt: as long and about as loud.
    let start = heard
        .iter()
        .position(|s| s.unsigned_abs() > 500)
        .expect("the phone heard something");
    let span = &heard[start..(start + welcome.len()).min(heard.len())];
    assert!(
        span.len() + 1600 >= welcome.len(),
        "heard {} samples of a {}-sample welcome",
        span.len(),
        welcome.len()
    );
    let got_rms = hotline_media::rms(span);
    assert!(
        got_rms > want_rms * 0.5 && got_rms < want_rms * 1.5,
        "welcome loudness {got_rms} vs asset {want_rms}"
    );

    server.wait_idle(Duration::from_secs(5)).await;
    let ev = server.events_of_latest_call().await;
    assert!(
        ev.iter()
            .any(|(k, d)| k == "digit" && d["digit"] == "1" && d["source"] == "rfc4733"),
        "{ev:?}"
    );
    assert!(
        ev.iter()
            .any(|(k, d)| k == "queued" && d["queue"] == "complaint"),
        "{ev:?}"
    );
    let db = server.db().await;
    let (cause, digits, caller): (String, String, String) = db
        .query_row("SELECT end_cause, digits, caller FROM cdrs", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .expect("cdr");
    assert_eq!(cause, "caller hangup");
    assert_eq!(caller, "13700001111");
    assert_eq!(digits, "1");
    server.running.shutdown().await;
}
