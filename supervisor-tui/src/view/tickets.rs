//! Tickets: the overdue and due-soon lists, the selected ticket's details (instruction,
//! extension request) and the daily digest (每日要情) when the server has one.

use hotline_tui::t;
use hotline_tui::widgets::{Column, table_lines};
use hotline_tui::width::wrap;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::{Ui, section, styled};
use crate::app::period::short_time;
use crate::app::state::State;
use crate::rest::TicketList;

pub fn render(s: &State, ui: &Ui, f: &mut Frame, area: Rect) {
    if area.width >= 120 {
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)])
                .spacing(1)
                .areas(area);
        lists(s, ui, f, left);
        digest(s, ui, f, right);
    } else if s.tickets.show_digest {
        digest(s, ui, f, area);
    } else {
        lists(s, ui, f, area);
    }
}

fn lists(s: &State, ui: &Ui, f: &mut Frame, area: Rect) {
    let th = &ui.theme;
    let tv = &s.tickets;
    let tab = |list: TicketList, key: &str, n: usize| {
        let style = if tv.list == list {
            th.style("selected")
        } else {
            th.style("label")
        };
        styled(format!(" {} ({n}) ", t(s.lang, key)), style)
    };
    let title = Line::from(vec![
        tab(TicketList::Overdue, "sup.tickets.overdue", tv.overdue.len()),
        styled(" ", th.style("label")),
        tab(
            TicketList::DueSoon,
            "sup.tickets.due_soon",
            tv.due_soon.len(),
        ),
    ]);
    let [list_area, detail_area] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(6)]).areas(area);
    let block = section(title, ui);
    let inner = block.inner(list_area);
    f.render_widget(block, list_area);
    let l = |k: &'static str| t(s.lang, k);
    let cols = [
        Column::fixed(l("sup.tickets.number"), 21),
        Column::fixed(l("sup.tickets.status"), 8),
        Column::fixed(l("sup.tickets.due"), 11),
        Column::flex(l("sup.tickets.subject"), 10),
        Column::fixed(l("sup.tickets.flags"), 4),
    ];
    let rows: Vec<Vec<String>> = tv
        .rows()
        .iter()
        .map(|tk| {
            let mut flags = String::new();
            if tk.supervised {
                flags.push_str(t(s.lang, "sup.tickets.supervised_flag"));
            }
            if tk.workflow.pending_extension.is_some() {
                flags.push_str(t(s.lang, "sup.tickets.extension_flag"));
            }
            vec![
                tk.number.clone(),
                t(s.lang, &format!("sup.status_name.{}", tk.status)).to_owned(),
                tk.due_at_ms
                    .map(|d| short_time(d, &s.tz))
                    .unwrap_or_default(),
                tk.subject.clone(),
                flags,
            ]
        })
        .collect();
    let visible = inner.height.saturating_sub(1) as usize;
    let skip = tv.selected.saturating_sub(visible.saturating_sub(1));
    let shown: Vec<Vec<String>> = rows.iter().skip(skip).take(visible).cloned().collect();
    let mut lines = table_lines(
        &cols,
        &shown,
        inner.width,
        th.style("label"),
        tv.selected
            .checked_sub(skip)
            .map(|i| (i, th.style("selected"))),
    );
    if rows.is_empty() {
        let key = if tv.loading {
            "sup.loading"
        } else {
            "sup.tickets.none"
        };
        lines.push(Line::from(styled(t(s.lang, key), th.style("muted"))));
    }
    f.render_widget(Paragraph::new(lines), inner);
    details(s, ui, f, detail_area);
}

fn details(s: &State, ui: &Ui, f: &mut Frame, area: Rect) {
    let th = &ui.theme;
    let block = section(format!(" {} ", t(s.lang, "sup.tickets.details")), ui);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(tk) = s.tickets.current() else {
        return;
    };
    let w = inner.width as usize;
    let mut lines = Vec::new();
    for l in wrap(&format!("{} · {}", tk.subject, tk.region), w)
        .into_iter()
        .take(2)
    {
        lines.push(Line::from(styled(l, th.style("value"))));
    }
    if !tk.instruction.is_empty() {
        let text = format!(
            "{} {}",
            t(s.lang, "sup.tickets.instruction"),
            tk.instruction
        );
        lines.push(Line::from(styled(
            hotline_tui::width::truncate(&text, w),
            th.style("info"),
        )));
    }
    if let Some(e) = &tk.workflow.pending_extension {
        let text = format!(
            "{} {} {} · {}",
            t(s.lang, "sup.tickets.extension"),
            e.days,
            t(s.lang, "sup.tickets.days"),
            e.reason
        );
        lines.push(Line::from(styled(
            hotline_tui::width::truncate(&text, w),
            th.style("warning"),
        )));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

fn digest(s: &State, ui: &Ui, f: &mut Frame, area: Rect) {
    let th = &ui.theme;
    let block = section(format!(" {} ", t(s.lang, "sup.tickets.digest")), ui);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let lines: Vec<Line> = match &s.tickets.digest {
        None => vec![Line::from(styled(
            t(s.lang, "sup.loading"),
            th.style("muted"),
        ))],
        Some(None) => vec![Line::from(styled(
            t(s.lang, "sup.tickets.no_digest"),
            th.style("muted"),
        ))],
        Some(Some(text)) => wrap(text, inner.width as usize)
            .into_iter()
            .map(|l| Line::from(styled(l, th.style("value"))))
            .collect(),
    };
    f.render_widget(Paragraph::new(lines), inner);
}
