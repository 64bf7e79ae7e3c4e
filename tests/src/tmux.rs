//! A workstation binary in a real terminal: a tmux session driven with `send-keys` and read
//! with `capture-pane`, and the binaries built next to the test's own target directory.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// A tmux session running one command; killed when dropped (also when the test fails, after
/// printing the screen and the program's stderr so a broken run can be read).
pub struct Tmux {
    name: String,
    stderr: PathBuf,
}

impl Tmux {
    /// Starts `command` in a detached `width`×`height` session; its stderr goes to `stderr`.
    /// The pane stays after the program exits, with `exited: <code>` on the last line.
    pub fn start(name: &str, command: &str, stderr: PathBuf, width: u16, height: u16) -> Tmux {
        let wrapped = format!(
            "{command} 2>{}; echo \"exited: $?\"; sleep 600",
            stderr.display()
        );
        let ok = Command::new("tmux")
            .args(["new-session", "-d", "-s", name])
            .args(["-x", &width.to_string(), "-y", &height.to_string()])
            .arg(&wrapped)
            .status()
            .expect("tmux runs (.ci/deps installs it)");
        assert!(ok.success(), "tmux new-session failed");
        Tmux {
            name: name.to_owned(),
            stderr,
        }
    }

    /// Sends keys by tmux name (`Enter`, `Down`, `C-q`, `y`).
    pub fn keys(&self, keys: &[&str]) {
        let ok = Command::new("tmux")
            .args(["send-keys", "-t", &self.name])
            .args(keys)
            .status()
            .expect("tmux send-keys");
        assert!(ok.success(), "tmux send-keys {keys:?}");
    }

    /// Types `text` literally (UTF-8, as a terminal would get it).
    pub fn text(&self, text: &str) {
        let ok = Command::new("tmux")
            .args(["send-keys", "-t", &self.name, "-l", text])
            .status()
            .expect("tmux send-keys -l");
        assert!(ok.success(), "tmux send-keys -l {text}");
    }

    pub fn capture(&self) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.name])
            .output()
            .expect("tmux capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Polls the screen until `want` holds, within `limit`; returns that screen.
    pub async fn wait_for(
        &self,
        what: &str,
        limit: Duration,
        want: impl Fn(&str) -> bool,
    ) -> String {
        let until = tokio::time::Instant::now() + limit;
        loop {
            let screen = self.capture();
            if want(&screen) {
                return screen;
            }
            assert!(
                tokio::time::Instant::now() < until,
                "timed out after {limit:?} waiting for {what}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn wait_text(&self, text: &str, limit: Duration) -> String {
        self.wait_for(text, limit, |s| s.contains(text)).await
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let screen = self.capture();
            let stderr = std::fs::read_to_string(&self.stderr).unwrap_or_default();
            eprintln!("--- last screen ---\n{screen}\n--- stderr ---\n{stderr}");
        }
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.name])
            .status();
    }
}

/// Builds `bin` of `package` (cargo lets go of its lock while tests run) and returns its path
/// next to the running test: `target/<profile>/deps/<test>` → `target/<profile>/<bin>`.
pub fn binary(package: &str, bin: &str) -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let ok = Command::new(cargo)
        .args(["build", "-p", package, "--bin", bin])
        .status()
        .expect("cargo runs");
    assert!(ok.success(), "building {bin} failed");
    let exe = std::env::current_exe().expect("test executable");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps/<test>");
    let path = profile_dir.join(bin);
    assert!(path.exists(), "{} missing", path.display());
    path
}
