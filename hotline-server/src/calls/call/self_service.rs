//! The call's side of self-service (SPEC A5-A11): carries out the IVR's `service` requests
//! (tickets from messages, status queries, ratings, poll answers, information queued in the
//! notification outbox) and moves the caller into another flow (the survey when the agent
//! hangs up, voicemail when the queue overflows).
//!
//! SQLite work runs on a blocking thread with the look-up connection; the answer comes back
//! through [`SelfService`]'s channel into the call loop, so the media path never waits on it.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use hotline_protocol::{VoicemailKind, VoicemailNotice};
use serde_json::json;
use tokio::sync::mpsc;
use tracing::warn;

use super::Call;
use crate::agents::Input;
use crate::calls::Context;
use crate::ivr::pin_limit::{PinFailures, PinLimits};
use crate::ivr::service::PART_PREFIX;
use crate::ivr::{Event, Interpreter};
use crate::store::{MessageKind, NewMessage, Rating, Store};
use crate::tickets::{Pin, TimeLimit};

/// The category of tickets filed from messages; the agent who listens refines it.
const MESSAGE_CATEGORY: &str = "other";

/// The answer of one service.
#[derive(Debug)]
pub(super) struct Reply {
    ok: bool,
    vars: BTreeMap<String, String>,
}

impl Reply {
    fn result(result: &str) -> Self {
        let mut vars = BTreeMap::new();
        vars.insert("result".to_owned(), result.to_owned());
        Self { ok: true, vars }
    }

    fn with(mut self, key: &str, value: impl Into<String>) -> Self {
        self.vars.insert(key.to_owned(), value.into());
        self
    }

    fn failed(why: &str) -> Self {
        Self {
            ok: false,
            vars: BTreeMap::from([("result".to_owned(), "error".to_owned())]),
        }
        .with("error", why)
    }
}

/// What a call keeps for self-service.
pub(super) struct SelfService {
    tx: mpsc::Sender<Reply>,
    rx: mpsc::Receiver<Reply>,
    /// Wrong PINs keyed in this call.
    pin_failures: u32,
    /// How long the caller has spoken into recordings of this call.
    pub(super) recorded_ms: u64,
    /// The agent the caller talked to last (the survey rates them).
    agent: Option<String>,
    /// The flow the agent sent the caller into and waits to get them back from.
    ivr_return: Option<String>,
}

impl Default for SelfService {
    fn default() -> Self {
        // One request is outstanding at a time (the flow waits for its answer).
        let (tx, rx) = mpsc::channel(4);
        Self {
            tx,
            rx,
            pin_failures: 0,
            recorded_ms: 0,
            agent: None,
            ivr_return: None,
        }
    }
}

/// The next answer to a service request (never ends: the call holds a sender).
pub(super) async fn recv_reply(s: &mut SelfService) -> Option<Reply> {
    s.rx.recv().await
}

/// Runs `job` with the look-up connection on a blocking thread and posts its answer.
fn spawn_job(
    ctx: &Arc<Context>,
    tx: mpsc::Sender<Reply>,
    job: impl FnOnce(&Context, &Store) -> Reply + Send + 'static,
) {
    let ctx = ctx.clone();
    tokio::task::spawn_blocking(move || {
        let reply = match ctx.lookup.lock() {
            Ok(store) => job(&ctx, &store),
            Err(_) => Reply::failed("store unavailable"),
        };
        // The call may be gone (caller hung up): the work is done all the same.
        let _ = tx.blocking_send(reply);
    });
}

/// The time limit of a message ticket from the deadline rules, else the rules' own default.
fn message_limit(ctx: &Context, kind: MessageKind) -> TimeLimit {
    static RULES: OnceLock<crate::api::rest::Rules> = OnceLock::new();
    RULES
        .get_or_init(crate::api::rest::Rules::default)
        .deadlines(&ctx.config)
        .map_or(TimeLimit::Days(15), |d| {
            d.limit_for(
                MESSAGE_CATEGORY,
                kind.ticket_type(),
                crate::tickets::Urgency::Normal,
            )
        })
}

