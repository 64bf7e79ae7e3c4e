//! The wallboard: queues with their sparklines, the seat grid, the alarm list (flashing when
//! something new comes up) and the monitoring banner.

use hotline_protocol::{AgentState, AlarmKind};
use hotline_tui::t;
use hotline_tui::widgets::{Column, table_lines};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::{Ui, fmt, section, styled};
use crate::app::state::State;
use crate::app::trend;
use crate::app::update::mode_label;

pub fn render(s: &State, ui: &Ui, f: &mut Frame, area: Rect) {
    let queue_h = (s.queues.len() as u16 + 2).min(area.height / 3).max(3);
    if area.width >= 120 {
        let [left, right] = Layout::horizontal([Constraint::Min(0), Constraint::Length(46)])
            .spacing(1)
            .areas(area);
        let [q, seats] =
            Layout::vertical([Constraint::Length(queue_h), Constraint::Min(0)]).areas(left);
        queues(s, ui, f, q, 30);
        seat_grid(s, ui, f, seats);
        alarms(s, ui, f, right);
    } else {
        let alarm_h = (s.alarms.len() as u16).clamp(1, 3) + 1;
        let [q, a, seats] = Layout::vertical([
            Constraint::Length(queue_h),
            Constraint::Length(alarm_h),
            Constraint::Min(0),
        ])
        .areas(area);
        queues(s, ui, f, q, 12);
        alarms(s, ui, f, a);
        seat_grid(s, ui, f, seats);
    }
}

fn queues(s: &State, ui: &Ui, f: &mut Frame, area: Rect, spark_w: u16) {
    let th = &ui.theme;
    let block = section(format!(" {} ", t(s.lang, "sup.wall.queues")), ui);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let l = |k: &'static str| t(s.lang, k);
    let cols = [
        Column::flex(l("sup.wall.queue"), 8),
        Column::fixed(l("sup.wall.waiting"), 4).right(),
        Column::fixed(l("sup.wall.longest"), 6).right(),
        Column::fixed(l("sup.wall.answered"), 5).right(),
        Column::fixed(l("sup.wall.abandoned"), 4).right(),
        Column::fixed(l("sup.wall.sl"), 6).right(),
        Column::fixed(l("sup.wall.avg_wait"), 5).right(),
        Column::fixed(l("sup.wall.avg_talk"), 5).right(),
        Column::fixed(l("sup.wall.trend"), spark_w),
    ];
    // Only the rows that fit are formatted (sparklines cost a pass over an hour of samples).
    let fit = (inner.height as usize).saturating_sub(1);
    let rows: Vec<Vec<String>> = s
        .queues
        .values()
        .take(fit)
        .map(|q| {
            let snap = &q.snap;
            let spark = trend::sparkline(&trend::buckets(&q.history, s.now_ms, spark_w as usize));
            vec![
                snap.queue.clone(),
                snap.waiting.len().to_string(),
                fmt::duration(snap.longest_wait_ms),
                snap.answered_today.to_string(),
                snap.abandoned_today.to_string(),
                fmt::pct(snap.service_level_pct),
                fmt::secs(snap.avg_wait_ms),
                fmt::secs(snap.avg_talk_ms),
                spark,
            ]
        })
        .collect();
    let mut lines = table_lines(&cols, &rows, inner.width, th.style("label"), None);
    // Queues under the service-level target are shown in the warning colour.
    for (line, q) in lines.iter_mut().skip(1).zip(s.queues.values()) {
        let snap = &q.snap;
        if snap.answered_today + snap.abandoned_today > 0
            && snap.service_level_pct < s.thresholds.sl_target_pct
        {
            *line = line.clone().style(th.style("warning"));
        }
    }
    f.render_widget(Paragraph::new(lines), inner);
}

fn state_text(s: &State, st: &AgentState) -> (String, &'static str) {
    let key = format!("sup.state.{}", st.name());
    let style = match st {
        AgentState::Ready => "state.ready",
        AgentState::NotReady { .. } => "state.not_ready",
        AgentState::Ringing { .. } => "state.ringing",
        AgentState::OnCall { .. } => "state.on_call",
        AgentState::WrapUp { .. } => "state.wrap_up",
        AgentState::LoggedOut => "state.logged_out",
    };
    (t(s.lang, &key).to_owned(), style)
}

