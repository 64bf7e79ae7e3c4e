//! The call's IVR: starting the flow, feeding it keys and finished prompts, and carrying out
//! what it asks for (prompts, recordings, queues, transfers, services, hang-up).

use std::sync::Arc;
use std::time::Instant;

use serde_json::json;
use tokio::sync::mpsc;
use tracing::warn;

use super::Call;
use super::recording::PendingRecord;
use crate::agents::Input;
use crate::calls::blacklist::BlockMode;
use crate::ivr::{Action, Event, Interpreter};

impl Call {
    pub(super) async fn start_flow(&mut self) {
        let actions = self
            .interp
            .as_mut()
            .map(|i| i.start(Instant::now()))
            .unwrap_or_default();
        self.apply(actions).await;
    }

    pub(super) async fn on_digit(&mut self, digit: char, source: &str) {
        // A PIN's digits never reach the event log.
        let hidden = self.interp.as_ref().is_some_and(Interpreter::hides_digits);
        let shown = if hidden { '*' } else { digit };
        self.event(
            "digit",
            json!({"digit": shown.to_string(), "source": source}),
        );
        if let Some(rec) = &self.record
            && rec.finish_on == Some(digit)
        {
            self.stop_recording().await;
            return;
        }
        if self.callback_digit(digit) {
            return;
        }
        let actions = self
            .interp
            .as_mut()
            .map(|i| i.on_event(Event::Digit(digit), Instant::now()))
            .unwrap_or_default();
        self.apply(actions).await;
    }

    pub(super) async fn on_playback_done(&mut self) {
        match self.after_block.take() {
            Some(BlockMode::Warn) => return self.start_flow().await,
            Some(BlockMode::Refuse) => return self.hangup("blacklisted").await,
            None => {}
        }
        if let Some(p) = self.pending_record.take() {
            self.start_recording(p);
            return;
        }
        let actions = self.answer_plays();
        self.apply(actions).await;
    }

    /// Answers every outstanding play with `PlaybackDone` (finished or stopped alike).
    pub(super) fn answer_plays(&mut self) -> Vec<Action> {
        let n = std::mem::take(&mut self.outstanding_plays);
        let mut out = Vec::new();
        if let Some(interp) = self.interp.as_mut() {
            for _ in 0..n {
                out.extend(interp.on_event(Event::PlaybackDone, Instant::now()));
            }
        }
        out
    }

    /// Carries out what the IVR asks for.
    pub(super) async fn apply(&mut self, actions: Vec<Action>) {
        {
            let mut queue: std::collections::VecDeque<Action> = actions.into();
            while let Some(action) = queue.pop_front() {
                match action {
                    Action::Play { prompts, .. } => {
                        self.outstanding_plays += 1;
                        let mut any = false;
                        for p in prompts {
                            if let Some(clip) = self.ctx.prompts.get(&p.language, &p.name) {
                                self.player.enqueue(clip);
                                any = true;
                            } else {
                                warn!(prompt = %p.name, lang = %p.language, "prompt missing");
                            }
                        }
                        if !any {
                            // Nothing to play still completes, so the flow does not stall.
                            self.player.enqueue(Arc::from(vec![0i16; 160]));
                        }
                    }
                    Action::StopPlayback => {
                        self.player.stop();
                        queue.extend(self.answer_plays());
                    }
                    Action::Record {
                        name_hint,
                        max_secs,
                        beep,
                        finish_on,
                    } => {
                        self.player.stop();
                        queue.extend(self.answer_plays());
                        let pending = PendingRecord {
                            name: name_hint,
                            max_secs,
                            finish_on,
                        };
                        match beep.then(|| self.ctx.prompts.get("zh", "beep")).flatten() {
                            Some(clip) => {
                                self.player.enqueue(clip);
                                self.pending_record = Some(pending);
                            }
                            None => self.start_recording(pending),
                        }
                    }
                    Action::Queue {
                        queue,
                        skills,
                        priority,
                    } => {
                        self.event(
                            "queued",
                            json!({"queue": queue, "skills": skills, "priority": priority}),
                        );
                        let hold = self
                            .ctx
                            .hold_music
                            .clone()
                            .or_else(|| self.ctx.prompts.get("zh", "please_hold"));
                        if let Some(clip) = hold {
                            self.player.loop_clip(clip);
                        }
                        let (tx, rx) = mpsc::channel(16);
                        self.control = Some(rx);
                        // Never waits: a look-up that has not finished by now is skipped.
                        let facts = self
                            .last_agent
                            .take()
                            .and_then(|mut r| r.try_recv().ok())
                            .unwrap_or_default();
                        self.ctx.distributor.send(Input::CallQueued {
                            call_id: self.dialog.call_id.clone(),
                            caller: self.caller.clone(),
                            queue: queue.clone(),
                            priority,
                            last_agent: facts.last_agent,
                            vip: facts.vip,
                            screen_pop: facts.screen_pop,
                            control: tx,
                        });
                        self.queue = Some(queue);
                    }
                    Action::Service { name, args } => self.start_service(&name, &args),
                    Action::Hangup { cause } => {
                        // A flow the agent sent the caller into ends back with the agent.
                        if !self.back_to_agent(&cause) {
                            self.hangup(&cause).await;
                        }
                    }
                    Action::Log { node, step, detail } => {
                        self.event(
                            &format!("ivr.{step}"),
                            json!({"node": node, "detail": detail}),
                        );
                    }
                }
            }
        }
    }
}
