//! The interactive runtime: terminal events, session actions, REST results and a clock tick
//! come in as [`Action`]s; `update` turns them into state and [`Effect`]s, which run here
//! without ever blocking the loop (the network runs in tasks that report back over a bounded
//! channel).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context as _;
use crossterm::event::KeyEvent;
use hotline_softphone::{AudioIo, BackendKind};
use hotline_tui::Lang;
use hotline_tui::client::ServerLink;
use hotline_tui::runtime::{Workstation, now_ms};
use hotline_tui::terminal::TerminalGuard;
use tokio::sync::{mpsc, watch};

use crate::app::state::LoginField;
use crate::app::{Action, Effect, State, update};
use crate::rest;
use crate::session::{self, Media};
use crate::view::{self, Ui};
use crate::{Args, AudioChoice, config, keys};

const TICK: Duration = Duration::from_millis(250);

struct Audio {
    media: Media,
    /// Finished at quit so a `--record` WAV gets its header.
    handle: hotline_softphone::AudioHandle,
}

fn start_audio(args: &Args, state: &mut State, talk: &Arc<AtomicBool>) -> Option<Audio> {
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
            tokio::spawn(session::forward_voice(mic, route_rx, Arc::clone(talk)));
            Some(Audio {
                media: Media {
                    mic_route: Arc::new(route_tx),
                    speaker,
                },
                handle,
            })
        }
        Err(e) => {
            state.login.audio = format!("{:?}: {e}", args.audio).to_lowercase();
            None
        }
    }
}

/// The workstation as the shared event loop drives it: state, view and the effect runner.
struct Supervisor {
    state: State,
    ui: Ui,
    link: ServerLink<Action>,
    audio: Option<Audio>,
    shown_half_second: u64,
    /// The microphone goes to the server ([`State::voice_needed`]).
    talk: Arc<AtomicBool>,
}

impl Workstation for Supervisor {
    type Action = Action;
    type Effect = Effect;

    fn draw(&self, frame: &mut ratatui::Frame<'_>) {
        view::render(&self.state, &self.ui, frame);
    }

    fn on_key(&self, key: &KeyEvent) -> Vec<Action> {
        keys::action_for(&self.state, &self.ui.keymap, key)
            .into_iter()
            .collect()
    }

    fn on_paste(&self, text: String) -> Vec<Action> {
        vec![Action::Paste(text)]
    }

    fn on_tick(&self, now_ms: u64) -> Vec<Action> {
        vec![Action::Tick { now_ms }]
    }

    fn quit_action(&self) -> Action {
        Action::Quit
    }

    fn update(&mut self, action: Action) -> Vec<Effect> {
        let effects = update(&mut self.state, action);
        self.talk
            .store(self.state.voice_needed(), Ordering::Relaxed);
        effects
    }

    /// Runs one effect; a failure to start it comes back as an action.
    fn run_effect(&mut self, effect: Effect) -> Option<Action> {
        let state = &self.state;
        match effect {
            Effect::Connect {
                server,
                user,
                password,
            } => {
                let media = self.audio.as_ref().map(|a| a.media.clone());
                self.link
                    .connect(session::params(server, user, password, media));
            }
            Effect::Send(cmd) => {
                if let Err(command) = self.link.send(cmd) {
                    return Some(Action::CommandFailed {
                        command,
                        message: hotline_tui::t(state.lang, "sup.status.not_sent").to_owned(),
                    });
                }
            }
            Effect::Rest(req) => {
                let request = req.what();
                let started = self.link.rest(
                    &state.login.server,
                    state.token.as_deref(),
                    move |client| async move {
                        match rest::run(&client, req).await {
                            Ok(r) => Action::RestDone(r),
                            Err(e) => Action::RestFailed {
                                request,
                                message: format!("{e:#}"),
                            },
                        }
                    },
                );
                if !started {
                    return Some(Action::RestFailed {
                        request,
                        message: "not logged in".into(),
                    });
                }
            }
        }
        None
    }

    /// Timers show seconds and alarms flash at half-second steps: a tick redraws only when
    /// one of those can have changed.
    fn needs_redraw(&mut self, tick_only: bool) -> bool {
        let half = self.state.now_ms / 500;
        if !tick_only || half != self.shown_half_second {
            self.shown_half_second = half;
            return true;
        }
        false
    }

    fn quit(&self) -> bool {
        self.state.quit
    }
}

/// The local time zone (UTC when the system's cannot be read).
fn local_tz() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::try_system().unwrap_or(jiff::tz::TimeZone::UTC)
}

/// Runs the workstation until the supervisor quits.
pub async fn run(args: &Args) -> anyhow::Result<()> {
    // Before anything connects (the session task, the REST client).
    hotline_tui::client::tls::trust_ca(args.ca.as_deref())?;
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
    let talk = Arc::new(AtomicBool::new(false));
    let audio = start_audio(args, &mut state, &talk);

    let (tx, rx) = mpsc::channel::<Action>(256);
    let mut supervisor = Supervisor {
        state,
        ui,
        link: ServerLink::new(tx, rest::http_client()?),
        audio,
        shown_half_second: 0,
        talk,
    };

    let mut guard = TerminalGuard::enter()?;
    hotline_tui::runtime::run(&mut supervisor, guard.terminal(), rx, TICK).await?;
    drop(guard);
    supervisor.link.close().await;
    // The session is closed, so nothing more is heard: write out the recording.
    if let Some(audio) = supervisor.audio.take()
        && let Err(e) = audio.handle.finish().await
    {
        eprintln!("supervisor-tui: audio: {e}");
    }
    Ok(())
}
