//! One load agent's session: log in over the WebSocket, negotiate the leg (offer here, answer
//! from the server), hand the leg to its media shard, go ready and take calls as the
//! [`Agent`] says.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use hotline_protocol::{self as proto, Command, Event, ReplyBody};
use hotline_tui::client::Client;
use str0m::crypto::dtls::DtlsCert;
use tokio::sync::{Semaphore, mpsc};

use super::agent::{Action, Agent, Timing};
use super::leg::{self, Leg, LegShared, LegState};

/// How long the server may take to answer the offer.
const ANSWER_LIMIT: Duration = Duration::from_secs(10);
/// How long the leg may take to connect once answered (the leg itself gives up after 10 s).
const CONNECT_LIMIT: Duration = Duration::from_secs(15);

/// What every session shares.
pub struct Setup {
    pub url: String,
    /// The address legs bind to (the one the server is reached at).
    pub media_ip: IpAddr,
    pub timing: Timing,
    pub cert: DtlsCert,
    /// The voice: one PCMU frame.
    pub voice: Arc<[u8]>,
    /// Sessions logging in and negotiating at the same time: the server checks one password
    /// at a time anyway, and a thousand DTLS handshakes at once would only time out.
    pub at_once: Semaphore,
}

/// How a session ended without an error of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// Its leg failed (already said on stderr); the calls went on without audio.
    LegFailed,
}

/// Runs one session until its calls are done.
pub async fn run(
    setup: Arc<Setup>,
    user: String,
    password: String,
    shard: mpsc::UnboundedSender<Leg>,
) -> anyhow::Result<Outcome> {
    let permit = setup.at_once.acquire().await?;
    let (mut c, who) = log_in(&setup.url, &user, password)
        .await
        .with_context(|| format!("{user}: logging in"))?;
    let shared = Arc::new(LegShared::default());
    let leg = negotiate(&mut c, &setup, &user, Arc::clone(&shared))
        .await
        .with_context(|| format!("{user}: setting up the WebRTC leg"))?;
    if shard.send(leg).is_err() {
        bail!("{user}: the media shard has stopped");
    }
    let state = shared.settled(CONNECT_LIMIT).await;
    drop(permit);
    if state != LegState::Connected {
        shared.close();
        let _ = c.call(Command::Logout).await;
        return Ok(Outcome::LegFailed);
    }
    c.call(Command::SetReady)
        .await
        .with_context(|| format!("{user}: going ready"))?;
    eprintln!("{user}: {who} ready");

    let result = take_calls(&mut c, Agent::new(setup.timing, &user), &shared).await;
    // The leg first, so the server's end of the session is not taken for a lost leg.
    shared.close();
    let _ = c.call(Command::Logout).await;
    result.with_context(|| format!("{user}: taking calls"))?;
    Ok(match shared.state() {
        LegState::Failed => Outcome::LegFailed,
        _ => Outcome::Done,
    })
}

/// Connects and logs in; returns the connection and "agent ID (work number)".
async fn log_in(url: &str, user: &str, password: String) -> anyhow::Result<(Client, String)> {
    let mut c = Client::connect(url).await?;
    let login = c
        .call(Command::Login {
            user: user.to_owned(),
            password,
            client: proto::ClientKind::Headless,
            resume_token: None,
        })
        .await?;
    let ReplyBody::LoginOk { agent, .. } = login else {
        bail!("unexpected reply to login")
    };
    Ok((c, format!("agent {} ({})", agent.id.0, agent.work_number)))
}

/// Sends the offer and takes the answer; the leg is then ready to be driven.
async fn negotiate(
    c: &mut Client,
    setup: &Setup,
    user: &str,
    shared: Arc<LegShared>,
) -> anyhow::Result<Leg> {
    let (pending, offer) = leg::offer(setup.media_ip, &setup.cert, Instant::now())?;
    c.call(Command::WebRtc(proto::WebRtcSignal {
        kind: proto::SignalKind::Offer,
        payload: offer,
    }))
    .await?;
    let answer = tokio::time::timeout(ANSWER_LIMIT, async {
        loop {
            if let Event::WebRtc(s) = c.event().await?
                && s.kind == proto::SignalKind::Answer
            {
                return anyhow::Ok(s.payload);
            }
        }
    })
    .await
    .context("no answer from the server")??;
    pending.accept(
        &answer,
        user,
        shared,
        Arc::clone(&setup.voice),
        Instant::now(),
    )
}

/// Feeds server events and timers to the agent and carries out what it asks.
async fn take_calls(c: &mut Client, mut agent: Agent, shared: &LegShared) -> anyhow::Result<()> {
    loop {
        let event = match agent.next_timer() {
            Some(at) => tokio::time::timeout_at(at.into(), c.event()).await.ok(),
            None => Some(c.event().await),
        };
        let now = Instant::now();
        let actions = match event {
            Some(event) => agent.on_event(&event?, now, shared.heard.count()),
            None => agent.on_timer(now),
        };
        for action in actions {
            match action {
                Action::Send(cmd) => {
                    c.send(cmd).await?;
                }
                // A refusal (the call already ended, say) changes nothing for a load agent.
                Action::Request(cmd) => {
                    let _ = c.call_reply(cmd).await?;
                }
                Action::Talk(on) => shared.talk(on),
                Action::Out(line) => println!("{line}"),
                Action::Log(line) => eprintln!("{line}"),
                Action::Finished => return Ok(()),
            }
        }
    }
}
