//! The status bar (top), the key hints and the message line (bottom).

use hotline_protocol::{AgentState, CallState};
use hotline_tui::widgets::{Segment, status_line};
use hotline_tui::{Lang, t};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::Panel;
use crate::app::state::{Conn, Level, State};
use crate::view::Ui;
use crate::view::util::duration;

/// The UI-string key and theme role of an agent state.
pub fn state_label(lang: Lang, state: &AgentState) -> (String, &'static str) {
    let role = match state {
        AgentState::LoggedOut => "state.logged_out",
        AgentState::Ready => "state.ready",
        AgentState::NotReady { .. } => "state.not_ready",
        AgentState::Ringing { .. } => "state.ringing",
        AgentState::OnCall { .. } => "state.on_call",
        AgentState::WrapUp { .. } => "state.wrap_up",
    };
    let mut label = t(lang, role).to_owned();
    if let AgentState::NotReady { reason } = state {
        let r = reason
            .standard_kind()
            .map_or(reason.label.as_str(), |k| match lang {
                Lang::Zh => k.label_zh(),
                Lang::En => k.label_en(),
            });
        label = format!("{label}·{r}");
    }
    (label, role)
}

pub fn render_bar(s: &State, ui: &Ui, f: &mut Frame, area: Rect) {
    let lang = s.lang;
    let now = s.server_now_ms();
    let (label, role) = state_label(lang, &s.agent_state);
    let in_state = duration(now.saturating_sub(s.state_since_ms));
    let mut segs = vec![Segment::new(
        format!(" {label} {in_state} "),
        ui.theme.style(role),
    )];
    if let Some(left) = s.agent_state.wrap_up_remaining_secs(now) {
        segs.push(Segment::new(
            format!("{} {}", t(lang, "status.wrap_left"), duration(left * 1000)),
            ui.theme.style("warning"),
        ));
    }
    if let Some(c) = &s.call {
        let talk = c
            .connected_at_ms
            .map_or_else(String::new, |at| duration(now.saturating_sub(at)));
        let mut text = format!("☎ {talk}");
        if c.state == CallState::Held {
            text.push(' ');
            text.push_str(t(lang, "call.held"));
        }
        if c.muted {
            text.push(' ');
            text.push_str(t(lang, "call.muted"));
        }
        segs.push(Segment::new(text, ui.theme.style("value")));
    }
    if let Some(h) = &s.help {
        let key = if h.emergency {
            "status.emergency_pending"
        } else {
            "status.help_pending"
        };
        let waited = duration(s.now_ms.saturating_sub(h.at_ms));
        segs.push(Segment::new(
            format!("{} {waited}", t(lang, key)),
            ui.theme
                .style(if h.emergency { "error" } else { "warning" }),
        ));
    }
    if s.inbox.unheard > 0 {
        segs.push(Segment::new(
            format!("✉ {} {}", t(lang, "status.voicemail"), s.inbox.unheard),
            ui.theme.style("warning"),
        ));
    }
    if s.consultations.to_call > 0 {
        segs.push(Segment::new(
            format!(
                "☎ {} {}",
                t(lang, "status.to_call"),
                s.consultations.to_call
            ),
            ui.theme.style("warning"),
        ));
    }
    let waiting: usize = s.queues.iter().map(|q| q.waiting.len()).sum();
    let longest = s
        .queues
        .iter()
        .map(|q| s.longest_wait_ms(q))
        .max()
        .unwrap_or(0);
    segs.push(Segment::new(
        format!(
            "{} {waiting} {} {}",
            t(lang, "status.queued"),
            t(lang, "status.longest"),
            duration(longest)
        ),
        ui.theme
            .style(if waiting > 0 { "warning" } else { "value" }),
    ));
    let (conn, conn_role) = match &s.conn {
        Conn::Online => (format!("● {}", t(lang, "conn.online")), "conn.ok"),
        Conn::Connecting => (format!("… {}", t(lang, "conn.connecting")), "conn.bad"),
        Conn::Offline => (format!("○ {}", t(lang, "conn.offline")), "conn.bad"),
        Conn::Reconnecting { attempt } => (
            format!("⟳ {} ({attempt})", t(lang, "conn.reconnecting")),
            "conn.bad",
        ),
    };
    segs.push(Segment::new(conn, ui.theme.style(conn_role)));
    if let Some(a) = &s.agent {
        segs.push(Segment::new(
            format!("{} {}", a.name, a.work_number),
            ui.theme.style("muted"),
        ));
    }
    let base = ui.theme.style("status_bar");
    f.render_widget(
        Paragraph::new(status_line(&segs, area.width as usize, base)).style(base),
        area,
    );
}

/// The actions worth a hint in the current context, in order.
fn hint_actions(s: &State) -> Vec<&'static str> {
    if s.overlay != crate::app::state::Overlay::None {
        return vec!["enter", "close"];
    }
    match s.panel {
        Panel::Home => {
            let mut v = Vec::new();
            if s.offer.is_some() {
                v.extend(["answer", "reject"]);
            }
            if s.call.is_some() {
                v.extend(["hangup", "hold", "mute", "transfer"]);
            }
            match s.agent_state {
                AgentState::WrapUp { .. } => v.extend(["end_wrap_up", "extend_wrap_up"]),
                AgentState::Ready => v.push("not_ready"),
                _ if s.call.is_none() && s.offer.is_none() => v.push("ready"),
                _ => {}
            }
            v.extend([
                "ticket_form",
                "knowledge",
                "queue_view",
                "dial",
                "help",
                "quit",
            ]);
            v
        }
        Panel::Queue => vec!["pick_up", "up", "down", "close", "help"],
        Panel::TicketForm => vec!["next_field", "submit", "knowledge", "close", "help"],
        Panel::Knowledge => vec!["enter", "insert_answer", "close", "help"],
        Panel::Tickets => vec!["enter", "call_back", "close", "help"],
        Panel::Callers => vec!["enter", "call_back", "edit_caller", "close", "help"],
        Panel::Inbox => vec![
            "play",
            "mark_handled",
            "call_back",
            "voicemail_ticket",
            "close",
        ],
        Panel::Consultations => match &s.consultations.answering {
            Some(a) if a.text.is_some() => vec!["submit", "close"],
            Some(_) => vec!["up", "consult_answer", "consult_write", "close"],
            None if s.consultations.status() == "answered" => vec![
                "call_back",
                "consult_reached",
                "consult_no_answer",
                "consult_busy",
                "consult_wrong_number",
                "close",
            ],
            None => vec!["enter", "consult_write", "right", "close"],
        },
    }
}

pub fn render_hints(s: &State, ui: &Ui, f: &mut Frame, area: Rect) {
    let ctx = s.contexts();
    let mut spans = Vec::new();
    for a in hint_actions(s) {
        let keys = ui.keymap.keys_for(&ctx, a);
        let Some(first) = keys.split(", ").next().filter(|k| !k.is_empty()) else {
            continue;
        };
        spans.push(Span::styled(first.to_owned(), ui.theme.style("key")));
        spans.push(Span::styled(
            format!(" {}  ", t(s.lang, &format!("hint.{a}"))),
            ui.theme.style("label"),
        ));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

pub fn render_message(s: &State, ui: &Ui, f: &mut Frame, area: Rect) {
    let Some(m) = &s.status else { return };
    let role = match m.level {
        Level::Info => "info",
        Level::Warning => "warning",
        Level::Error => "error",
    };
    f.render_widget(
        Paragraph::new(Span::styled(m.text.clone(), ui.theme.style(role))),
        area,
    );
}
