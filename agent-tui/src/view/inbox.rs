//! The voicemail inbox (留言 / 局长信箱, C3): the filter and count, the list (kind, caller,
//! callback, age, length, status) and the highlighted message's details.

use hotline_tui::widgets::Column;
use hotline_tui::{Lang, t};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};

use crate::app::inbox::FILTERS;
use crate::app::state::State;
use crate::rest::VoicemailRow;
use crate::view::Ui;
use crate::view::list_preview::{ListPreview, tabs};
use crate::view::util::{ago, duration, field, is_wide};

/// The marker of a message's state in the list: playing, being fetched, or its status.
fn mark(s: &State, v: &VoicemailRow) -> &'static str {
    if s.inbox.playing == Some(v.id) {
        "▶"
    } else if s.inbox.fetching == Some(v.id) || s.inbox.saving == Some(v.id) {
        "…"
    } else if v.status == "new" {
        "●"
    } else {
        " "
    }
}

/// The ticket filed from the message, or that there is none.
fn ticket(lang: Lang, v: &VoicemailRow) -> String {
    v.ticket_number
        .clone()
        .unwrap_or_else(|| t(lang, "inbox.no_ticket").to_owned())
}

fn details<'a>(s: &State, ui: &Ui, v: &VoicemailRow) -> Vec<Line<'a>> {
    let lang = s.lang;
    let value = ui.theme.style("value");
    let yes_no = |b: bool| t(lang, if b { "inbox.yes" } else { "inbox.no" }).to_owned();
    let mut lines = vec![
        Line::from(Span::styled(
            t(lang, &format!("vm_kind.{}", v.kind)).to_owned(),
            ui.theme.style("title"),
        )),
        field(ui, t(lang, "col.caller"), v.caller.clone(), value),
        field(ui, t(lang, "inbox.callback"), v.callback.clone(), value),
        field(ui, t(lang, "inbox.reply"), yes_no(v.reply_wanted), value),
        field(
            ui,
            t(lang, "col.when"),
            ago(lang, s.now_ms.saturating_sub(v.at_ms)),
            value,
        ),
        field(ui, t(lang, "inbox.length"), duration(v.duration_ms), value),
        field(
            ui,
            t(lang, "col.status"),
            t(lang, &format!("vm_status.{}", v.status)).to_owned(),
            value,
        ),
        field(ui, t(lang, "inbox.ticket"), ticket(lang, v), value),
    ];
    if !v.handled_by.is_empty() {
        lines.push(field(
            ui,
            t(lang, "inbox.handled_by"),
            v.handled_by.clone(),
            value,
        ));
    }
    if v.parts.len() > 1 {
        lines.push(Line::raw(""));
        lines.push(Line::from(Span::styled(
            t(lang, "inbox.parts").to_owned(),
            ui.theme.style("label"),
        )));
        for p in &v.parts {
            lines.push(Line::raw(format!(
                "  {}. {} {}",
                p.index + 1,
                p.label,
                duration(p.duration_ms)
            )));
        }
    }
    lines
}

fn head<'a>(s: &State, ui: &Ui) -> Line<'a> {
    let lang = s.lang;
    let inbox = &s.inbox;
    let mut top = vec![Span::styled(
        format!("{} ", t(lang, "inbox.filter")),
        ui.theme.style("label"),
    )];
    let names = FILTERS
        .iter()
        .map(|(name, _)| t(lang, &format!("inbox.filter_{name}")).to_owned());
    top.extend(tabs(ui, names, inbox.filter));
    let count = if inbox.pending {
        format!("  {}", t(lang, "status.loading"))
    } else {
        format!(
            "  ({}/{})  {} {}",
            inbox.items.len(),
            inbox.total,
            t(lang, "inbox.unheard"),
            inbox.unheard
        )
    };
    top.push(Span::styled(count, ui.theme.style("info")));
    Line::from(top)
}

fn columns(lang: Lang, wide: bool) -> [Column<'static>; 7] {
    [
        Column::fixed(" ", 1),
        Column::fixed(t(lang, "inbox.kind"), if wide { 10 } else { 8 }),
        Column::fixed(t(lang, "col.caller"), 12),
        Column::fixed(t(lang, "inbox.callback"), if wide { 13 } else { 0 }),
        Column::fixed(t(lang, "col.when"), 10),
        Column::fixed(t(lang, "inbox.length"), 6).right(),
        Column::flex(t(lang, "col.status"), 6),
    ]
}

fn row(s: &State, v: &VoicemailRow) -> Vec<String> {
    let lang = s.lang;
    vec![
        mark(s, v).to_owned(),
        t(lang, &format!("vm_kind.{}", v.kind)).to_owned(),
        v.caller.clone(),
        v.callback.clone(),
        ago(lang, s.now_ms.saturating_sub(v.at_ms)),
        duration(v.duration_ms),
        t(lang, &format!("vm_status.{}", v.status)).to_owned(),
    ]
}

pub fn render(s: &State, ui: &Ui, f: &mut Frame, area: Rect) {
    let lang = s.lang;
    let inbox = &s.inbox;
    let wide = is_wide(area);
    let cols = columns(lang, wide);
    let rows: Vec<Vec<String>> = inbox.items.iter().map(|v| row(s, v)).collect();
    let empty = if inbox.loaded {
        "inbox.empty"
    } else {
        "status.loading"
    };
    // Little room under the list at 80×24: the essentials only.
    let preview = match inbox.selected() {
        Some(v) if wide => details(s, ui, v),
        Some(v) => compact(s, ui, v),
        None => Vec::new(),
    };
    ListPreview {
        title: t(lang, "inbox.title"),
        head: head(s, ui),
        wide: [Constraint::Percentage(62), Constraint::Min(30)],
        narrow: [Constraint::Min(4), Constraint::Length(7)],
        cols: &cols,
        rows: &rows,
        sel: inbox.sel,
        empty: t(lang, empty),
        preview_title: t(lang, "inbox.details"),
        preview_focus: false,
        preview,
    }
    .render(ui, f, area);
}

/// The details in three lines for 80×24.
fn compact<'a>(s: &State, ui: &Ui, v: &VoicemailRow) -> Vec<Line<'a>> {
    let lang = s.lang;
    let value = ui.theme.style("value");
    let reply = if v.reply_wanted {
        format!("  {}", t(lang, "inbox.reply_wanted"))
    } else {
        String::new()
    };
    vec![
        field(
            ui,
            t(lang, "inbox.callback"),
            format!("{}{reply}", v.callback),
            value,
        ),
        field(ui, t(lang, "inbox.ticket"), ticket(lang, v), value),
        field(
            ui,
            t(lang, "inbox.handled_by"),
            if v.handled_by.is_empty() {
                "-".to_owned()
            } else {
                v.handled_by.clone()
            },
            value,
        ),
    ]
}