/// A keyed-in ticket number as stored: `12345-20261123-000042`. Callers key the 14 digits of
/// date and sequence (the profile is the hotline they called) or all of it.
pub(super) fn ticket_number(keyed: &str, profile: &str) -> Option<String> {
    let digits: String = keyed.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 14 {
        return None;
    }
    let (head, tail) = digits.split_at(digits.len() - 14);
    let profile = if head.is_empty() { profile } else { head };
    let number = format!("{profile}-{}-{}", &tail[..8], &tail[8..]);
    number
        .parse::<crate::tickets::TicketNumber>()
        .ok()
        .map(|n| n.to_string())
}

impl Call {
    fn var(&self, name: &str) -> String {
        self.interp
            .as_ref()
            .and_then(|i| i.variables().get(name).cloned())
            .unwrap_or_default()
    }

    fn language(&self) -> String {
        self.interp
            .as_ref()
            .map_or("zh", Interpreter::language)
            .to_owned()
    }

    /// Carries out an IVR `service` request; the answer arrives as a [`Reply`].
    pub(super) fn start_service(&mut self, name: &str, args: &BTreeMap<String, String>) {
        // The PIN stays out of the event log.
        let logged: BTreeMap<&str, &str> = args
            .iter()
            .map(|(k, v)| (k.as_str(), if k == "pin" { "***" } else { v.as_str() }))
            .collect();
        self.event("service", json!({"name": name, "args": logged}));
        let tx = self.self_service.tx.clone();
        match name {
            "leave_message" => self.leave_message(args, tx),
            "status_query" => self.status_query(args, tx),
            "survey" => self.survey(args, tx),
            "poll" => self.poll(args, tx),
            "send_info" => self.send_info(args, tx),
            other => {
                let _ = tx.try_send(Reply::failed(&format!("unknown service {other}")));
            }
        }
    }

    /// Hands the answer to the flow.
    pub(super) async fn on_service_reply(&mut self, reply: Reply) {
        let result = reply.vars.get("result").cloned().unwrap_or_default();
        if result == "wrong" {
            self.self_service.pin_failures += 1;
        }
        let mut detail = json!({"ok": reply.ok, "result": result});
        for key in ["ticket", "rating", "error", "status"] {
            if let Some(v) = reply.vars.get(key) {
                detail[key] = json!(v);
            }
        }
        self.event("service_done", detail);
        let actions = self
            .interp
            .as_mut()
            .map(|i| {
                let done = Event::ServiceDone {
                    ok: reply.ok,
                    vars: reply.vars,
                };
                i.on_event(done, Instant::now())
            })
            .unwrap_or_default();
        self.apply(actions).await;
    }

    fn leave_message(&mut self, args: &BTreeMap<String, String>, tx: mpsc::Sender<Reply>) {
        let Some(kind) = args.get("kind").and_then(|k| MessageKind::parse(k)) else {
            let _ = tx.try_send(Reply::failed("unknown message kind"));
            return;
        };
        let mut recordings = Vec::new();
        if let Some(path) = args.get("message").filter(|p| !p.is_empty()) {
            recordings.push(("message".to_owned(), path.clone()));
        }
        for (key, path) in args {
            if let Some(label) = key.strip_prefix(PART_PREFIX)
                && !path.is_empty()
            {
                recordings.push((label.to_owned(), path.clone()));
            }
        }
        if recordings.is_empty() {
            // Nothing was said: no ticket for silence.
            let _ = tx.try_send(Reply::result("empty"));
            return;
        }
        let message = NewMessage {
            profile: self.var("profile"),
            kind,
            call_id: self.dialog.call_id.clone(),
            caller: self.caller.clone(),
            callback: args.get("callback").cloned().unwrap_or_default(),
            reply_wanted: args.get("reply").is_some_and(|r| r == "1"),
            recordings,
            category: MESSAGE_CATEGORY.to_owned(),
            limit: message_limit(&self.ctx, kind),
        };
        let duration_ms = self.self_service.recorded_ms;
        spawn_job(&self.ctx, tx, move |ctx, store| {
            let now = (ctx.clock)();
            let pin = Pin::from_random(rand::random());
            match store.leave_message(&message, pin, &ctx.config.server.tz(), now) {
                Ok((filed, voicemail)) => {
                    ctx.distributor.send(Input::Voicemail(VoicemailNotice {
                        id: u64::try_from(voicemail).unwrap_or_default(),
                        from: message.caller.clone(),
                        duration_ms,
                        kind: match kind {
                            MessageKind::DirectorMail => VoicemailKind::DirectorMail,
                            _ => VoicemailKind::Voicemail,
                        },
                        at_ms: u64::try_from(now.as_millisecond()).unwrap_or_default(),
                    }));
                    // The caller's receipt SMS and the voicemail desk's notice.
                    crate::notify::events::after_voicemail(
                        store,
                        &ctx.config,
                        &filed,
                        now.as_millisecond(),
                    );
                    let number = filed.ticket.number.clone();
                    let digits: String = number.split('-').skip(1).collect::<Vec<_>>().concat();
                    Reply::result("ok")
                        .with("ticket", number)
                        .with("ticket_digits", digits)
                        .with("pin", filed.pin.as_str())
                }
                Err(e) => {
                    warn!(error = %e, "message not filed");
                    Reply::failed(&e.to_string())
                }
            }
        });
    }

