//! The live queue view with pick-up (B7).

use hotline_protocol::Location;
use hotline_tui::t;
use hotline_tui::widgets::{Column, table_lines};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::state::State;
use crate::view::Ui;
use crate::view::util::{block, duration, is_wide};

pub fn render(s: &State, ui: &Ui, f: &mut Frame, area: Rect) {
    let lang = s.lang;
    let n = s.queues.len() as u16;
    let [summary_area, list_area] =
        Layout::vertical([Constraint::Length(n + 3), Constraint::Min(3)]).areas(area);
    let b = block(ui, t(lang, "queue.title"), false);
    let inner = b.inner(summary_area);
    f.render_widget(b, summary_area);
    let wide = is_wide(area);
    let mut cols = vec![
        Column::flex(t(lang, "queue.name"), 8),
        Column::fixed(t(lang, "queue.waiting"), 4).right(),
        Column::fixed(t(lang, "queue.longest"), 7).right(),
        Column::fixed(t(lang, "queue.ready"), 5).right(),
        Column::fixed(t(lang, "queue.busy"), 4).right(),
        Column::fixed(t(lang, "queue.sl"), 6).right(),
    ];
    if wide {
        cols.push(Column::fixed(t(lang, "queue.answered"), 8).right());
        cols.push(Column::fixed(t(lang, "queue.abandoned"), 8).right());
    }
    let rows: Vec<Vec<String>> = s
        .queues
        .iter()
        .map(|q| {
            vec![
                q.queue.clone(),
                q.waiting.len().to_string(),
                duration(s.longest_wait_ms(q)),
                q.agents_ready.to_string(),
                q.agents_busy.to_string(),
                format!("{:.0}%", q.service_level_pct),
                q.answered_today.to_string(),
                q.abandoned_today.to_string(),
            ]
        })
        .collect();
    f.render_widget(
        Paragraph::new(table_lines(
            &cols,
            &rows,
            inner.width,
            ui.theme.style("label"),
            None,
        )),
        inner,
    );

    let b = block(ui, t(lang, "queue.callers"), true);
    let inner = b.inner(list_area);
    f.render_widget(b, list_area);
    let waiting = s.waiting();
    if waiting.is_empty() {
        f.render_widget(
            Paragraph::new(Span::styled(
                t(lang, "queue.empty").to_owned(),
                ui.theme.style("muted"),
            )),
            inner,
        );
        return;
    }
    let cols = [
        Column::fixed(t(lang, "queue.name"), 6),
        Column::fixed(t(lang, "col.phone"), 13),
        Column::flex(t(lang, "col.name"), 8),
        Column::fixed(t(lang, "col.location"), if wide { 12 } else { 0 }),
        Column::fixed("VIP", 3),
        Column::fixed(t(lang, "col.wait"), 6).right(),
    ];
    let rows: Vec<Vec<String>> = waiting
        .iter()
        .map(|(q, w)| {
            vec![
                (*q).to_owned(),
                w.number.clone(),
                w.name.clone().unwrap_or_default(),
                w.location
                    .as_ref()
                    .map(Location::display)
                    .unwrap_or_default(),
                if w.vip { "★".into() } else { String::new() },
                duration(w.waited_ms + s.queue_age_ms(q)),
            ]
        })
        .collect();
    let lines: Vec<Line> = table_lines(
        &cols,
        &rows,
        inner.width,
        ui.theme.style("label"),
        Some((s.queue_sel, ui.theme.style("selected"))),
    );
    f.render_widget(Paragraph::new(lines), inner);
}
