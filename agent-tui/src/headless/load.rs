//! `--sessions N`: N headless agents in one process and one tokio runtime, for load runs.
//! Each session is a whole agent (its own WebSocket log-in and WebRTC leg); only the audio
//! is lighter than the single agent's: a shared voice and an ear that counts frames.

use std::sync::Arc;

use anyhow::{Context as _, bail};
use hotline_protocol::Command;
use hotline_softphone::LegState;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::voice::{self, Heard, Voice};
use super::{log_in, media_leg, take_calls};
use crate::Args;

/// Sessions logging in and bringing up their leg at the same time: the server checks one
/// password at a time anyway, and a thousand DTLS handshakes at once would only time out.
const SETUP_AT_ONCE: usize = 16;
/// Where session i starts in a file voice (in samples, times i), so agents do not speak in
/// chorus; about 0.36 s.
const VOICE_STAGGER: usize = 2903;

/// The user name and password of session `i` (1-based): `{user}{i}`, and `password` with
/// every `{n}` replaced by `i`.
pub fn session_login(user: &str, password: &str, i: u32) -> (String, String) {
    (
        format!("{user}{i}"),
        password.replace("{n}", &i.to_string()),
    )
}

/// Runs `args.sessions` agents until every one has done its calls; fails if any failed
/// (each failure is printed with its user as it happens).
pub(super) async fn run(args: &Args) -> anyhow::Result<()> {
    let user = args.user.clone().context("--user is required")?;
    let password = args.password.clone().context("--password is required")?;
    if args.record.is_some() {
        bail!("--record works with one session only");
    }
    let samples = match &args.play {
        Some(path) => {
            let bytes =
                std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            hotline_media::read_wav_8k_mono(&bytes)
                .with_context(|| format!("reading {}", path.display()))?
        }
        None => Vec::new(),
    };
    let voice = voice::voice(samples);
    let setup = Arc::new(Semaphore::new(SETUP_AT_ONCE));
    let args = Arc::new(args.clone());
    let mut sessions = JoinSet::new();
    for i in 1..=args.sessions {
        let (user, password) = session_login(&user, &password, i);
        sessions.spawn(session(
            Arc::clone(&args),
            user,
            password,
            voice_start(i),
            Arc::clone(&voice),
            Arc::clone(&setup),
        ));
    }
    let mut failed = 0u32;
    while let Some(done) = sessions.join_next().await {
        let outcome = done.map_err(anyhow::Error::from).and_then(|r| r);
        if let Err(e) = outcome {
            failed += 1;
            eprintln!("{e:#}");
        }
    }
    if failed > 0 {
        bail!("{failed} of {} sessions failed", args.sessions);
    }
    Ok(())
}

fn voice_start(i: u32) -> usize {
    (i as usize).wrapping_mul(VOICE_STAGGER)
}

/// One agent: log in, bring up the leg (at most [`SETUP_AT_ONCE`] at a time), take calls.
async fn session(
    args: Arc<Args>,
    user: String,
    password: String,
    start: usize,
    voice: Voice,
    setup: Arc<Semaphore>,
) -> anyhow::Result<()> {
    let prefix = format!("{user}: ");
    let permit = setup.acquire_owned().await?;
    let (mut c, who) = log_in(&args, user.clone(), password)
        .await
        .with_context(|| format!("{user}: logging in"))?;
    let leg = media_leg(&mut c, &args.server)
        .await
        .with_context(|| format!("{user}: setting up the WebRTC leg"))?;
    drop(permit);
    let heard = Arc::new(Heard::default());
    leg.attach(voice::mic(voice, start), voice::ear(Arc::clone(&heard)));
    watch_leg(leg.state(), prefix.clone());
    c.call(Command::SetReady)
        .await
        .with_context(|| format!("{user}: going ready"))?;
    eprintln!("{prefix}{who} ready");
    let result = take_calls(&mut c, &leg, &args, &prefix, Some(&heard)).await;
    let _ = c.call(Command::Logout).await;
    leg.close().await;
    result.with_context(|| format!("{user}: taking calls"))
}

/// Says when a session's leg drops or comes back (its calls go on without audio meanwhile), so
/// a load run shows which side gave up first.
fn watch_leg(mut state: tokio::sync::watch::Receiver<LegState>, prefix: String) {
    tokio::spawn(async move {
        let mut lost = false;
        while state.changed().await.is_ok() {
            match state.borrow_and_update().clone() {
                LegState::Disconnected(reason) if reason == "closed" => return,
                LegState::Disconnected(reason) => {
                    lost = true;
                    eprintln!("{prefix}WebRTC leg {reason}");
                }
                LegState::Connected if lost => {
                    lost = false;
                    eprintln!("{prefix}WebRTC leg connected again");
                }
                _ => {}
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_i_is_user_i_with_its_password() {
        assert_eq!(
            session_login("load", "load password {n}", 7),
            ("load7".to_owned(), "load password 7".to_owned())
        );
        assert_eq!(
            session_login("a", "same for all", 12),
            ("a12".to_owned(), "same for all".to_owned())
        );
        assert_eq!(
            session_login("a", "{n}-{n}", 3),
            ("a3".to_owned(), "3-3".to_owned())
        );
    }
}
