//! baresip as a citizen's phone for whole-system tests: a config folder of its own, a WAV file as
//! its microphone (`aufile`), what it heard dumped by `sndfile`, driven and watched over
//! `ctrl_tcp` (netstrings of JSON: commands in; responses and call events out).

use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A running baresip with one account, `<user>@127.0.0.1`, that never registers.
pub struct Phone {
    child: tokio::process::Child,
    ctrl: TcpStream,
    home: tempfile::TempDir,
    /// Bytes read from `ctrl_tcp` that are not yet a whole netstring.
    pending: Vec<u8>,
    /// Every message baresip sent over `ctrl_tcp` (responses and events), oldest first.
    pub messages: Vec<serde_json::Value>,
    /// How many of `messages` [`Phone::wait_event`] has looked at.
    seen: usize,
}

impl Phone {
    /// Starts baresip as `user` speaking `voice` (8 kHz mono). baresip 1.0's `aufile` does not
    /// loop and closes the call when the file runs out, so `voice` must outlast the call.
    pub async fn start(user: &str, voice: &[i16]) -> Phone {
        let home = tempfile::tempdir().expect("baresip home");
        let ctrl_port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
            l.local_addr().expect("addr").port()
        };
        write_config(home.path(), user, voice, ctrl_port);
        // A file rather than a pipe: nobody drains a pipe, and the log explains failures.
        let log = std::fs::File::create(home.path().join("baresip.log")).expect("log");
        let child = tokio::process::Command::new("baresip")
            .args(["-f", &home.path().display().to_string()])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .expect("baresip runs (apt-get install baresip)");
        let mut ctrl = None;
        for _ in 0..300 {
            if let Ok(s) = TcpStream::connect(("127.0.0.1", ctrl_port)).await {
                ctrl = Some(s);
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let Some(ctrl) = ctrl else {
            panic!(
                "baresip's ctrl_tcp never listened; log:\n{}",
                read_log(home.path())
            );
        };
        Phone {
            child,
            ctrl,
            home,
            pending: Vec::new(),
            messages: Vec::new(),
            seen: 0,
        }
    }

    /// Sends one `ctrl_tcp` command (its token is the command's name).
    pub async fn send(&mut self, command: &str, params: &str) {
        let msg =
            serde_json::json!({"command": command, "params": params, "token": command}).to_string();
        self.ctrl
            .write_all(format!("{}:{},", msg.len(), msg).as_bytes())
            .await
            .expect("ctrl_tcp write");
    }

    /// Dials `number` at the server's SIP address.
    pub async fn dial(&mut self, server: SocketAddr, number: &str) {
        self.send("dial", &format!("sip:{number}@{server}")).await;
    }

    /// Waits for the next call event of `kind` (`CALL_ESTABLISHED`, `CALL_CLOSED`, …) not yet
    /// waited for, and gives it; panics with everything baresip said if none comes in `limit`.
    pub async fn wait_event(&mut self, kind: &str, limit: Duration) -> serde_json::Value {
        let until = tokio::time::Instant::now() + limit;
        loop {
            while self.seen < self.messages.len() {
                let m = &self.messages[self.seen];
                self.seen += 1;
                if m["event"] == true && m["type"] == kind {
                    return m.clone();
                }
            }
            let mut buf = [0u8; 4096];
            match tokio::time::timeout_at(until, self.ctrl.read(&mut buf)).await {
                Ok(Ok(n)) if n > 0 => {
                    self.pending.extend_from_slice(&buf[..n]);
                    while let Some(json) = take_netstring(&mut self.pending) {
                        self.messages
                            .push(serde_json::from_slice(&json).unwrap_or(serde_json::Value::Null));
                    }
                }
                outcome => panic!(
                    "baresip: no {kind} within {limit:?} ({}); ctrl_tcp said {:?}; log:\n{}",
                    match outcome {
                        Err(_) => "timed out".to_owned(),
                        Ok(Ok(_)) => "ctrl_tcp closed".to_owned(),
                        Ok(Err(e)) => e.to_string(),
                    },
                    self.messages,
                    self.log()
                ),
            }
        }
    }

    /// Whether an event of `kind` has arrived so far.
    pub fn saw_event(&self, kind: &str) -> bool {
        self.messages
            .iter()
            .any(|m| m["event"] == true && m["type"] == kind)
    }

    /// Asks baresip to quit (which closes the sound dumps), and kills it if it lingers.
    pub async fn quit(&mut self) {
        self.send("quit", "").await;
        if tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.start_kill();
            let _ = self.child.wait().await;
        }
    }

