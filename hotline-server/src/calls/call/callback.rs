//! The caller's side of callback in queue (排队回拨, SPEC B9): while queued, the queue's callback
//! key asks for a call back. The caller keys a number (or `#`, or nothing, for the calling
//! number), the trunk's dial plan checks it, the distributor marks the queue entry, and the
//! caller hears a confirmation and is hung up on; the entry keeps its place.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

use super::Call;
use crate::agents::Input;
use crate::calls::outbound::OutboundTrunk;
use crate::ivr::Interpreter;

/// How long the caller may pause between digits (and after the prompt) before what they keyed,
/// or the calling number, is taken.
const DIGIT_PAUSE: Duration = Duration::from_secs(5);
/// Longest number accepted (the dial plan checks it further).
const MAX_DIGITS: usize = 20;

/// Where the caller is in asking for a callback.
#[derive(Debug, Default)]
pub(super) enum CallbackAsk {
    #[default]
    Idle,
    /// Keying the number after the prompt; taken at `until` or on `#`.
    Keying { digits: String, until: Instant },
    /// Asked the distributor; the answer comes as `CallControl::Callback`.
    Asked { number: String },
    /// Accepted: the confirmation plays, then the hotline hangs up.
    Confirmed { hangup_at: Instant },
}

impl CallbackAsk {
    /// When [`Call::callback_timer`] has something to do.
    pub(super) fn deadline(&self) -> Option<Instant> {
        match self {
            CallbackAsk::Keying { until, .. } => Some(*until),
            CallbackAsk::Confirmed { hangup_at } => Some(*hangup_at),
            _ => None,
        }
    }

    pub(super) fn idle(&self) -> bool {
        matches!(self, CallbackAsk::Idle)
    }
}

/// A clip's length in milliseconds (8 kHz mono).
fn clip_ms(clip: &[i16]) -> u64 {
    clip.len() as u64 / 8
}

impl Call {
    fn callback_language(&self) -> String {
        self.interp
            .as_ref()
            .map_or("zh", Interpreter::language)
            .to_owned()
    }

    /// The callback key of the queue this call waits in, if callbacks can be placed at all.
    pub(super) fn callback_key(&self) -> Option<char> {
        let queue = self.queue.as_deref()?;
        if self.bridge.is_some() || self.control.is_none() || self.outbound.is_some() {
            return None;
        }
        OutboundTrunk::from_config(&self.ctx.config)?;
        let entry = self
            .ctx
            .config
            .acd
            .queues
            .iter()
            .find(|q| q.name == queue)?;
        entry.callback_key.chars().next()
    }

    /// What the announcement adds: "press <key> to be called back".
    pub(super) fn callback_offer_clips(&self, lang: &str) -> Vec<Arc<[i16]>> {
        let Some(key) = self.callback_key().filter(|_| self.callback.idle()) else {
            return Vec::new();
        };
        let key_prompt = match key {
            '#' => "hash".to_owned(),
            '*' => "star".to_owned(),
            d => format!("digit_{d}"),
        };
        ["callback_offer", key_prompt.as_str()]
            .iter()
            .filter_map(|p| self.ctx.prompts.get(lang, p))
            .collect()
    }

    /// A digit while queued: the callback key, or part of the number. `true` if it was ours.
    pub(super) fn callback_digit(&mut self, digit: char) -> bool {
        let Some(key) = self.callback_key() else {
            return false;
        };
        let now = Instant::now();
        match &mut self.callback {
            CallbackAsk::Idle if digit == key => {
                let lang = self.callback_language();
                self.player.stop();
                let mut ms = 0;
                if let Some(clip) = self.ctx.prompts.get(&lang, "mailbox_callback") {
                    ms = clip_ms(&clip);
                    self.player.enqueue(clip);
                }
                self.event("callback_key", json!({"digit": digit.to_string()}));
                self.callback = CallbackAsk::Keying {
                    digits: String::new(),
                    until: now + Duration::from_millis(ms) + DIGIT_PAUSE,
                };
                true
            }
            CallbackAsk::Idle => false,
            CallbackAsk::Keying { digits, until } => {
                if digit == '#' {
                    *until = now;
                } else if digit.is_ascii_digit() && digits.len() < MAX_DIGITS {
                    // The prompt gives way to the caller's keying.
                    if digits.is_empty() {
                        self.player.stop();
                    }
                    digits.push(digit);
                    *until = now + DIGIT_PAUSE;
                }
                true
            }
            CallbackAsk::Asked { .. } | CallbackAsk::Confirmed { .. } => true,
        }
    }

    /// The keying pause is over (take the number) or the confirmation has played (hang up).
    pub(super) async fn callback_timer(&mut self, now: Instant) {
        if self.callback.deadline().is_none_or(|t| t > now) {
            return;
        }
        match std::mem::take(&mut self.callback) {
            CallbackAsk::Keying { digits, .. } => self.callback_number_keyed(&digits),
            CallbackAsk::Confirmed { .. } => self.hangup("callback requested").await,
            other => self.callback = other,
        }
    }

    fn callback_number_keyed(&mut self, digits: &str) {
        if self.bridge.is_some() {
            // An agent took the call meanwhile: nothing to call back.
            return;
        }
        let number = if digits.is_empty() {
            self.caller.clone()
        } else {
            digits.to_owned()
        };
        let checked = OutboundTrunk::from_config(&self.ctx.config)
            .map(|t| t.plan.check(&number).map_err(|e| e.to_string()));
        match checked {
            Some(Ok(_)) => {
                self.ctx.distributor.send(Input::CallbackRequest {
                    call_id: self.dialog.call_id.clone(),
                    number: number.clone(),
                });
                self.callback = CallbackAsk::Asked { number };
            }
            Some(Err(error)) => {
                self.event(
                    "callback_invalid",
                    json!({"number": number, "error": error}),
                );
                self.back_to_hold(Some("invalid"));
            }
            None => self.back_to_hold(None),
        }
    }

    /// The distributor's answer: the entry is marked (confirm, then hang up) or it could not be
    /// (an agent is already being offered the call: keep waiting).
    pub(super) fn on_callback_answer(&mut self, accepted: bool) {
        let CallbackAsk::Asked { number } = std::mem::take(&mut self.callback) else {
            return;
        };
        if !accepted {
            self.event("callback_refused", json!({"number": number}));
            if self.bridge.is_none() {
                self.back_to_hold(None);
            }
            return;
        }
        self.event("callback_requested", json!({"number": number}));
        let lang = self.callback_language();
        self.player.stop();
        let mut ms = 0;
        if let Some(clip) = self.ctx.prompts.get(&lang, "callback_confirmed") {
            ms = clip_ms(&clip);
            self.player.enqueue(clip);
        }
        self.callback = CallbackAsk::Confirmed {
            hangup_at: Instant::now() + Duration::from_millis(ms + 300),
        };
    }

    /// Hold music again, after `prompt` if given.
    fn back_to_hold(&mut self, prompt: Option<&str>) {
        let lang = self.callback_language();
        self.player.stop();
        if let Some(clip) = prompt.and_then(|p| self.ctx.prompts.get(&lang, p)) {
            self.player.enqueue(clip);
        }
        if let Some(hold) = self.ctx.hold_music.clone() {
            self.player.loop_clip(hold);
        }
    }
}