fn seat_grid(s: &State, ui: &Ui, f: &mut Frame, area: Rect) {
    let th = &ui.theme;
    let mut title = vec![styled(
        format!(" {} ({}) ", t(s.lang, "sup.wall.seats"), s.seats.len()),
        th.style("title"),
    )];
    if let Some(m) = &s.monitor {
        title.push(styled(
            format!(" ◉ {} {} ", t(s.lang, mode_label(m.mode)), m.agent),
            th.style("banner"),
        ));
    }
    if let Some(ic) = &s.intercom {
        let key = if ic.connected {
            "sup.wall.intercom_talking"
        } else {
            "sup.wall.intercom_calling"
        };
        title.push(styled(
            format!(" ☎ {} {} ", t(s.lang, key), ic.agent),
            th.style("banner"),
        ));
    }
    if s.read_only() {
        title.push(styled(
            format!(" {} ", t(s.lang, "sup.wall.read_only")),
            th.style("muted"),
        ));
    }
    let block = section(Line::from(title), ui);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let l = |k: &'static str| t(s.lang, k);
    let cols = [
        Column::flex(l("sup.wall.agent"), 6),
        Column::fixed(l("sup.wall.state"), 9),
        Column::fixed(l("sup.wall.reason"), 8),
        Column::fixed(l("sup.wall.in_state"), 6).right(),
        Column::fixed(l("sup.wall.caller"), 13),
        Column::fixed(l("sup.wall.call_time"), 6).right(),
    ];
    // Only the rows on screen are formatted: a floor has hundreds of seats.
    let visible = inner.height.saturating_sub(1) as usize;
    let skip = s.selected_seat.saturating_sub(visible.saturating_sub(1));
    let shown: Vec<Vec<String>> = s
        .seats
        .values()
        .skip(skip)
        .take(visible)
        .map(|seat| {
            let in_state = fmt::duration(s.now_ms.saturating_sub(seat.since_ms));
            let reason = match &seat.state {
                AgentState::NotReady { reason } => reason.label.clone(),
                _ => String::new(),
            };
            let call_time = match seat.state {
                AgentState::OnCall { .. } => in_state.clone(),
                _ => String::new(),
            };
            let marker = if s.monitor.as_ref().is_some_and(|m| m.agent == seat.agent) {
                "◉ "
            } else {
                ""
            };
            vec![
                format!("{marker}{}", seat.agent),
                state_text(s, &seat.state).0,
                reason,
                in_state,
                seat.caller.clone().unwrap_or_default(),
                call_time,
            ]
        })
        .collect();
    let sel = s.selected_seat.checked_sub(skip);
    let mut lines = table_lines(
        &cols,
        &shown,
        inner.width,
        th.style("label"),
        sel.map(|i| (i, th.style("selected"))),
    );
    // The state cell in its state's colour (unless the row is highlighted).
    for (i, (line, seat)) in lines
        .iter_mut()
        .skip(1)
        .zip(s.seats.values().skip(skip))
        .enumerate()
    {
        if Some(i) == sel {
            continue;
        }
        let (_, style) = state_text(s, &seat.state);
        *line = recolour_state(line, inner.width, th.style(style));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

/// Colours the state column (the second) of a rendered seat row.
fn recolour_state(line: &Line<'static>, width: u16, style: ratatui::style::Style) -> Line<'static> {
    let text = line.to_string();
    // Column widths as laid out by `table_lines`: the flex agent column takes the rest.
    let fixed = 9 + 8 + 6 + 13 + 6 + 5;
    let agent_w = (width as usize).saturating_sub(fixed).max(6);
    let (head, rest) = split_cols(&text, agent_w + 1);
    let (state, tail) = split_cols(&rest, 9);
    Line::from(vec![
        styled(head, ratatui::style::Style::default()),
        styled(state, style),
        styled(tail, ratatui::style::Style::default()),
    ])
}

/// `s` split after `cols` display columns.
fn split_cols(s: &str, cols: usize) -> (String, String) {
    let mut used = 0;
    for (i, c) in s.char_indices() {
        let w = hotline_tui::width::width(c.encode_utf8(&mut [0; 4]));
        if used + w > cols {
            return (s[..i].to_owned(), s[i..].to_owned());
        }
        used += w;
    }
    (s.to_owned(), String::new())
}

fn alarms(s: &State, ui: &Ui, f: &mut Frame, area: Rect) {
    let th = &ui.theme;
    let title_style = if s.flashing() {
        th.style("banner")
    } else if s.alarms.is_empty() {
        th.style("title")
    } else {
        th.style("warning")
    };
    let block = section(
        styled(
            format!(" {} ({}) ", t(s.lang, "sup.wall.alarms"), s.alarms.len()),
            title_style,
        ),
        ui,
    );
    let inner = block.inner(area);
    f.render_widget(block, area);
    if s.alarms.is_empty() {
        f.render_widget(
            Paragraph::new(styled(t(s.lang, "sup.wall.no_alarms"), th.style("muted"))),
            inner,
        );
        return;
    }
    let lines: Vec<Line> = s
        .alarms
        .iter()
        .take(inner.height as usize)
        .map(|a| {
            let key = format!("sup.alarm.{}", kind_key(a.kind));
            let what = t(s.lang, &key);
            let detail = match a.kind {
                AlarmKind::ServiceLevel => {
                    format!("{} < {}", fmt::pct(a.value), fmt::pct(a.threshold))
                }
                AlarmKind::LongQueue => format!("{} > {}", a.value, a.threshold),
                AlarmKind::LongCall | AlarmKind::LongNotReady => format!(
                    "{} > {}",
                    fmt::duration(a.value as u64 * 1000),
                    fmt::duration(a.threshold as u64 * 1000)
                ),
                // Where the call stands, so the supervisor knows what they would join.
                AlarmKind::HelpRequest | AlarmKind::Emergency => help_detail(s, &a.subject),
            };
            let text = format!("▲ {what} {} {detail}", a.subject);
            let style = if a.kind == AlarmKind::Emergency {
                th.style("error")
            } else {
                th.style("warning")
            };
            Line::from(styled(
                hotline_tui::width::truncate(text.trim_end(), inner.width as usize),
                style,
            ))
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

/// The asking agent's state and caller, e.g. `On call 13800138000`.
fn help_detail(s: &State, agent: &str) -> String {
    let Some(seat) = s.seats.values().find(|seat| seat.agent.0 == agent) else {
        return String::new();
    };
    let (state, _) = state_text(s, &seat.state);
    match &seat.caller {
        Some(c) => format!("· {state} {c}"),
        None => format!("· {state}"),
    }
}

fn kind_key(k: AlarmKind) -> &'static str {
    match k {
        AlarmKind::ServiceLevel => "service_level",
        AlarmKind::LongCall => "long_call",
        AlarmKind::LongQueue => "long_queue",
        AlarmKind::LongNotReady => "long_not_ready",
        AlarmKind::HelpRequest => "help_request",
        AlarmKind::Emergency => "emergency",
    }
}
