//! The voicemail inbox's keys and replies (C3), and calling back from a row (D4): the
//! inbox, caller search and ticket search all dial the highlighted number with one key.

use hotline_protocol::{Command, TicketId};
use hotline_tui::t;

use crate::app::action::{Action, Panel};
use crate::app::effect::Effect;
use crate::app::form::TicketForm;
use crate::app::state::{Level, State};
use crate::rest::{RestRequest, VoicemailRow};

/// Opens the inbox: the list for the current filter and a fresh count for the badge.
pub(super) fn open(s: &mut State) -> Vec<Effect> {
    s.panel = Panel::Inbox;
    reload(s)
}

fn reload(s: &mut State) -> Vec<Effect> {
    s.inbox.pending = true;
    vec![
        Effect::Rest(RestRequest::Voicemails {
            status: s.inbox.statuses().to_owned(),
        }),
        Effect::Rest(RestRequest::UnheardCount),
    ]
}

/// Keys of the inbox panel; `None` lets the key through to call control.
pub(super) fn inbox_key(s: &mut State, key: &Action) -> Option<Vec<Effect>> {
    let effects = match key {
        Action::Up => {
            s.inbox.move_sel(-1);
            Vec::new()
        }
        Action::Down => {
            s.inbox.move_sel(1);
            Vec::new()
        }
        Action::PageUp => {
            s.inbox.move_sel(-10);
            Vec::new()
        }
        Action::PageDown => {
            s.inbox.move_sel(10);
            Vec::new()
        }
        Action::Left | Action::Right => {
            s.inbox.cycle(if *key == Action::Left { -1 } else { 1 });
            s.inbox.sel = 0;
            reload(s)
        }
        Action::Play | Action::Enter => play(s),
        Action::MarkHandled => mark_handled(s),
        Action::CallBack => call_back(s),
        Action::VoicemailTicket => make_ticket(s),
        _ => return None,
    };
    Some(effects)
}

/// Plays the highlighted message, or stops the one playing.
fn play(s: &mut State) -> Vec<Effect> {
    let Some(id) = s.inbox.selected().map(|v| v.id) else {
        s.say_key(Level::Warning, "inbox.nothing");
        return Vec::new();
    };
    if s.inbox.playing.is_some() {
        let same = s.inbox.playing == Some(id);
        s.inbox.playing = None;
        if same {
            s.say_key(Level::Info, "inbox.stopped");
            return vec![Effect::StopPlayback];
        }
    }
    if s.call.is_some() {
        // The caller would hear nothing of it, but the agent would hear both at once.
        s.say_key(Level::Warning, "inbox.busy");
        return vec![Effect::StopPlayback];
    }
    s.inbox.fetching = Some(id);
    s.say_key(Level::Info, "inbox.fetching");
    vec![
        Effect::StopPlayback,
        Effect::Rest(RestRequest::VoicemailAudio { id }),
    ]
}

fn mark_handled(s: &mut State) -> Vec<Effect> {
    let Some(v) = s.inbox.selected() else {
        s.say_key(Level::Warning, "inbox.nothing");
        return Vec::new();
    };
    if v.status == "answered" {
        s.say_key(Level::Info, "inbox.already_handled");
        return Vec::new();
    }
    let id = v.id;
    s.inbox.saving = Some(id);
    vec![Effect::Rest(RestRequest::VoicemailHandled { id })]
}

/// The ticket form from the highlighted message.
fn make_ticket(s: &mut State) -> Vec<Effect> {
    let Some(v) = s.inbox.selected() else {
        s.say_key(Level::Warning, "inbox.nothing");
        return Vec::new();
    };
    s.form = TicketForm::for_voicemail(v, t(s.lang, "inbox.callback"));
    s.panel = Panel::TicketForm;
    let mut effects = Vec::new();
    if s.departments.is_empty() && !s.departments_pending {
        s.departments_pending = true;
        effects.push(Effect::Rest(RestRequest::Departments));
    }
    effects
}

/// The number and ticket the highlighted row of the panel in view stands for.
fn callback_target(s: &State) -> Option<(String, Option<i64>)> {
    match s.panel {
        Panel::Inbox => s
            .inbox
            .selected()
            .map(|v: &VoicemailRow| (v.callback.clone(), v.ticket_id)),
        Panel::Consultations => s
            .consultations
            .selected()
            .map(|c| (c.callback.clone(), Some(c.id))),
        Panel::Callers => s
            .callers
            .selected()
            .and_then(|c| c.numbers.first().cloned())
            .map(|n| (n, None)),
        Panel::Tickets => s
            .tickets
            .selected()
            .and_then(|tk| tk.caller_number.clone().map(|n| (n, Some(tk.id)))),
        _ => None,
    }
}

/// Dials the highlighted row's number with the existing dial command; a ticket's callback
/// carries the ticket, so the server records the call as its callback.
pub(super) fn call_back(s: &mut State) -> Vec<Effect> {
    let Some((number, ticket)) = callback_target(s).filter(|(n, _)| !n.trim().is_empty()) else {
        s.say_key(Level::Warning, "callback.no_number");
        return Vec::new();
    };
    if s.call.is_some() {
        s.say_key(Level::Warning, "callback.busy");
        return Vec::new();
    }
    let number: String = number
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect();
    s.dialed = Some(number.clone());
    s.pop = None;
    let text = format!("{} {number}", t(s.lang, "callback.dialing"));
    s.say(Level::Info, text);
    vec![Effect::Send(Command::Dial {
        number,
        caller_id: None,
        ticket_id: ticket.map(|id| TicketId::new(id.to_string())),
    })]
}

/// The message's audio arrived: onto the speaker, and heard.
pub(super) fn audio(s: &mut State, id: i64, samples: Vec<i16>) -> Vec<Effect> {
    if s.inbox.fetching != Some(id) {
        // The agent moved on (another message, or a call came in) before it arrived.
        return Vec::new();
    }
    s.inbox.fetching = None;
    s.inbox.heard(id);
    if s.call.is_some() {
        s.say_key(Level::Warning, "inbox.busy");
        return Vec::new();
    }
    s.inbox.playing = Some(id);
    s.say_key(Level::Info, "inbox.playing");
    vec![Effect::Play { id, samples }]
}

pub(super) fn saved(s: &mut State, row: VoicemailRow) {
    if s.inbox.saving == Some(row.id) {
        s.inbox.saving = None;
    }
    let handled = row.status == "answered";
    s.inbox.saved(row);
    if handled {
        s.say_key(Level::Info, "inbox.handled");
    }
}

/// A new message was left: the badge counts it, an open inbox shows it.
pub(super) fn arrived(s: &mut State) -> Vec<Effect> {
    s.inbox.unheard += 1;
    s.say_key(Level::Info, "voicemail.new");
    if s.panel == Panel::Inbox && !s.inbox.pending {
        s.inbox.pending = true;
        return vec![Effect::Rest(RestRequest::Voicemails {
            status: s.inbox.statuses().to_owned(),
        })];
    }
    Vec::new()
}
