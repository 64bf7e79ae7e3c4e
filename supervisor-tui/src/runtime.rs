//! The interactive runtime: terminal events, session actions, REST results and a clock tick
//! come in as [`Action`]s; `update` turns them into state and [`Effect`]s, which run here
//! without ever blocking the loop (the network runs in tasks that report back over a bounded
//! channel).

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use crossterm::event::{Event as TermEvent, EventStream};
use futures_util::StreamExt;
use hotline_protocol::Command;
use hotline_softphone::{AudioIo, BackendKind};
use hotline_tui::Lang;
use hotline_tui::terminal::TerminalGuard;
use tokio::sync::{mpsc, watch};

use crate::app::state::LoginField;
use crate::app::{Action, Effect, State, update};
use crate::rest::Rest;
use crate::session::{self, Media};
use crate::view::{self, Ui};
use crate::{Args, AudioChoice, config, keys};

const TICK: Duration = Duration::from_millis(250);

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

struct Audio {
    media: Media,
    _handle: hotline_softphone::AudioHandle,
}

fn start_audio(args: &Args, state: &mut State) -> Option<Audio> {
    let kind = match args.audio {
        AudioChoice::Cpal => BackendKind::Cpal {
            input: None,
            output: None,
        },
        AudioChoice::File => BackendKind::File {
            play: args.play.clone(),
            record: args.record.clone(),
            loop_play: true,
        },
        AudioChoice::Null => {
            state.login.audio = "null".into();
            return None;
        }
    };
    match hotline_softphone::start_backend(&kind) {
        Ok(AudioIo {
            mic,
            speaker,
            handle,
            ..
        }) => {
            state.login.audio = format!("{:?}", args.audio).to_lowercase();
            let (route_tx, route_rx) = watch::channel(None);
            tokio::spawn(session::forward_mic(mic, route_rx));
            Some(Audio {
                media: Media {
                    mic_route: Arc::new(route_tx),
                    speaker,
                },
                _handle: handle,
            })
        }
        Err(e) => {
            state.login.audio = format!("{:?}: {e}", args.audio).to_lowercase();
            None
        }
    }
}

struct Runner {
    actions: mpsc::Sender<Action>,
    commands: Option<mpsc::Sender<Command>>,
    session: Option<tokio::task::JoinHandle<()>>,
    http: reqwest::Client,
    audio: Option<Audio>,
}

impl Runner {
    /// Runs one effect; a failure to start it comes back as an action.
    fn run(&mut self, state: &State, effect: Effect) -> Option<Action> {
        match effect {
            Effect::Connect {
                server,
                user,
                password,
            } => {
                let (tx, rx) = mpsc::channel(64);
                self.commands = Some(tx);
                let params = session::Params {
                    server,
                    user,
                    password,
                    media: self.audio.as_ref().map(|a| a.media.clone()),
                };
                self.session = Some(tokio::spawn(session::run(params, rx, self.actions.clone())));
            }
            Effect::Send(cmd) => {
                let command = cmd.name();
                let sent = self.commands.as_ref().map(|tx| tx.try_send(cmd));
                if !matches!(sent, Some(Ok(()))) {
                    return Some(Action::CommandFailed {
                        command,
                        message: hotline_tui::t(state.lang, "sup.status.not_sent").to_owned(),
                    });
                }
            }
            Effect::Rest(req) => {
                let Some(token) = state.token.clone() else {
                    return Some(Action::RestFailed {
                        request: req.what(),
                        message: "not logged in".into(),
                    });
                };
                let rest = Rest::new(self.http.clone(), &state.login.server, &token);
                let tx = self.actions.clone();
                tokio::spawn(async move {
                    let request = req.what();
                    let a = match rest.run(req).await {
                        Ok(r) => Action::RestDone(r),
                        Err(e) => Action::RestFailed {
                            request,
                            message: format!("{e:#}"),
                        },
                    };
                    let _ = tx.send(a).await;
                });
            }
        }
        None
    }
}

/// The local time zone (UTC when the system's cannot be read).
fn local_tz() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::try_system().unwrap_or(jiff::tz::TimeZone::UTC)
}

/// Runs the workstation until the supervisor quits.
pub async fn run(args: &Args) -> anyhow::Result<()> {
    let lang = Lang::detect(args.lang.as_deref());
    let ui = Ui::load(&args.theme).context("loading theme and keymap")?;
    let thresholds = config::load(args).map_err(anyhow::Error::msg)?;
    let mut state = State::new(lang, local_tz(), thresholds);
    state.login.server.clone_from(&args.server);
    state.login.user = args.user.clone().unwrap_or_default();
    state.login.password = args.password.clone().unwrap_or_default();
    if !state.login.user.is_empty() {
        state.login.focus = LoginField::Password;
    }
    state.now_ms = now_ms();
    let audio = start_audio(args, &mut state);

    let (tx, mut rx) = mpsc::channel::<Action>(256);
    let mut runner = Runner {
        actions: tx,
        commands: None,
        session: None,
        http: Rest::http_client()?,
        audio,
    };

    let mut guard = TerminalGuard::enter()?;
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(TICK);
    let mut dirty = true;
    let mut shown_second = 0;
    loop {
        if dirty {
            guard
                .terminal()
                .draw(|f| view::render(&state, &ui, f))
                .context("drawing")?;
            dirty = false;
        }
        let actions: Vec<Action> = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(TermEvent::Key(k))) => keys::action_for(&state, &ui.keymap, &k).into_iter().collect(),
                Some(Ok(TermEvent::Paste(text))) => vec![Action::Paste(text)],
                Some(Ok(TermEvent::Resize(..))) => {
                    dirty = true;
                    Vec::new()
                }
                Some(Ok(_)) => Vec::new(),
                Some(Err(e)) => return Err(e).context("reading the terminal"),
                None => vec![Action::Quit],
            },
            a = rx.recv() => a.into_iter().collect(),
            _ = tick.tick() => vec![Action::Tick { now_ms: now_ms() }],
        };
        for action in actions {
            let tick_only = action.is_tick();
            let mut queue = vec![action];
            while let Some(a) = queue.pop() {
                for effect in update(&mut state, a) {
                    if let Some(back) = runner.run(&state, effect) {
                        queue.push(back);
                    }
                }
            }
            // Timers show seconds and alarms flash at half-second steps: a tick redraws
            // only when one of those can have changed.
            let half = state.now_ms / 500;
            if !tick_only || half != shown_second {
                shown_second = half;
                dirty = true;
            }
        }
        if state.quit {
            break;
        }
    }
    drop(guard);
    // Closing the command channel makes the session log out; give it a moment.
    runner.commands = None;
    if let Some(task) = runner.session.take() {
        let _ = tokio::time::timeout(Duration::from_secs(2), task).await;
    }
    Ok(())
}