    fn status_query(&mut self, args: &BTreeMap<String, String>, tx: mpsc::Sender<Reply>) {
        let keyed = args.get("number").cloned().unwrap_or_default();
        let pin = args.get("pin").cloned().unwrap_or_default();
        let number = ticket_number(&keyed, &self.var("profile"));
        let caller = self.caller.clone();
        let call_id = self.dialog.call_id.clone();
        let this_call = self.self_service.pin_failures;
        let language = self.language();
        spawn_job(&self.ctx, tx, move |ctx, store| {
            let limits = PinLimits::default();
            let now_ms = ctx.now_ms();
            let since =
                |w: std::time::Duration| now_ms - i64::try_from(w.as_millis()).unwrap_or(i64::MAX);
            let key = number.clone().unwrap_or_else(|| keyed.clone());
            let seen = match (
                store.pin_failures_since(&key, "", since(limits.number_window)),
                store.pin_failures_since("", &caller, since(limits.caller_window)),
            ) {
                (Ok((n, _)), Ok((_, c))) => PinFailures {
                    this_call,
                    number: n,
                    caller: c,
                },
                (Err(e), _) | (_, Err(e)) => return Reply::failed(&e.to_string()),
            };
            if !limits.allows(seen) {
                return Reply::result("locked").with("attempts_left", "0");
            }
            let answer = match &number {
                Some(n) => store.status_for_citizen(n, &pin),
                None => Ok(None),
            };
            match answer {
                Ok(Some(a)) => {
                    let state = &a.ticket.state;
                    let due = a.ticket.due_at_ms.and_then(|ms| {
                        jiff::Timestamp::from_millisecond(ms).ok().map(|t| {
                            t.to_zoned_datetime(ctx.config.server.tz())
                                .date()
                                .to_string()
                        })
                    });
                    let department = a
                        .department
                        .map(|(id, _)| format!("dept_{id}"))
                        .filter(|p| ctx.prompts.exists(&language, p))
                        .unwrap_or_default();
                    Reply::result("ok")
                        .with("status", state.status.as_str())
                        .with("status_prompt", format!("status_{}", state.status.as_str()))
                        .with("department_prompt", department)
                        .with("due", due.unwrap_or_default())
                        .with("replied", if state.reply.is_some() { "1" } else { "0" })
                }
                Ok(None) => {
                    // Logged for the limit and the audit, whatever was wrong.
                    if let Err(e) = store.record_pin_failure(&key, &caller, &call_id, now_ms) {
                        warn!(error = %e, "wrong PIN not logged");
                    }
                    let after = PinFailures {
                        this_call: this_call + 1,
                        number: seen.number + 1,
                        caller: seen.caller + 1,
                    };
                    // `attempts_left` 0: that was the last one the limits allow.
                    Reply::result("wrong").with("attempts_left", limits.left(after).to_string())
                }
                Err(e) => Reply::failed(&e.to_string()),
            }
        });
    }

