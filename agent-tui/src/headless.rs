//! The headless agent: a real workstation session (WebSocket + WebRTC leg) driven by flags.
//! With `--sessions N` (N > 1) one process runs N such agents side by side ([`load`]).

mod load;
mod talk;
mod voice;

use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use hotline_protocol::{self as proto, Command, Event, ReplyBody};
use hotline_softphone::{BackendKind, WebRtcLeg};

use crate::Args;
use hotline_tui::client::{Client, media_ip, ws_url};

pub use load::session_login;
pub use voice::tone_frame;

/// Runs the headless agent until `args.calls` calls are done; with `--sessions N` (N > 1),
/// runs N agents in this process until each has done its calls.
pub async fn run(args: &Args) -> anyhow::Result<()> {
    // Before anything connects: `--ca` (or $HOTLINE_CA) besides the public roots.
    hotline_tui::client::tls::trust_ca(args.ca.as_deref())?;
    if args.sessions > 1 {
        return load::run(args).await;
    }
    let user = args.user.clone().context("--user is required")?;
    let password = args.password.clone().context("--password is required")?;
    let (mut c, who) = log_in(args, user, password).await?;

    // The media leg is set up once and stays up; calls only switch where its audio goes.
    let audio = hotline_softphone::start_backend(&BackendKind::File {
        play: args.play.clone(),
        record: args.record.clone(),
        loop_play: true,
    })?;
    let hotline_softphone::AudioIo {
        mic,
        speaker,
        handle,
        ..
    } = audio;
    let leg = media_leg(&mut c, &args.server).await?;
    leg.attach(mic, speaker);
    c.call(Command::SetReady).await?;
    eprintln!("{who} ready");

    take_calls(&mut c, &leg, args, "", None).await?;
    let _ = c.call(Command::Logout).await;
    leg.close().await;
    handle.finish().await?;
    Ok(())
}

/// Connects and logs in; returns the connection and "agent ID (work number)".
async fn log_in(args: &Args, user: String, password: String) -> anyhow::Result<(Client, String)> {
    let url = ws_url(&args.server);
    let mut c = Client::connect(&url).await?;
    let login = c
        .call(Command::Login {
            user,
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

/// Negotiates the session's WebRTC leg over the WebSocket and waits until it is connected.
async fn media_leg(c: &mut Client, server: &str) -> anyhow::Result<WebRtcLeg> {
    let (leg, offer) = WebRtcLeg::offer(media_ip(&ws_url(server))).await?;
    c.call(Command::WebRtc(proto::WebRtcSignal {
        kind: proto::SignalKind::Offer,
        payload: offer,
    }))
    .await?;
    let answer = loop {
        if let Event::WebRtc(s) = c.event().await?
            && s.kind == proto::SignalKind::Answer
        {
            break s.payload;
        }
    };
    // Silent until a call needs the agent's voice (`take_calls`).
    leg.set_sending(false);
    leg.accept_answer(&answer).await?;
    leg.connected(Duration::from_secs(10)).await?;
    Ok(leg)
}

/// Answers offered calls, holds and hangs up as the flags say, and prints one line per call
/// (after `prefix`; with `heard`, how many frames the agent heard and how many were not
/// silent) until `args.calls` calls are done (never when 0). `leg` sends the agent's voice
/// only while a call needs it ([`talk::Talk`]).
async fn take_calls(
    c: &mut Client,
    leg: &WebRtcLeg,
    args: &Args,
    prefix: &str,
    heard: Option<&voice::Heard>,
) -> anyhow::Result<()> {
    let mut done = 0u32;
    let mut offered_at: Option<(proto::CallId, Instant)> = None;
    let mut connected_at: Option<(Instant, voice::HeardCount)> = None;
    let mut hangup_at: Option<Instant> = None;
    let mut hold_at: Option<Instant> = None;
    let mut resume_at: Option<Instant> = None;
    let mut current: Option<proto::CallId> = None;
    let mut talk = talk::Talk::default();
    leg.set_sending(talk.sending());
    loop {
        let wait = [
            offered_at
                .as_ref()
                .map(|(_, t)| *t + Duration::from_secs_f64(args.answer_after)),
            hangup_at,
            hold_at,
            resume_at,
        ]
        .into_iter()
        .flatten()
        .min();
        let event = match wait {
            Some(at) => match tokio::time::timeout_at(at.into(), c.event()).await {
                Ok(e) => Some(e?),
                Err(_) => None,
            },
            None => Some(c.event().await?),
        };
        let Some(event) = event else {
            // A timer fired: answer the offer, or hang up the call.
            if let Some((call_id, t)) = offered_at.take() {
                if t.elapsed() >= Duration::from_secs_f64(args.answer_after) {
                    c.send(Command::Answer { call_id }).await?;
                } else {
                    offered_at = Some((call_id, t));
                }
            } else if hangup_at.is_some_and(|h| Instant::now() >= h) {
                hangup_at = None;
                if let Some(id) = current.clone() {
                    c.send(Command::Hangup { call_id: id }).await?;
                }
            } else if hold_at.is_some_and(|h| Instant::now() >= h) {
                hold_at = None;
                c.send(Command::Hold).await?;
                resume_at = Some(Instant::now() + Duration::from_secs_f64(args.hold_for));
            } else if resume_at.is_some_and(|h| Instant::now() >= h) {
                resume_at = None;
                c.send(Command::Resume).await?;
            }
            continue;
        };
        talk.see(&event);
        leg.set_sending(talk.sending());
        match event {
            Event::CallOffered {
                call_id,
                queue,
                screen_pop,
                ..
            } => {
                eprintln!(
                    "{prefix}offered {} from {} in {queue}",
                    call_id.0, screen_pop.caller.number
                );
                offered_at = Some((call_id, Instant::now()));
            }
            Event::CallState {
                call_id,
                state: proto::CallState::Connected,
                ..
            } if current.as_ref() != Some(&call_id) => {
                // A new call (resume and unmute report `connected` again for the same call).
                connected_at = Some((
                    Instant::now(),
                    heard.map(voice::Heard::count).unwrap_or_default(),
                ));
                current = Some(call_id);
                if args.hangup_after > 0.0 {
                    hangup_at = Some(Instant::now() + Duration::from_secs_f64(args.hangup_after));
                }
                if args.hold_after > 0.0 {
                    hold_at = Some(Instant::now() + Duration::from_secs_f64(args.hold_after));
                }
            }
            Event::CallState {
                call_id,
                state: proto::CallState::Ended { cause },
                ..
            } => {
                let (talked, during) = connected_at.take().map_or((0.0, None), |(t, before)| {
                    let during = heard.map(|h| h.count().since(before));
                    (t.elapsed().as_secs_f64(), during)
                });
                hangup_at = None;
                hold_at = None;
                resume_at = None;
                offered_at = None;
                current = None;
                if talked > 0.0 {
                    done += 1;
                    let heard = during.map_or(String::new(), |d| {
                        format!(" heard={}/{}", d.voiced, d.frames)
                    });
                    println!(
                        "{prefix}call {} talked={talked:.1}s ended={cause:?}{heard}",
                        call_id.0
                    );
                    if args.calls > 0 && done >= args.calls {
                        return Ok(());
                    }
                    let _ = c.call(Command::EndWrapUp).await;
                }
            }
            Event::AgentState {
                state: proto::AgentState::NotReady { reason },
                ..
            } if reason.code == "missed" => {
                // A missed offer sets the seat not-ready; a headless agent goes straight back.
                let _ = c.call(Command::SetReady).await;
            }
            _ => {}
        }
    }
}
