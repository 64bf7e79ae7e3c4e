//! The interactive runtime: terminal events, session actions, REST results and a clock tick
//! come in as [`Action`]s; `update` turns them into state and [`Effect`]s, which are run here
//! without ever blocking the loop on the network.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context as _;
use crossterm::event::KeyEvent;
use hotline_protocol::AgentState;
use hotline_softphone::{AudioIo, BackendKind, FRAME_DURATION, FRAME_SAMPLES, Frame, LevelMeter};
use hotline_tui::Lang;
use hotline_tui::client::{RestClient, ServerLink};
use hotline_tui::runtime::{Workstation, now_ms};
use hotline_tui::terminal::TerminalGuard;
use tokio::sync::{mpsc, watch};

use crate::app::state::Screen;
use crate::app::{Action, Effect, State, update};
use crate::rest;
use crate::session::{self, Media};
use crate::view::{self, Ui};
use crate::{Args, AudioChoice, DEFAULT_SERVER, config, keys};

const TICK: Duration = Duration::from_millis(200);

/// The audio side kept by the runtime: the speaker (for the test tone), the meters and the
/// route the microphone forwarder follows.
struct Audio {
    speaker: mpsc::Sender<Frame>,
    levels: Arc<LevelMeter>,
    route: session::MicRoute,
    handle: hotline_softphone::AudioHandle,
}

/// Whether the agent's voice should go to the server: on a call, or a call not yet ended is
/// shown (ringing outbound, connected, held, consult). Otherwise the microphone is dropped
/// before the leg, so an idle seat sends no RTP; the meters are read before this, so the
/// log-in screen's microphone check still works.
fn voice_needed(state: &State) -> bool {
    matches!(state.agent_state, AgentState::OnCall { .. }) || state.call.is_some()
}

/// Starts one audio backend with its microphone forwarder, gated by `talk`.
fn open_audio(kind: &BackendKind, talk: &Arc<AtomicBool>) -> Result<Audio, String> {
    let AudioIo {
        mic,
        speaker,
        levels,
        handle,
    } = hotline_softphone::start_backend(kind).map_err(|e| e.to_string())?;
    let (route_tx, route_rx) = watch::channel(None);
    tokio::spawn(hotline_tui::client::session::forward_voice(
        mic,
        route_rx,
        Arc::clone(talk),
    ));
    Ok(Audio {
        speaker,
        levels,
        route: Arc::new(route_tx),
        handle,
    })
}

/// The sound card's devices into the log-in form, with the remembered ones chosen when the
/// host still has them.
fn list_devices(state: &mut State, remembered: &config::Remembered) {
    let devices = hotline_softphone::list_devices().unwrap_or_default();
    let names = |input: bool| -> Vec<String> {
        devices
            .iter()
            .filter(|d| d.is_input == input)
            .map(|d| d.name.clone())
            .collect()
    };
    let l = &mut state.login;
    l.inputs = names(true);
    l.outputs = names(false);
    l.input = remembered
        .input_device
        .clone()
        .filter(|d| l.inputs.contains(d));
    l.output = remembered
        .output_device
        .clone()
        .filter(|d| l.outputs.contains(d));
}

fn start_audio(
    args: &Args,
    state: &mut State,
    remembered: &config::Remembered,
    talk: &Arc<AtomicBool>,
) -> Option<Audio> {
    let kind = match args.audio {
        AudioChoice::Cpal => {
            list_devices(state, remembered);
            BackendKind::Cpal {
                input: state.login.input.clone(),
                output: state.login.output.clone(),
            }
        }
        AudioChoice::File => BackendKind::File {
            play: args.play.clone(),
            record: args.record.clone(),
            loop_play: true,
        },
        AudioChoice::Null => BackendKind::Null,
    };
    let name = format!("{:?}", args.audio).to_lowercase();
    let mut opened = open_audio(&kind, talk);
    if opened.is_err() && (state.login.input.is_some() || state.login.output.is_some()) {
        // A remembered device that no longer works should not cost the agent the headset.
        state.login.input = None;
        state.login.output = None;
        opened = open_audio(
            &BackendKind::Cpal {
                input: None,
                output: None,
            },
            talk,
        );
    }
    match opened {
        Ok(audio) => {
            state.login.audio = name;
            Some(audio)
        }
        Err(e) => {
            state.login.audio = format!("{name}: {e}");
            None
        }
    }
}