    /// What the phone heard: the decoded audio `sndfile` dumped for the one call (8 kHz mono).
    /// Call after [`Phone::quit`].
    pub fn heard(&self) -> Vec<i16> {
        let dumps: Vec<_> = std::fs::read_dir(self.home.path().join("snd"))
            .expect("snd")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.to_string_lossy().ends_with("-dec.wav"))
            .collect();
        assert_eq!(dumps.len(), 1, "one decoded dump expected, found {dumps:?}");
        let (info, heard) =
            hotline_media::read_wav(&std::fs::read(&dumps[0]).expect("dump")).expect("wav");
        assert_eq!(
            (info.sample_rate, info.channels),
            (8000, 1),
            "baresip's dump format"
        );
        heard
    }

    /// baresip's console output so far.
    pub fn log(&self) -> String {
        read_log(self.home.path())
    }
}

fn read_log(home: &Path) -> String {
    std::fs::read_to_string(home.join("baresip.log")).unwrap_or_default()
}

/// Removes one whole netstring (`<len>:<bytes>,`) from the front of `buf` and gives its bytes.
fn take_netstring(buf: &mut Vec<u8>) -> Option<Vec<u8>> {
    let colon = buf.iter().position(|&b| b == b':')?;
    let len: usize = std::str::from_utf8(&buf[..colon]).ok()?.parse().ok()?;
    let end = colon + 1 + len;
    if buf.len() <= end {
        return None;
    }
    let body = buf[colon + 1..end].to_vec();
    buf.drain(..=end);
    Some(body)
}

/// The config folder: PCMU only, `voice` through `aufile`, speaker to ALSA's null device with
/// `sndfile` dumping both directions into `snd/`, commands on `ctrl_port`.
fn write_config(dir: &Path, user: &str, voice: &[i16], ctrl_port: u16) {
    let voice_path = dir.join("voice.wav");
    std::fs::write(&voice_path, hotline_media::wav_bytes(voice, 8000, 1)).expect("voice");
    std::fs::create_dir_all(dir.join("snd")).expect("snd dir");
    let lines = [
        "poll_method\t\tpoll".to_owned(),
        "sip_listen\t\t127.0.0.1:0".to_owned(),
        "audio_player\t\talsa,null".to_owned(),
        "audio_alert\t\talsa,null".to_owned(),
        format!("audio_source\t\taufile,{}", voice_path.display()),
        "audio_srate\t\t8000".to_owned(),
        "audio_channels\t\t1".to_owned(),
        "module_path\t\t/usr/lib/baresip/modules".to_owned(),
        "module\t\t\tg711.so".to_owned(),
        "module\t\t\taufile.so".to_owned(),
        "module\t\t\talsa.so".to_owned(),
        "module\t\t\tsndfile.so".to_owned(),
        "module_app\t\taccount.so".to_owned(),
        "module_app\t\tmenu.so".to_owned(),
        "module_app\t\tctrl_tcp.so".to_owned(),
        format!("ctrl_tcp_listen\t\t127.0.0.1:{ctrl_port}"),
        format!("snd_path\t\t{}", dir.join("snd").display()),
    ];
    std::fs::write(dir.join("config"), lines.join("\n") + "\n").expect("config");
    std::fs::write(
        dir.join("accounts"),
        format!("<sip:{user}@127.0.0.1>;regint=0;audio_codecs=PCMU/8000/1\n"),
    )
    .expect("accounts");
    std::fs::write(dir.join("contacts"), "").expect("contacts");
}

#[cfg(test)]
mod tests {
    use super::take_netstring;

    #[test]
    fn netstrings_are_taken_whole_and_in_order() {
        let mut buf = b"3:abc,2:de".to_vec();
        assert_eq!(take_netstring(&mut buf).as_deref(), Some(&b"abc"[..]));
        assert_eq!(take_netstring(&mut buf), None);
        buf.extend_from_slice(b",");
        assert_eq!(take_netstring(&mut buf).as_deref(), Some(&b"de"[..]));
        assert!(buf.is_empty());
    }
}
