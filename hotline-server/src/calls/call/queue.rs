//! What the distributor tells a queued or bridged call: connect to an agent, announce the
//! position and estimated wait, overflow, hold, mute, hang up.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use super::Call;
use super::announcement::queue_announcement;
use crate::acd::OverflowTarget;
use crate::agents::CallControl;
use crate::calls::bridge::Bridge;
use crate::ivr::Interpreter;

impl Call {
    pub(super) async fn on_control(&mut self, ctl: CallControl) {
        match ctl {
            CallControl::Bridge {
                agent,
                work_number,
                mut audio,
            } => {
                self.player.stop();
                // What the agent said while idle is stale: start the conversation from now.
                if let Some(a) = audio.as_mut() {
                    while a.from_agent.try_recv().is_ok() {}
                }
                self.event(
                    "connected",
                    json!({"agent": agent, "work_number": work_number, "audio": audio.is_some()}),
                );
                if self.bridge.is_some() {
                    self.rejoin_bridge(&agent, audio);
                    return;
                }
                let recorder = self.start_call_recording(&agent);
                self.bridge = Some(Bridge::new(agent, audio, recorder, self.ctx.now_ms()));
            }
            CallControl::Announce {
                position,
                wait_secs,
            } => {
                self.event(
                    "announce",
                    json!({"position": position, "wait_secs": wait_secs}),
                );
                // Not while the caller keys a callback number or hears its confirmation, and
                // not over a prompt still playing (the last announcement, when the interval is
                // shorter than the sentence): the caller hears each one whole.
                if self.bridge.is_none() && self.callback.idle() && !self.player.is_speaking() {
                    let lang = self
                        .interp
                        .as_ref()
                        .map_or("zh", Interpreter::language)
                        .to_owned();
                    let mut clips: Vec<Arc<[i16]>> = queue_announcement(&lang, position, wait_secs)
                        .iter()
                        .filter_map(|p| self.ctx.prompts.get(&p.language, &p.name))
                        .collect();
                    clips.extend(self.callback_offer_clips(&lang));
                    self.player.stop();
                    for c in clips {
                        self.player.enqueue(c);
                    }
                    if let Some(hold) = self.ctx.hold_music.clone() {
                        self.player.loop_clip(hold);
                    }
                }
            }
            CallControl::Overflow { to, cause } => {
                let cause = cause.as_str();
                match to {
                    OverflowTarget::Queue(next) => {
                        self.event(
                            "overflow",
                            json!({"to": "queue", "queue": next.0, "cause": cause}),
                        );
                        // Reports, the CDR and the recording policy follow the queue that serves it.
                        self.queue = Some(next.0);
                    }
                    OverflowTarget::BackupGroup(group) => {
                        self.event(
                            "overflow",
                            json!({"to": "backup", "group": group, "cause": cause}),
                        );
                    }
                    OverflowTarget::Voicemail => {
                        self.event(
                            "overflow",
                            json!({"to": "voicemail", "voicemail": true, "cause": cause}),
                        );
                        if self.overflow_to_voicemail().await {
                            return;
                        }
                        self.goodbye("overflow").await;
                    }
                    // The ACD keeps the call where it is; nothing to tell the caller.
                    OverflowTarget::None => {}
                }
            }
            CallControl::Callback { accepted } => self.on_callback_answer(accepted),
            CallControl::Rejected => {
                self.event("queue_rejected", json!({}));
                self.goodbye("queue full").await;
            }
            CallControl::Hold(on) => {
                self.event(if on { "agent_hold" } else { "agent_resume" }, json!({}));
                if let Some(b) = self.bridge.as_mut() {
                    b.held = on;
                }
                self.player.stop();
                if on && let Some(music) = self.ctx.hold_music.clone() {
                    self.player.loop_clip(music);
                }
            }
            CallControl::Mute(on) => {
                self.event(if on { "agent_mute" } else { "agent_unmute" }, json!({}));
                if let Some(b) = self.bridge.as_mut() {
                    b.mute(on);
                }
            }
            CallControl::Transfer { detail } => self.on_transfer(detail),
            CallControl::Guest {
                name,
                audio,
                conference,
            } => self.on_guest(name, audio, conference),
            CallControl::GuestLeaves => self.on_guest_leaves(),
            CallControl::GuestTakesOver => self.on_guest_takes_over(),
            CallControl::Monitor {
                supervisor,
                mode,
                audio,
            } => self.on_monitor(supervisor, mode, audio),
            CallControl::StopMonitor => self.on_stop_monitor(),
            CallControl::Ivr {
                flow,
                return_to_agent,
            } => self.on_ivr_transfer(&flow, return_to_agent).await,
            CallControl::Hangup { cause } => {
                self.event("bye", json!({"from": "agent", "cause": cause}));
                // A caller the agent hung up on may rate the service first.
                if cause == "agent hangup" && self.survey_after_agent().await {
                    return;
                }
                self.hangup(&cause).await;
            }
        }
    }

    /// Tells the caller nobody can take the call now, then hangs up once the prompt has played.
    pub(super) async fn goodbye(&mut self, cause: &str) {
        let lang = self
            .interp
            .as_ref()
            .map_or("zh", Interpreter::language)
            .to_owned();
        self.player.stop();
        let mut ms = 0u64;
        if let Some(clip) = self.ctx.prompts.get(&lang, "all_agents_busy") {
            ms = clip.len() as u64 / 8;
            self.player.enqueue(clip);
        }
        // The prompt plays out before the BYE; the caller may hang up first.
        tokio::time::sleep(Duration::from_millis(ms.min(15_000))).await;
        self.hangup(cause).await;
    }
}
