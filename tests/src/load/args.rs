//! The command line: the same flags, with the same meaning, as
//! `agent-tui --headless --sessions N`, so the load script can run either.

use std::time::Duration;

use clap::Parser;

use super::agent::Timing;

/// Cheap load agents: N headless agent sessions in one process, each a real WebSocket log-in
/// and a str0m WebRTC leg speaking a 600 Hz tone, for load runs of hotline-server.
#[derive(Debug, Clone, Parser)]
#[command(name = "load-agents", version)]
pub struct Args {
    /// The server: ws://host:port/ws (http://host:port is accepted too).
    #[arg(long, default_value = hotline_tui::cli::DEFAULT_SERVER)]
    pub server: String,
    /// Session i (1-based) logs in as this name followed by i: --user load gives load1, …
    #[arg(long)]
    pub user: String,
    /// Every `{ n }` (written without the spaces) is replaced by the session's number.
    #[arg(long)]
    pub password: String,
    /// How many agents this process runs.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub sessions: u32,
    /// Seconds between the offer and answering it.
    #[arg(long, default_value = "1", value_parser = seconds)]
    pub answer_after: Duration,
    /// Seconds after answering to hang up; 0 waits for the caller to hang up.
    #[arg(long, default_value = "0", value_parser = seconds)]
    pub hangup_after: Duration,
    /// Calls per session before it logs out; 0 runs until interrupted.
    #[arg(long, default_value_t = 1)]
    pub calls: u32,
    /// Accepted and ignored: load-agents is always headless (agent-tui needs the flag).
    #[arg(long, hide = true)]
    pub headless: bool,
}

impl Args {
    pub fn timing(&self) -> Timing {
        Timing {
            answer_after: self.answer_after,
            hangup_after: (!self.hangup_after.is_zero()).then_some(self.hangup_after),
            calls: self.calls,
        }
    }
}

/// A non-negative number of seconds.
fn seconds(s: &str) -> Result<Duration, String> {
    let v: f64 = s.parse().map_err(|e| format!("{e}"))?;
    Duration::try_from_secs_f64(v).map_err(|_| format!("{s} is not a number of seconds"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_load_scripts_flags() {
        let a = Args::parse_from([
            "load-agents",
            "--headless",
            "--sessions",
            "3",
            "--server",
            "ws://127.0.0.1:28080/ws",
            "--user",
            "load1_",
            "--password",
            "load password {n}",
            "--answer-after",
            "0.2",
            "--hangup-after",
            "10",
            "--calls",
            "0",
        ]);
        assert_eq!(a.sessions, 3);
        assert_eq!(
            a.timing(),
            Timing {
                answer_after: Duration::from_millis(200),
                hangup_after: Some(Duration::from_secs(10)),
                calls: 0,
            }
        );
        let b = Args::parse_from(["load-agents", "--user", "u", "--password", "p"]);
        assert_eq!(b.timing().hangup_after, None);
        assert!(
            Args::try_parse_from([
                "x",
                "--user",
                "u",
                "--password",
                "p",
                "--answer-after",
                "-1"
            ])
            .is_err()
        );
        assert!(
            Args::try_parse_from(["x", "--user", "u", "--password", "p", "--sessions", "0"])
                .is_err()
        );
    }
}
