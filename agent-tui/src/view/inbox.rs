//! The voicemail inbox (留言 / 局长信箱, C3): the filter and count, the list (kind, caller,
//! callback, age, length, status) and the highlighted message's details.

use hotline_tui::t;
use hotline_tui::widgets::{Column, table_lines};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::inbox::FILTERS;
use crate::app::state::State;
use crate::rest::VoicemailRow;
use crate::view::Ui;
use crate::view::util::{ago, block, duration, field, is_wide};

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
        field(
            ui,
            t(lang, "inbox.ticket"),
            v.ticket_number
                .clone()
                .unwrap_or_else(|| t(lang, "inbox.no_ticket").to_owned()),
            value,
        ),
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

pub fn render(s: &State, ui: &Ui, f: &mut Frame, area: Rect) {
    let lang = s.lang;
    let inbox = &s.inbox;
    let b = block(ui, t(lang, "inbox.title"), true);
    let inner = b.inner(area);
    f.render_widget(b, area);
    let [head, body] = Layout::vertical([Constraint::Length(2), Constraint::Min(2)]).areas(inner);

    let mut top = vec![Span::styled(
        format!("{} ", t(lang, "inbox.filter")),
        ui.theme.style("label"),
    )];
    for (i, (name, _)) in FILTERS.iter().enumerate() {
        let style = if i == inbox.filter {
            ui.theme.style("selected")
        } else {
            ui.theme.style("muted")
        };
        top.push(Span::styled(
            format!(" {} ", t(lang, &format!("inbox.filter_{name}"))),
            style,
        ));
    }
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
    f.render_widget(Paragraph::new(Line::from(top)), head);

    let wide = is_wide(area);
    let (list_area, detail_area) = if wide {
        let [a, b] =
            Layout::horizontal([Constraint::Percentage(62), Constraint::Min(30)]).areas(body);
        (a, b)
    } else {
        let [a, b] = Layout::vertical([Constraint::Min(4), Constraint::Length(7)]).areas(body);
        (a, b)
    };
    if inbox.items.is_empty() {
        let key = if inbox.loaded {
            "inbox.empty"
        } else {
            "status.loading"
        };
        f.render_widget(
            Paragraph::new(Span::styled(
                t(lang, key).to_owned(),
                ui.theme.style("muted"),
            )),
            list_area,
        );
    } else {
        let cols = [
            Column::fixed(" ", 1),
            Column::fixed(t(lang, "inbox.kind"), if wide { 10 } else { 8 }),
            Column::fixed(t(lang, "col.caller"), 12),
            Column::fixed(t(lang, "inbox.callback"), if wide { 13 } else { 0 }),
            Column::fixed(t(lang, "col.when"), 10),
            Column::fixed(t(lang, "inbox.length"), 6).right(),
            Column::flex(t(lang, "col.status"), 6),
        ];
        let rows: Vec<Vec<String>> = inbox
            .items
            .iter()
            .map(|v| {
                vec![
                    mark(s, v).to_owned(),
                    t(lang, &format!("vm_kind.{}", v.kind)).to_owned(),
                    v.caller.clone(),
                    v.callback.clone(),
                    ago(lang, s.now_ms.saturating_sub(v.at_ms)),
                    duration(v.duration_ms),
                    t(lang, &format!("vm_status.{}", v.status)).to_owned(),
                ]
            })
            .collect();
        let lines = table_lines(
            &cols,
            &rows,
            list_area.width,
            ui.theme.style("label"),
            Some((inbox.sel, ui.theme.style("selected"))),
        );
        // Keep the highlighted row in view under the header.
        let skip = (inbox.sel + 2).saturating_sub(list_area.height as usize);
        let mut shown = vec![lines[0].clone()];
        shown.extend(lines.into_iter().skip(1 + skip));
        f.render_widget(Paragraph::new(shown), list_area);
    }
    let db = block(ui, t(lang, "inbox.details"), false);
    let di = db.inner(detail_area);
    f.render_widget(db, detail_area);
    if let Some(v) = inbox.selected() {
        // Little room under the list at 80×24: the essentials only.
        let lines = if wide {
            details(s, ui, v)
        } else {
            compact(s, ui, v)
        };
        f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), di);
    }
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
        field(
            ui,
            t(lang, "inbox.ticket"),
            v.ticket_number
                .clone()
                .unwrap_or_else(|| t(lang, "inbox.no_ticket").to_owned()),
            value,
        ),
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
