//! Reports: calls per day or hour, agents, tickets per group with a comparison period; a
//! table and a bar chart of the main figure.

use hotline_tui::t;
use hotline_tui::widgets::{Column, table_lines};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Bar, BarChart, BarGroup, Paragraph};

use super::{Ui, fmt, section, styled};
use crate::app::state::{COMPARES, State, TICKET_GROUPS};
use crate::rest::ReportKind;

pub fn render(s: &State, ui: &Ui, f: &mut Frame, area: Rect) {
    let [head, body] = Layout::vertical([Constraint::Length(2), Constraint::Min(0)]).areas(area);
    header(s, ui, f, head);
    let chart_h = body.height / 2;
    let [table, chart] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(chart_h)]).areas(body);
    let r = &s.reports;
    let loaded = match r.kind {
        ReportKind::Calls => r.calls.is_some(),
        ReportKind::Agents => r.agents.is_some(),
        ReportKind::Tickets => r.tickets.is_some(),
    };
    if !loaded {
        let key = if r.loading {
            "sup.loading"
        } else {
            "sup.reports.empty"
        };
        f.render_widget(
            Paragraph::new(styled(t(s.lang, key), ui.theme.style("muted"))),
            body,
        );
        return;
    }
    match r.kind {
        ReportKind::Calls => calls(s, ui, f, table, chart),
        ReportKind::Agents => agents(s, ui, f, table, chart),
        ReportKind::Tickets => tickets(s, ui, f, table, chart),
    }
}

fn kind_key(k: ReportKind) -> &'static str {
    match k {
        ReportKind::Calls => "sup.reports.calls",
        ReportKind::Agents => "sup.reports.agents",
        ReportKind::Tickets => "sup.reports.tickets",
    }
}

fn header(s: &State, ui: &Ui, f: &mut Frame, area: Rect) {
    let th = &ui.theme;
    let rep = &s.reports;
    let mut kinds = Vec::new();
    for k in ReportKind::ALL {
        let style = if k == rep.kind {
            th.style("selected")
        } else {
            th.style("label")
        };
        kinds.push(styled(format!(" {} ", t(s.lang, kind_key(k))), style));
    }
    let mut opts = vec![
        styled(
            format!("{} ", t(s.lang, "sup.reports.period")),
            th.style("label"),
        ),
        styled(format!("{} → {}", rep.from, rep.to), th.style("value")),
    ];
    match rep.kind {
        ReportKind::Calls => {
            let by = if rep.by_hour {
                "sup.reports.by_hour"
            } else {
                "sup.reports.by_day"
            };
            opts.push(styled(format!("  {}", t(s.lang, by)), th.style("value")));
        }
        ReportKind::Tickets => {
            let g = TICKET_GROUPS[rep.group % TICKET_GROUPS.len()];
            opts.push(styled(
                format!("  {}", t(s.lang, &format!("sup.reports.by_{g}"))),
                th.style("value"),
            ));
            let c = COMPARES[rep.compare % COMPARES.len()].unwrap_or("none");
            opts.push(styled(
                format!("  {}", t(s.lang, &format!("sup.reports.compare_{c}"))),
                th.style("value"),
            ));
        }
        ReportKind::Agents => {}
    }
    if rep.loading {
        opts.push(styled(
            format!("  {}", t(s.lang, "sup.loading")),
            th.style("muted"),
        ));
    }
    f.render_widget(
        Paragraph::new(vec![Line::from(kinds), Line::from(opts)]),
        area,
    );
}

