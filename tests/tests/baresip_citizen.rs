//! baresip as a citizen's phone: it dials 12315, hears the welcome prompt (checked against the
//! asset's length and loudness), keys 1 by RFC 4733, and the call is in the CDRs with its digit.

use std::path::Path;
use std::time::Duration;

use hotline_e2e::{TestServer, assets_dir};
use tokio::io::AsyncWriteExt;

fn netstring(json: &str) -> Vec<u8> {
    format!("{}:{},", json.len(), json).into_bytes()
}

async fn ctrl(stream: &mut tokio::net::TcpStream, command: &str, params: &str) {
    let msg =
        serde_json::json!({"command": command, "params": params, "token": command}).to_string();
    stream
        .write_all(&netstring(&msg))
        .await
        .expect("ctrl_tcp write");
}

fn write_config(dir: &Path, ctrl_port: u16) {
    let voice = dir.join("voice.wav");
    std::fs::write(
        &voice,
        hotline_media::wav_bytes(&vec![0i16; 8000 * 20], 8000, 1),
    )
    .expect("voice");
    std::fs::create_dir_all(dir.join("snd")).expect("snd dir");
    let config = format!(
        "poll_method\t\tpoll\nsip_listen\t\t127.0.0.1:0\naudio_player\t\talsa,null\naudio_alert\t\talsa,null\naudio_source\t\taufile,{}\naudio_srate\t\t8000\naudio_channels\t\t1\nmodule_path\t\t/usr/lib/baresip/modules\nmodule\t\t\tg711.so\nmodule\t\t\taufile.so\nmodule\t\t\talsa.so\nmodule\t\t\tsndfile.so\nmodule_app\t\taccount.so\nmodule_app\t\tmenu.so\nmodule_app\t\tctrl_tcp.so\nctrl_tcp_listen\t\t127.0.0.1:{ctrl_port}\nsnd_path\t\t{}\n",
        voice.display(),
        dir.join("snd").display()
    );
    std::fs::write(dir.join("config"), config).expect("config");
    std::fs::write(
        dir.join("accounts"),
        "<sip:13700001111@127.0.0.1>;regint=0;audio_codecs=PCMU/8000/1\n",
    )
    .expect("accounts");
    std::fs::write(dir.join("contacts"), "").expect("contacts");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn baresip_hears_the_welcome_and_navigates_by_dtmf() {
    let server = TestServer::start(|_| {}).await;
    let home = tempfile::tempdir().expect("tmp");
    let ctrl_port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    write_config(home.path(), ctrl_port);
    let mut phone = tokio::process::Command::new("baresip")
        .args(["-f", &home.path().display().to_string()])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("baresip runs (apt-get install baresip)");
    let mut stream = None;
    for _ in 0..50 {
        if let Ok(s) = tokio::net::TcpStream::connect(("127.0.0.1", ctrl_port)).await {
            stream = Some(s);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut stream = stream.expect("baresip's ctrl_tcp listens");
    ctrl(&mut stream, "dial", &format!("sip:12315@{}", server.sip())).await;
    // The welcome and menu play first; key 1 (complaint) once they are well under way.
    tokio::time::sleep(Duration::from_secs(6)).await;
    ctrl(&mut stream, "sndcode", "1").await;
    // Long enough for "please hold" to play and the call to reach the queue.
    tokio::time::sleep(Duration::from_secs(5)).await;
    ctrl(&mut stream, "hangup", "").await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    ctrl(&mut stream, "quit", "").await;
    let _ = tokio::time::timeout(Duration::from_secs(5), phone.wait()).await;
    let _ = phone.start_kill();

    // What the phone heard: the decoded-audio dump of the sndfile module.
    let dumps: Vec<_> = std::fs::read_dir(home.path().join("snd"))
        .expect("snd")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with("-dec.wav"))
        .collect();
    assert_eq!(dumps.len(), 1, "one decoded dump expected, found {dumps:?}");
    let (info, heard) =
        hotline_media::read_wav(&std::fs::read(&dumps[0]).expect("dump")).expect("wav");
    assert_eq!(info.sample_rate, 8000);
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