/// Plays `samples` on the speaker in 20 ms frames at the pace of real time (the backend's
/// queue is short), then reports the end.
async fn play(
    speaker: mpsc::Sender<Frame>,
    samples: Vec<i16>,
    id: i64,
    actions: mpsc::Sender<Action>,
) {
    let mut tick = tokio::time::interval(FRAME_DURATION);
    for chunk in samples.chunks(FRAME_SAMPLES) {
        let mut f = Frame::SILENCE;
        f.0[..chunk.len()].copy_from_slice(chunk);
        tick.tick().await;
        if speaker.send(f).await.is_err() {
            break;
        }
    }
    let _ = actions.send(Action::PlaybackEnded { id }).await;
}

/// The workstation as the shared event loop drives it: state, view and the effect runner.
struct Agent {
    state: State,
    ui: Ui,
    link: ServerLink<Action>,
    audio: Option<Audio>,
    shown_second: u64,
    /// Where playback reports its end.
    actions: mpsc::Sender<Action>,
    /// The voicemail playing now.
    playback: Option<tokio::task::JoinHandle<()>>,
    /// The microphone goes to the server ([`voice_needed`]).
    talk: Arc<AtomicBool>,
}

impl Workstation for Agent {
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
        keys::paste(&self.state, &text)
    }

    fn on_tick(&self, now_ms: u64) -> Vec<Action> {
        let mut v = vec![Action::Tick { now_ms }];
        if let Some(a) = &self.audio {
            let l = a.levels.snapshot();
            v.push(Action::Levels {
                input: l.input_peak,
                output: l.output_peak,
            });
        }
        v
    }

    fn quit_action(&self) -> Action {
        Action::Quit
    }

    fn update(&mut self, action: Action) -> Vec<Effect> {
        let effects = update(&mut self.state, action);
        self.talk
            .store(voice_needed(&self.state), Ordering::Relaxed);
        effects
    }

    fn run_effect(&mut self, effect: Effect) -> Option<Action> {
        self.run(effect)
    }

    /// Timers show seconds and meters move only on the log-in screen, so ticks redraw only
    /// when one of those changed.
    fn needs_redraw(&mut self, tick_only: bool) -> bool {
        let second = self.state.now_ms / 1000;
        if !tick_only || self.state.screen == Screen::Login || second != self.shown_second {
            self.shown_second = second;
            return true;
        }
        false
    }

    fn quit(&self) -> bool {
        self.state.quit
    }
}