fn table(s: &State, ui: &Ui, f: &mut Frame, area: Rect, cols: &[Column<'_>], rows: &[Vec<String>]) {
    let th = &ui.theme;
    let visible = area.height.saturating_sub(1) as usize;
    let sel = s.reports.selected;
    let skip = sel.saturating_sub(visible.saturating_sub(1));
    let shown: Vec<Vec<String>> = rows.iter().skip(skip).take(visible).cloned().collect();
    let lines = table_lines(
        cols,
        &shown,
        area.width,
        th.style("label"),
        sel.checked_sub(skip).map(|i| (i, th.style("selected"))),
    );
    f.render_widget(Paragraph::new(lines), area);
}

/// Bars of `values` in `area`; vertical with short labels when they fit, else horizontal.
fn bars(ui: &Ui, f: &mut Frame, area: Rect, title: &str, values: &[(String, u64)]) {
    let th = &ui.theme;
    let block = section(format!(" {title} "), ui);
    let inner = block.inner(area);
    f.render_widget(block, area);
    if values.is_empty() || inner.height == 0 {
        return;
    }
    let n = values.len() as u16;
    let vertical = n * 2 <= inner.width && inner.height >= 4;
    let data: Vec<Bar> = values
        .iter()
        .map(|(label, v)| {
            Bar::default()
                .value(*v)
                .label(Line::from(label.clone()))
                .text_value(v.to_string())
        })
        .collect();
    let chart = if vertical {
        let width = ((inner.width / n).saturating_sub(1)).clamp(1, 8);
        BarChart::default()
            .data(BarGroup::default().bars(&data))
            .bar_width(width)
            .bar_gap(1)
    } else {
        BarChart::horizontal(data).bar_width(1).bar_gap(0)
    };
    f.render_widget(
        chart
            .bar_style(th.style("meter"))
            .value_style(th.style("selected"))
            .label_style(th.style("label")),
        inner,
    );
}

fn calls(s: &State, ui: &Ui, f: &mut Frame, top: Rect, chart: Rect) {
    let Some(r) = &s.reports.calls else { return };
    let l = |k: &'static str| t(s.lang, k);
    let cols = [
        Column::flex(l("sup.reports.bucket"), 10),
        Column::fixed(l("sup.reports.offered"), 6).right(),
        Column::fixed(l("sup.reports.answered"), 6).right(),
        Column::fixed(l("sup.reports.abandoned"), 6).right(),
        Column::fixed(l("sup.wall.sl"), 6).right(),
        Column::fixed(l("sup.wall.avg_wait"), 6).right(),
        Column::fixed(l("sup.wall.avg_talk"), 6).right(),
    ];
    let row = |c: &crate::rest::CallFigures, label: String| {
        vec![
            label,
            c.offered.to_string(),
            c.answered.to_string(),
            c.abandoned.to_string(),
            fmt::pct(c.service_level_pct),
            fmt::secs(c.avg_wait_ms),
            fmt::secs(c.avg_talk_ms),
        ]
    };
    let mut rows: Vec<Vec<String>> = r.rows.iter().map(|c| row(c, c.bucket.clone())).collect();
    rows.push(row(&r.total, t(s.lang, "sup.reports.total").to_owned()));
    table(s, ui, f, top, &cols, &rows);
    // Short labels: the day of the month, or the hour.
    let values: Vec<(String, u64)> = r
        .rows
        .iter()
        .map(|c| {
            let label = c.bucket.rsplit(['-', ':']).next().unwrap_or("");
            let label = if c.bucket.contains(':') {
                &c.bucket[..2]
            } else {
                label
            };
            (label.to_owned(), c.answered)
        })
        .collect();
    bars(ui, f, chart, t(s.lang, "sup.reports.answered"), &values);
}

fn agents(s: &State, ui: &Ui, f: &mut Frame, top: Rect, chart: Rect) {
    let Some(r) = &s.reports.agents else { return };
    let l = |k: &'static str| t(s.lang, k);
    let cols = [
        Column::fixed(l("sup.wall.agent"), 6),
        Column::flex(l("sup.reports.name"), 8),
        Column::fixed(l("sup.reports.calls_answered"), 6).right(),
        Column::fixed(l("sup.reports.talk"), 8).right(),
        Column::fixed(l("sup.wall.avg_talk"), 6).right(),
        Column::fixed(l("sup.reports.satisfaction"), 6).right(),
    ];
    let rows: Vec<Vec<String>> = r
        .rows
        .iter()
        .map(|a| {
            vec![
                a.agent.clone(),
                a.name.clone(),
                a.calls_answered.to_string(),
                fmt::duration(a.talk_ms),
                fmt::secs(a.avg_talk_ms),
                a.satisfaction_pct.map_or_else(|| "—".into(), fmt::pct),
            ]
        })
        .collect();
    let [tarea, note] = Layout::vertical([Constraint::Min(2), Constraint::Length(1)]).areas(top);
    table(s, ui, f, tarea, &cols, &rows);
    f.render_widget(
        Paragraph::new(styled(
            t(s.lang, "sup.reports.agents_note"),
            ui.theme.style("muted"),
        )),
        note,
    );
    let values: Vec<(String, u64)> = r
        .rows
        .iter()
        .map(|a| {
            let who = if a.name.is_empty() { &a.agent } else { &a.name };
            (who.clone(), a.calls_answered)
        })
        .collect();
    bars(
        ui,
        f,
        chart,
        t(s.lang, "sup.reports.calls_answered"),
        &values,
    );
}

fn group_label(s: &State, label: &str) -> String {
    let g = TICKET_GROUPS[s.reports.group % TICKET_GROUPS.len()];
    if label.is_empty() {
        return t(s.lang, "sup.reports.unassigned").to_owned();
    }
    let key = format!("sup.type.{label}");
    if g == "type" && hotline_tui::i18n::has_key(&key) {
        t(s.lang, &key).to_owned()
    } else {
        label.to_owned()
    }
}

fn tickets(s: &State, ui: &Ui, f: &mut Frame, top: Rect, chart: Rect) {
    let Some(r) = &s.reports.tickets else { return };
    let l = |k: &'static str| t(s.lang, k);
    let cols = [
        Column::flex(l("sup.reports.group"), 10),
        Column::fixed(l("sup.reports.count"), 6).right(),
        Column::fixed(l("sup.reports.overdue"), 6).right(),
        Column::fixed(l("sup.reports.previous"), 6).right(),
        Column::fixed(l("sup.reports.change"), 8).right(),
    ];
    let row = |g: &crate::rest::TicketFigures, label: String| {
        vec![
            label,
            g.count.to_string(),
            g.overdue.to_string(),
            g.previous.to_string(),
            g.change_pct
                .map_or_else(|| "—".into(), |p| format!("{p:+.1}%")),
        ]
    };
    let mut rows: Vec<Vec<String>> = r
        .rows
        .iter()
        .map(|g| row(g, group_label(s, &g.label)))
        .collect();
    rows.push(row(&r.total, t(s.lang, "sup.reports.total").to_owned()));
    table(s, ui, f, top, &cols, &rows);
    let values: Vec<(String, u64)> = r
        .rows
        .iter()
        .map(|g| (group_label(s, &g.label), g.count))
        .collect();
    bars(ui, f, chart, t(s.lang, "sup.reports.count"), &values);
}
