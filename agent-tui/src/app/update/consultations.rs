//! The pending consultations panel's keys and replies (待答咨询): Enter on a waiting entry
//! shows the knowledge-base items that may answer it, one key answers with the highlighted
//! item or a typed text, and on an answered entry the agent calls back and records how it went.

use crate::app::action::{Action, Panel};
use crate::app::consultations::Answering;
use crate::app::effect::Effect;
use crate::app::state::{Level, State};
use crate::rest::{CallbackResult, ConsultationRow, KnowledgeItem, RestRequest, Suggestion};

/// Opens the panel: the list of the tab in view and a fresh count for the badge.
pub(super) fn open(s: &mut State) -> Vec<Effect> {
    s.panel = Panel::Consultations;
    reload(s)
}

fn reload(s: &mut State) -> Vec<Effect> {
    s.consultations.pending = true;
    vec![
        Effect::Rest(RestRequest::Consultations {
            status: s.consultations.status(),
        }),
        Effect::Rest(RestRequest::ConsultationCount),
    ]
}

/// Keys of the panel; `None` lets the key through to call control.
pub(super) fn consultations_key(s: &mut State, key: &Action) -> Option<Vec<Effect>> {
    if s.consultations
        .answering
        .as_ref()
        .is_some_and(|a| a.text.is_some())
    {
        return Some(text_key(s, key));
    }
    let c = &mut s.consultations;
    let effects = match (key, c.answering.as_mut()) {
        (Action::Close, Some(_)) => {
            c.answering = None;
            Vec::new()
        }
        (Action::Close, None) => {
            s.panel = Panel::Home;
            Vec::new()
        }
        (Action::Up | Action::Down, Some(a)) => {
            let last = a.suggestions.len().saturating_sub(1);
            a.sel = if *key == Action::Up {
                a.sel.saturating_sub(1)
            } else {
                (a.sel + 1).min(last)
            };
            preview(a)
        }
        (Action::Up, None) => step(s, -1),
        (Action::Down, None) => step(s, 1),
        (Action::PageUp, None) => step(s, -10),
        (Action::PageDown, None) => step(s, 10),
        (Action::Left | Action::Right, None) => {
            c.cycle(if *key == Action::Left { -1 } else { 1 });
            reload(s)
        }
        (Action::Enter, None) => open_entry(s),
        (Action::ConsultAnswer, _) => answer_with_item(s),
        (Action::ConsultWrite, _) => start_text(s),
        (Action::ConsultResult(r), None) => record(s, *r),
        (Action::CallBack, None) => super::call_back(s),
        (
            Action::PageUp
            | Action::PageDown
            | Action::Left
            | Action::Right
            | Action::Enter
            | Action::ConsultResult(_)
            | Action::CallBack,
            Some(_),
        ) => Vec::new(),
        _ => return None,
    };
    Some(effects)
}

fn step(s: &mut State, by: isize) -> Vec<Effect> {
    s.consultations.move_sel(by);
    Vec::new()
}

/// The highlighted suggestion's full text, unless it is already in view.
fn preview(a: &mut Answering) -> Vec<Effect> {
    let Some(id) = a.selected().map(|k| k.id) else {
        return Vec::new();
    };
    if a.preview.as_ref().is_some_and(|p| p.id == id) {
        return Vec::new();
    }
    a.preview = None;
    vec![Effect::Rest(RestRequest::KnowledgeItem { id })]
}

/// The highlighted entry, when it has `status`; else a hint why not.
fn selected_with(s: &mut State, status: &str, why_not: &'static str) -> Option<ConsultationRow> {
    match s.consultations.selected() {
        Some(c) if c.status == status => Some(c.clone()),
        Some(_) => {
            s.say_key(Level::Warning, why_not);
            None
        }
        None => {
            s.say_key(Level::Warning, "consult.nothing");
            None
        }
    }
}

/// Enter on a waiting entry: fetch its suggestions.
fn open_entry(s: &mut State) -> Vec<Effect> {
    let Some(c) = selected_with(s, "waiting", "consult.not_waiting") else {
        return Vec::new();
    };
    s.consultations.opening = Some(c.id);
    s.say_key(Level::Info, "consult.loading");
    vec![Effect::Rest(RestRequest::Consultation { id: c.id })]
}