impl Agent {
    /// Runs one effect; what fails comes back as an action.
    fn run(&mut self, effect: Effect) -> Option<Action> {
        let state = &self.state;
        match effect {
            Effect::Connect {
                server,
                user,
                password,
            } => {
                let params = session::Params {
                    server,
                    user,
                    password,
                    media: self.audio.as_ref().map(|a| Media {
                        mic_route: a.route.clone(),
                        speaker: a.speaker.clone(),
                    }),
                };
                self.link.connect(params.session());
            }
            Effect::Send(cmd) => {
                if let Err(command) = self.link.send(cmd) {
                    return Some(Action::CommandFailed {
                        command,
                        message: hotline_tui::t(state.lang, "status.not_sent").to_owned(),
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
                                message: e.to_string(),
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
            Effect::SaveLogin { server, user } => {
                let r = config::Remembered {
                    server: Some(server),
                    user: Some(user),
                    input_device: state.login.input.clone(),
                    output_device: state.login.output.clone(),
                };
                if let Err(e) = config::save(&r) {
                    return Some(Action::AudioProblem(e.to_string()));
                }
            }
            Effect::SwitchAudio { input, output } => {
                // Let go of the old device before opening the new one: some cards allow one.
                self.audio = None;
                let kind = BackendKind::Cpal {
                    input: input.clone(),
                    output: output.clone(),
                };
                let problem = match open_audio(&kind, &self.talk) {
                    Ok(audio) => {
                        self.audio = Some(audio);
                        None
                    }
                    Err(e) => Some(Action::AudioProblem(e)),
                };
                let r = config::Remembered {
                    input_device: input,
                    output_device: output,
                    ..config::load()
                };
                if let Err(e) = config::save(&r) {
                    return Some(Action::AudioProblem(e.to_string()));
                }
                return problem;
            }
            Effect::TestTone => {
                if let Some(a) = &self.audio {
                    hotline_softphone::test_tone(&a.speaker, 440.0, 800);
                }
            }
            Effect::Play { id, samples } => {
                if let Some(p) = self.playback.take() {
                    p.abort();
                }
                let Some(a) = &self.audio else {
                    return Some(Action::AudioProblem(
                        hotline_tui::t(state.lang, "inbox.no_audio").to_owned(),
                    ));
                };
                self.playback = Some(tokio::spawn(play(
                    a.speaker.clone(),
                    samples,
                    id,
                    self.actions.clone(),
                )));
            }
            Effect::StopPlayback => {
                if let Some(p) = self.playback.take() {
                    p.abort();
                }
            }
            Effect::Quit => {}
        }
        None
    }
}

/// Runs the interactive workstation until the agent quits.
pub async fn run(args: &Args) -> anyhow::Result<()> {
    // Before anything connects (the session task, the REST client).
    hotline_tui::client::tls::trust_ca(args.ca.as_deref())?;
    let lang = Lang::detect(args.lang.as_deref());
    let ui = Ui::load(&args.theme).context("loading theme and keymap")?;
    let mut state = State::new(lang);
    let remembered = config::load();
    state.login.server = if args.server == DEFAULT_SERVER {
        remembered
            .server
            .clone()
            .unwrap_or_else(|| args.server.clone())
    } else {
        args.server.clone()
    };
    state.login.user = args
        .user
        .clone()
        .or_else(|| remembered.user.clone())
        .unwrap_or_default();
    state.login.password = args.password.clone().unwrap_or_default();
    if !state.login.user.is_empty() {
        state.login.focus = crate::app::state::LoginField::Password;
    }
    state.now_ms = now_ms();
    let talk = Arc::new(AtomicBool::new(false));
    let audio = start_audio(args, &mut state, &remembered, &talk);

    let (tx, rx) = mpsc::channel::<Action>(256);
    let mut agent = Agent {
        state,
        ui,
        link: ServerLink::new(
            tx.clone(),
            RestClient::http_client(Duration::from_secs(15)).context("HTTP client")?,
        ),
        audio,
        shown_second: 0,
        actions: tx,
        playback: None,
        talk,
    };

    let mut guard = TerminalGuard::enter()?;
    hotline_tui::runtime::run(&mut agent, guard.terminal(), rx, TICK).await?;
    drop(guard);
    agent.link.close().await;
    if let Some(a) = agent.audio.take() {
        // Stop the backend cleanly, so a `--record` file is complete.
        if let Err(e) = a.handle.finish().await {
            eprintln!("audio: {e}");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use hotline_protocol::{CallId, CallState, Direction};

    #[test]
    fn the_voice_goes_out_only_for_a_call() {
        let mut s = State::new(Lang::En);
        assert!(!voice_needed(&s));
        s.agent_state = AgentState::Ready;
        assert!(!voice_needed(&s));
        s.agent_state = AgentState::Ringing {
            call_id: CallId::new("c1"),
        };
        assert!(!voice_needed(&s), "an offer ringing at the seat");
        s.agent_state = AgentState::OnCall {
            call_id: CallId::new("c1"),
        };
        assert!(voice_needed(&s));
        s.agent_state = AgentState::NotReady {
            reason: hotline_protocol::StandardReason::Break.into(),
        };
        s.call = Some(crate::app::state::Call {
            call_id: CallId::new("out"),
            state: CallState::Ringing,
            direction: Direction::Outbound,
            connected_at_ms: None,
            parties: Vec::new(),
            muted: false,
            number: "12345".into(),
            ivr: None,
        });
        assert!(voice_needed(&s), "a call the agent dialled");
        s.call = None;
        s.agent_state = AgentState::WrapUp { until_ms: 1 };
        assert!(!voice_needed(&s));
    }
}