    fn survey(&mut self, args: &BTreeMap<String, String>, tx: mpsc::Sender<Reply>) {
        let answer = args.get("answer").cloned().unwrap_or_default();
        let Some(rating) = Rating::from_digit(&answer) else {
            let _ = tx.try_send(Reply::result("invalid"));
            return;
        };
        let agent = self
            .self_service
            .agent
            .clone()
            .unwrap_or_else(|| self.var("agent"));
        let call_id = self.dialog.call_id.clone();
        self.event("survey", json!({"agent": agent, "rating": rating.as_str()}));
        spawn_job(&self.ctx, tx, move |ctx, store| {
            match store.record_survey(&call_id, &agent, rating, ctx.now_ms()) {
                Ok(_) => Reply::result("ok").with("rating", rating.as_str()),
                Err(e) => Reply::failed(&e.to_string()),
            }
        });
    }

    fn poll(&mut self, args: &BTreeMap<String, String>, tx: mpsc::Sender<Reply>) {
        let get = |k: &str| args.get(k).cloned().unwrap_or_default();
        let (poll, question, answer) = (get("poll"), get("question"), get("answer"));
        let (call_id, caller) = (self.dialog.call_id.clone(), self.caller.clone());
        spawn_job(&self.ctx, tx, move |ctx, store| {
            match store.record_poll_answer(
                &poll,
                &question,
                &answer,
                &call_id,
                &caller,
                ctx.now_ms(),
            ) {
                Ok(()) => Reply::result("ok"),
                Err(e) => Reply::failed(&e.to_string()),
            }
        });
    }

    fn send_info(&mut self, args: &BTreeMap<String, String>, tx: mpsc::Sender<Reply>) {
        let channel = args.get("channel").cloned().unwrap_or_default();
        let to = args
            .get("to")
            .filter(|t| !t.is_empty())
            .cloned()
            .or_else(|| (channel == "sms").then(|| self.caller.clone()))
            .unwrap_or_default();
        let Ok(item) = args.get("item").map_or("", String::as_str).parse::<i64>() else {
            let _ = tx.try_send(Reply::result("not_found"));
            return;
        };
        if to.is_empty() {
            let _ = tx.try_send(Reply::result("no_address"));
            return;
        }
        let language = self.language();
        let hotline = self.var("profile");
        spawn_job(&self.ctx, tx, move |ctx, store| {
            let row = match store.knowledge(item) {
                Ok(Some(row)) => row,
                Ok(None) => return Reply::result("not_found"),
                Err(e) => return Reply::failed(&e.to_string()),
            };
            let req = crate::notify::information::InfoRequest {
                channel: &channel,
                to: &to,
                language: &language,
                hotline: &hotline,
                ticket_id: None,
            };
            match crate::notify::information::send(store, &ctx.config, &row, &req, ctx.now_ms()) {
                Ok(id) => Reply::result("ok").with("notification", id.to_string()),
                Err(e) => Reply::failed(&e.to_string()),
            }
        });
    }

    /// The caller's profile's flow for `pick` (survey or voicemail), if it names one that exists.
    fn profile_flow(&self, pick: fn(&crate::config::ProfileConfig) -> &str) -> Option<String> {
        let profile = self.var("profile");
        self.ctx
            .config
            .profiles
            .iter()
            .find(|p| p.name == profile)
            .map(|p| pick(p).to_owned())
            .filter(|f| !f.is_empty() && self.ctx.flows.get(f).is_some())
    }

    /// Leaves the current flow (or the queue) for `flow`, keeping the call's variables.
    pub(super) async fn enter_flow(&mut self, flow_name: &str, extra: &[(&str, String)]) -> bool {
        let Some(flow) = self.ctx.flows.get(flow_name) else {
            return false;
        };
        let language = self.language();
        let mut vars = self
            .interp
            .as_ref()
            .map(|i| i.variables().clone())
            .unwrap_or_default();
        for (k, v) in extra {
            vars.insert((*k).to_owned(), v.clone());
        }
        self.player.stop();
        self.outstanding_plays = 0;
        self.event("flow", json!({"flow": flow_name}));
        let mut interp = Interpreter::new(flow, &language, vars);
        let actions = interp.start(Instant::now());
        self.interp = Some(interp);
        self.apply(actions).await;
        true
    }