fn answer_with_item(s: &mut State) -> Vec<Effect> {
    if s.consultations.saving.is_some() {
        return Vec::new();
    }
    let Some(a) = &s.consultations.answering else {
        s.say_key(Level::Warning, "consult.open_first");
        return Vec::new();
    };
    let id = a.id;
    let Some(k) = a.selected().map(|k| k.id) else {
        s.say_key(Level::Warning, "consult.no_suggestion");
        return Vec::new();
    };
    s.consultations.saving = Some(id);
    s.say_key(Level::Info, "consult.saving");
    vec![Effect::Rest(RestRequest::AnswerConsultation {
        id,
        knowledge_id: Some(k),
        text: None,
    })]
}

/// Starts an answer in the agent's own words, in the open pane or for the highlighted entry.
fn start_text(s: &mut State) -> Vec<Effect> {
    if s.consultations.answering.is_none() {
        let Some(c) = selected_with(s, "waiting", "consult.not_waiting") else {
            return Vec::new();
        };
        s.consultations.answering = Some(Answering {
            id: c.id,
            suggestions: Vec::new(),
            sel: 0,
            preview: None,
            text: None,
        });
    }
    if let Some(a) = s.consultations.answering.as_mut() {
        a.text = Some(String::new());
    }
    Vec::new()
}

/// Keys while the answer is typed: characters, Backspace, Enter or Ctrl-S to send, Esc to
/// go back to the suggestions.
fn text_key(s: &mut State, key: &Action) -> Vec<Effect> {
    let saving = s.consultations.saving.is_some();
    let Some(a) = s.consultations.answering.as_mut() else {
        return Vec::new();
    };
    let Some(text) = a.text.as_mut() else {
        return Vec::new();
    };
    match key {
        Action::Input(ch) => text.push(*ch),
        Action::Backspace => {
            text.pop();
        }
        Action::Close => a.text = None,
        Action::Enter | Action::Submit if !saving => {
            let answer = text.trim().to_owned();
            if answer.is_empty() {
                s.say_key(Level::Warning, "consult.empty_answer");
                return Vec::new();
            }
            let id = a.id;
            s.consultations.saving = Some(id);
            s.say_key(Level::Info, "consult.saving");
            return vec![Effect::Rest(RestRequest::AnswerConsultation {
                id,
                knowledge_id: None,
                text: Some(answer),
            })];
        }
        _ => {}
    }
    Vec::new()
}

/// A result key on an answered entry: one callback attempt.
fn record(s: &mut State, result: CallbackResult) -> Vec<Effect> {
    if s.consultations.saving.is_some() {
        return Vec::new();
    }
    let Some(c) = selected_with(s, "answered", "consult.not_answered") else {
        return Vec::new();
    };
    s.consultations.saving = Some(c.id);
    s.say_key(Level::Info, "consult.saving");
    vec![Effect::Rest(RestRequest::ConsultationCallback {
        id: c.id,
        result,
    })]
}

/// The entry and its suggestions arrived: the pane opens on the best one.
pub(super) fn detail(s: &mut State, id: i64, suggestions: Vec<Suggestion>) -> Vec<Effect> {
    if s.consultations.opening != Some(id) || s.panel != Panel::Consultations {
        return Vec::new();
    }
    s.consultations.opening = None;
    if suggestions.is_empty() {
        s.say_key(Level::Info, "consult.no_suggestions");
    } else {
        s.status = None;
    }
    let mut a = Answering {
        id,
        suggestions,
        sel: 0,
        preview: None,
        text: None,
    };
    let effects = preview(&mut a);
    s.consultations.answering = Some(a);
    effects
}

pub(super) fn item(s: &mut State, item: KnowledgeItem) {
    if let Some(a) = s.consultations.answering.as_mut()
        && a.selected().is_some_and(|k| k.id == item.id)
    {
        a.preview = Some(item);
    }
}

/// The entry as saved: a message, and a fresh list and badge.
pub(super) fn saved(s: &mut State, row: ConsultationRow) -> Vec<Effect> {
    let key = match (row.status.as_str(), row.last_result.as_deref()) {
        ("answered", None) => "consult.answered",
        ("answered", Some(_)) => "consult.try_again",
        _ => "consult.done",
    };
    s.consultations.saved(row);
    s.say_key(Level::Info, key);
    reload(s)
}

pub(super) fn failed(s: &mut State, request: &str) {
    let c = &mut s.consultations;
    match request {
        "consultations" => c.pending = false,
        "consultation" => c.opening = None,
        _ => c.saving = None,
    }
}
