//! How server events and REST results change the state (the half of `update` that is not
//! about keys).

use hotline_protocol::{AgentState, CallState, Event, NoticeLevel, PartyKind};
use hotline_tui::t;

use crate::app::action::Panel;
use crate::app::effect::Effect;
use crate::app::form::{DeptEntry, TicketForm};
use crate::app::state::{Call, IvrLeg, Level, Offer, Overlay, State};
use crate::app::update::fresh_form;
use crate::rest::{Department, RestReply};

pub(super) fn server_event(s: &mut State, event: Event) -> Vec<Effect> {
    match event {
        Event::AgentState {
            agent_id,
            state,
            since_ms,
            ..
        } => {
            if s.agent.as_ref().is_some_and(|a| a.id != agent_id) {
                return Vec::new();
            }
            if !matches!(state, AgentState::Ringing { .. }) {
                s.offer = None;
            }
            if let AgentState::NotReady { reason } = &state
                && reason.code == "missed"
            {
                s.say_key(Level::Warning, "call.missed");
            }
            s.agent_state = state;
            s.state_since_ms = since_ms;
        }
        Event::CallOffered {
            call_id,
            queue,
            waited_ms,
            ring_timeout_ms,
            mut screen_pop,
            transfer,
            callback,
        } => {
            s.handover = transfer;
            screen_pop.sort_tickets();
            s.offer = Some(Offer {
                call_id: call_id.clone(),
                queue,
                waited_ms,
                ring_timeout_ms,
                at_ms: s.now_ms,
                callback: callback.map(|c| *c),
            });
            let pristine = s.form.filed.is_some()
                || (s.form.subject.is_empty() && s.form.description.is_empty());
            if pristine {
                s.form = TicketForm::for_call(
                    Some(call_id.0.clone()),
                    Some(screen_pop.caller.number.clone()),
                );
            }
            s.pop = Some(screen_pop);
            s.panel = Panel::Home;
            s.overlay = Overlay::None;
            s.say_key(Level::Info, "call.ringing");
            if s.inbox.playing.take().is_some() || s.inbox.fetching.take().is_some() {
                // The call comes first: the message stops.
                return vec![Effect::StopPlayback];
            }
        }
        Event::CallState {
            call_id,
            state,
            direction,
            connected_at_ms,
            parties,
            ..
        } => {
            if let CallState::Ended { cause } = state {
                if s.offer.as_ref().is_some_and(|o| o.call_id == call_id) {
                    s.offer = None;
                }
                if s.call.as_ref().is_some_and(|c| c.call_id == call_id) {
                    s.call = None;
                    s.help = None;
                    let text = format!("{} ({cause:?})", t(s.lang, "call.ended"));
                    s.say(Level::Info, text);
                }
                return Vec::new();
            }
            if state != CallState::Ringing && s.offer.as_ref().is_some_and(|o| o.call_id == call_id)
            {
                s.offer = None;
            }
            let me = s.agent.as_ref().map(|a| a.id.0.clone());
            let previous = s.call.as_ref().filter(|c| c.call_id == call_id);
            let muted = parties
                .iter()
                .find(|p| p.kind == PartyKind::Agent && Some(&p.id) == me.as_ref())
                .map_or(previous.is_some_and(|c| c.muted), |p| p.muted);
            let number = previous.map_or_else(
                || {
                    s.pop
                        .as_ref()
                        .map(|p| p.caller.number.clone())
                        .or_else(|| s.dialed.clone())
                        .or_else(|| {
                            parties
                                .iter()
                                .find(|p| matches!(p.kind, PartyKind::Caller | PartyKind::External))
                                .map(|p| p.id.clone())
                        })
                        .unwrap_or_default()
                },
                |c| c.number.clone(),
            );
            let is_new = previous.is_none();
            let ivr = previous.and_then(|c| c.ivr.clone());
            // Hold and mute events may leave the connect time out; the timer keeps running.
            let connected_at_ms = connected_at_ms.or(previous.and_then(|c| c.connected_at_ms));
            if parties.iter().any(|p| p.kind == PartyKind::Supervisor) {
                // A supervisor has joined: the help request is answered.
                s.help = None;
            }
            s.call = Some(Call {
                call_id,
                state,
                direction,
                connected_at_ms,
                parties,
                muted,
                number,
                ivr,
            });
            if is_new && s.form.subject.is_empty() && s.form.description.is_empty() {
                s.form = fresh_form(s.call.as_ref(), s.pop.as_ref());
            }
        }
        Event::QueueSnapshot(q) => {
            s.queue_at_ms.insert(q.queue.clone(), s.now_ms);
            if let Some(x) = s.queues.iter_mut().find(|x| x.queue == q.queue) {
                *x = q;
            } else {
                s.queues.push(q);
                s.queues.sort_by(|a, b| a.queue.cmp(&b.queue));
            }
            s.queue_sel = s.queue_sel.min(s.waiting().len().saturating_sub(1));
        }
        Event::IvrResult {
            call_id,
            flow,
            result,
        } => {
            if let Some(c) = s.call.as_mut().filter(|c| c.call_id == call_id) {
                // An empty result (the flow set none) shows as "-".
                let result = if result.is_empty() {
                    "-".to_owned()
                } else {
                    result
                };
                c.ivr = Some(IvrLeg {
                    flow,
                    result: Some(result),
                });
                s.say_key(Level::Info, "ivr.back");
            }
        }
        Event::Notice { text, level } => {
            let level = match level {
                NoticeLevel::Info => Level::Info,
                NoticeLevel::Warning => Level::Warning,
                NoticeLevel::Critical => Level::Error,
            };
            s.say(level, text);
        }
        Event::Voicemail(_) => return super::inbox::arrived(s),
        Event::Error(e) => s.say(Level::Error, e.message),
        Event::Alarm(_) | Event::WebRtc(_) => {}
    }
    Vec::new()
}