    /// The agent hung up: a caller on an inbound call is asked to rate the service (when the
    /// profile has a survey). False when there is none and the call should end.
    pub(super) async fn survey_after_agent(&mut self) -> bool {
        if self.outbound.is_some() || self.bridge.is_none() {
            return false;
        }
        let Some(flow) = self.profile_flow(|p| &p.survey_flow) else {
            return false;
        };
        let audio = self.end_bridge();
        let agent = audio.as_ref().map(|(a, _)| a.clone()).unwrap_or_default();
        self.self_service.agent = Some(agent.clone());
        // The agent is free now: the survey is between the caller and the IVR.
        self.control = None;
        self.ctx.distributor.send(Input::CallGone {
            call_id: self.dialog.call_id.clone(),
            audio,
        });
        self.enter_flow(&flow, &[("agent", agent)]).await
    }

    /// The agent sent the caller into `flow`: with `return_to_agent` the agent waits (the
    /// bridge is held, the recording goes on) until the flow ends; otherwise they are free.
    pub(super) async fn on_ivr_transfer(&mut self, flow: &str, return_to_agent: bool) {
        self.event(
            "ivr_transfer",
            json!({"flow": flow, "return_to_agent": return_to_agent}),
        );
        if self.bridge.is_none() || self.ctx.flows.get(flow).is_none() {
            warn!(%flow, "IVR transfer without a bridge or to an unknown flow; ignored");
            return;
        }
        if !return_to_agent {
            let audio = self.end_bridge();
            self.self_service.agent = audio.as_ref().map(|(a, _)| a.clone());
            self.control = None;
            self.ctx.distributor.send(Input::CallGone {
                call_id: self.dialog.call_id.clone(),
                audio,
            });
            self.enter_flow(flow, &[]).await;
            return;
        }
        if let Some(b) = self.bridge.as_mut() {
            b.held = true;
            self.self_service.agent = Some(b.agent.clone());
        }
        self.self_service.ivr_return = Some(flow.to_owned());
        self.enter_flow(flow, &[]).await;
    }

    /// The flow ended: if the agent waits for the caller, reconnect them and hand the result
    /// over (true); otherwise the call ends as the flow asks (false).
    pub(super) fn back_to_agent(&mut self, cause: &str) -> bool {
        let Some(flow) = self.self_service.ivr_return.take() else {
            return false;
        };
        let Some(b) = self.bridge.as_mut() else {
            return false;
        };
        b.held = false;
        self.player.stop();
        let result = self.var("result");
        self.event(
            "ivr_return",
            json!({"flow": flow, "result": result, "cause": cause}),
        );
        self.ctx.distributor.send(Input::BackFromIvr {
            call_id: self.dialog.call_id.clone(),
            flow,
            result,
        });
        true
    }

    /// The queue overflowed to voicemail: the caller may leave a message.
    pub(super) async fn overflow_to_voicemail(&mut self) -> bool {
        let Some(flow) = self.profile_flow(|p| &p.voicemail_flow) else {
            return false;
        };
        self.control = None;
        self.ctx.distributor.send(Input::CallGone {
            call_id: self.dialog.call_id.clone(),
            audio: None,
        });
        self.enter_flow(&flow, &[]).await
    }
}

#[cfg(test)]
mod tests {
    use super::ticket_number;

    #[test]
    fn keyed_numbers_become_stored_numbers() {
        assert_eq!(
            ticket_number("20261123000042", "12345").as_deref(),
            Some("12345-20261123-000042")
        );
        assert_eq!(
            ticket_number("1231520261123000042", "12345").as_deref(),
            Some("12315-20261123-000042")
        );
        assert_eq!(ticket_number("2026112300004", "12345"), None);
        assert_eq!(ticket_number("20261323000042", "12345"), None);
        assert_eq!(ticket_number("20261123000000", "12345"), None);
    }
}