pub(super) fn rest_done(s: &mut State, reply: RestReply) -> Vec<Effect> {
    match reply {
        RestReply::Tickets(v) => {
            s.tickets.results = v;
            s.tickets.pending = false;
            s.tickets.sel = 0;
            return super::ticket_links(s);
        }
        RestReply::Knowledge(v) => {
            s.knowledge.results = v;
            s.knowledge.pending = false;
            s.knowledge.sel = 0;
        }
        RestReply::Callers(v) => {
            s.callers.results = v;
            s.callers.pending = false;
            s.callers.sel = 0;
        }
        RestReply::CallerSaved(row) => super::callers::saved(s, row),
        RestReply::Departments(tree) => {
            s.departments = flatten_departments(&tree);
            s.departments_pending = false;
        }
        RestReply::Filed {
            number,
            pin,
            dispatch_error,
            held,
            hold_error,
        } => {
            s.form.pending = false;
            let mut text = format!("{} {number}", t(s.lang, "form.filed"));
            if held {
                text = format!("{text} · {}", t(s.lang, "form.held"));
            }
            s.form.filed = Some((number, pin));
            s.form.held = held;
            s.say(Level::Info, text);
            if let Some(e) = dispatch_error {
                let text = format!("{}: {e}", t(s.lang, "form.dispatch_failed"));
                s.say(Level::Warning, text);
            }
            if let Some(e) = hold_error {
                // Filed, but not held: the server's reason (e.g. a bad number) on the status line.
                let text = format!("{}: {e}", t(s.lang, "form.hold_failed"));
                s.say(Level::Error, text);
            }
        }
        RestReply::TicketLinks { id, links } => {
            s.ticket_links.insert(id, links);
        }
        RestReply::Related(list) => s.related_suggestions = list,
        RestReply::Voicemails { items, total } => s.inbox.replace(items, total),
        RestReply::UnheardCount(n) => s.inbox.unheard = n,
        RestReply::VoicemailAudio { id, samples } => return super::inbox::audio(s, id, samples),
        RestReply::VoicemailSaved(row) => super::inbox::saved(s, row),
        RestReply::Consultations { status, items } => s.consultations.replace(status, items),
        RestReply::ConsultationCount(n) => s.consultations.to_call = n,
        RestReply::Consultation { row, suggestions } => {
            return super::consultations::detail(s, row.id, suggestions);
        }
        RestReply::KnowledgeItem(item) => super::consultations::item(s, item),
        RestReply::ConsultationSaved(row) => return super::consultations::saved(s, row),
    }
    Vec::new()
}

pub(super) fn rest_failed(s: &mut State, request: &'static str, message: &str) {
    match request {
        "tickets" => s.tickets.pending = false,
        "knowledge" => s.knowledge.pending = false,
        "callers" => s.callers.pending = false,
        "departments" => s.departments_pending = false,
        "file_ticket" => s.form.pending = false,
        "update_caller" => return super::callers::failed(s, message),
        "voicemails" => s.inbox.pending = false,
        "voicemail_audio" => s.inbox.fetching = None,
        "voicemail_handled" => s.inbox.saving = None,
        "consultations" | "consultation" | "consultation_answer" | "consultation_callback" => {
            super::consultations::failed(s, request);
        }
        // Suggestions while typing and the badge's count are extras: no message for them.
        "related" | "voicemail_count" | "consultation_count" | "knowledge_item" => return,
        _ => {}
    }
    let text = format!("{} {request}: {message}", t(s.lang, "status.failed"));
    s.say(Level::Error, text);
}

/// The department tree as an indented list.
pub fn flatten_departments(tree: &[Department]) -> Vec<DeptEntry> {
    fn walk(nodes: &[Department], depth: usize, out: &mut Vec<DeptEntry>) {
        for d in nodes {
            out.push(DeptEntry {
                id: d.id,
                name: d.name.clone(),
                depth,
            });
            walk(&d.children, depth + 1, out);
        }
    }
    let mut out = Vec::new();
    walk(tree, 0, &mut out);
    out
}
