//! The home panel: the ringing banner, the call box and the screen-pop (E1, B8).

use hotline_protocol::{CallState, CallerCategory, Direction, ScreenPop};
use hotline_tui::t;
use hotline_tui::widgets::{Column, table_lines};
use hotline_tui::width::fit;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::state::State;
use crate::view::Ui;
use crate::view::util::{ago, block, duration, field, is_wide};

/// The caller's marks: VIP, company, blacklisted.
fn marks<'a>(s: &State, ui: &Ui, pop: &ScreenPop) -> Vec<Span<'a>> {
    let mut v = Vec::new();
    match pop.caller.category {
        CallerCategory::Vip => v.push(Span::styled(
            format!(" {} ", t(s.lang, "pop.vip")),
            ui.theme.style("vip"),
        )),
        CallerCategory::Company => v.push(Span::styled(
            format!(" {} ", t(s.lang, "pop.company")),
            ui.theme.style("label"),
        )),
        CallerCategory::Resident => {}
    }
    if let Some(b) = &pop.caller.blacklisted {
        v.push(Span::raw(" "));
        v.push(Span::styled(
            format!(" {}: {} ", t(s.lang, "pop.blacklisted"), b.reason),
            ui.theme.style("blacklist"),
        ));
    }
    v
}

pub fn render_banner(s: &State, ui: &Ui, f: &mut Frame, area: Rect) {
    let Some(o) = &s.offer else { return };
    let lang = s.lang;
    let style = ui.theme.style("banner");
    let mut first = vec![Span::styled(
        format!("☎ {} ", t(lang, "banner.incoming")),
        style,
    )];
    if let Some(cb) = &o.callback {
        // The caller is not on the line: answering dials them.
        first = vec![Span::styled(
            format!(
                "☎ {} {} ({} {}) ",
                t(lang, "banner.callback"),
                cb.number,
                t(lang, "banner.attempt"),
                cb.attempt
            ),
            style,
        )];
        if let Some(ticket) = &cb.ticket {
            first.push(Span::styled(
                format!("{} {ticket} ", t(lang, "banner.follow_up")),
                style,
            ));
        }
    }
    if let Some(pop) = &s.pop {
        let c = &pop.caller;
        first.push(Span::styled(format!("{} ", c.number), style));
        if let Some(n) = &c.name {
            first.push(Span::styled(format!("{n} "), style));
        }
        if let Some(l) = &c.location {
            first.push(Span::styled(format!("{} ", l.display()), style));
        }
        first.extend(marks(s, ui, pop));
    }
    let ringing = s.now_ms.saturating_sub(o.at_ms);
    let second = format!(
        "  {} {}  {} {}  {} {}/{}  ",
        t(lang, "banner.queue"),
        o.queue,
        t(lang, "banner.waited"),
        duration(o.waited_ms + ringing),
        t(lang, "banner.ringing"),
        duration(ringing),
        duration(o.ring_timeout_ms),
    );
    let keys = ui.keymap.keys_for(&s.contexts(), "answer");
    let lines = vec![
        Line::from(first).style(style),
        Line::from(vec![
            Span::styled(second, style),
            Span::styled(
                format!("[{keys}] {}", t(lang, "hint.answer")),
                ui.theme.style("key"),
            ),
        ])
        .style(style),
    ];
    f.render_widget(Paragraph::new(lines).style(style), area);
}

fn call_lines<'a>(s: &State, ui: &Ui) -> Vec<Line<'a>> {
    let lang = s.lang;
    let Some(c) = &s.call else {
        return vec![Line::from(Span::styled(
            t(lang, "call.idle").to_owned(),
            ui.theme.style("muted"),
        ))];
    };
    let state_key = match &c.state {
        CallState::Ringing => "callstate.ringing",
        CallState::Connected => "callstate.connected",
        CallState::Held => "callstate.held",
        CallState::Transferring => "callstate.transferring",
        CallState::Conference => "callstate.conference",
        CallState::Ended { .. } => "callstate.ended",
    };
    let dir = match c.direction {
        Direction::Inbound => "call.inbound",
        Direction::Outbound => "call.outbound",
        Direction::Internal => "call.internal",
    };
    let talk = c.connected_at_ms.map_or_else(String::new, |at| {
        duration(s.server_now_ms().saturating_sub(at))
    });
    let mut lines = vec![
        Line::from(vec![
            Span::styled(
                format!("{} ", t(lang, state_key)),
                ui.theme.style("state.on_call"),
            ),
            Span::styled(
                format!(" {} {} ", t(lang, dir), c.number),
                ui.theme.style("value"),
            ),
            Span::styled(talk, ui.theme.style("title")),
        ]),
        field(
            ui,
            t(lang, "call.mic"),
            if c.muted {
                t(lang, "call.muted")
            } else {
                t(lang, "call.live")
            },
            ui.theme.style(if c.muted { "warning" } else { "info" }),
        ),
    ];
    if let Some(ivr) = &c.ivr {
        // The caller's trip through a flow: waiting for it, then what it handed back.
        // Flows and results without a translation show as the server names them.
        let named = |key: String, raw: &str| {
            if hotline_tui::i18n::has_key(&key) {
                t(lang, &key).to_owned()
            } else {
                raw.to_owned()
            }
        };
        let flow = named(format!("ivr_flow.{}", ivr.flow), &ivr.flow);
        let (text, role) = match &ivr.result {
            None => (format!("{flow} — {}", t(lang, "ivr.waiting")), "warning"),
            Some(r) => {
                let result = named(format!("ivr_result.{r}"), r);
                (format!("{flow}: {result}"), "info")
            }
        };
        lines.push(field(ui, t(lang, "ivr.label"), text, ui.theme.style(role)));
    }
    if !c.parties.is_empty() {
        let names: Vec<String> = c
            .parties
            .iter()
            .map(|p| p.name.clone().unwrap_or_else(|| p.id.clone()))
            .collect();
        lines.push(field(
            ui,
            t(lang, "call.parties"),
            names.join(", "),
            ui.theme.style("value"),
        ));
    }
    lines
}

fn queue_lines<'a>(s: &State, ui: &Ui, width: u16) -> Vec<Line<'a>> {
    let lang = s.lang;
    let cols = [
        Column::flex(t(lang, "queue.name"), 6),
        Column::fixed(t(lang, "queue.waiting"), 4).right(),
        Column::fixed(t(lang, "queue.longest"), 7).right(),
        Column::fixed(t(lang, "queue.ready"), 5).right(),
        Column::fixed(t(lang, "queue.sl"), 6).right(),
    ];
    let rows: Vec<Vec<String>> = s
        .queues
        .iter()
        .map(|q| {
            vec![
                q.queue.clone(),
                q.waiting.len().to_string(),
                duration(s.longest_wait_ms(q)),
                q.agents_ready.to_string(),
                format!("{:.0}%", q.service_level_pct),
            ]
        })
        .collect();
    table_lines(&cols, &rows, width, ui.theme.style("label"), None)
}

/// The screen-pop: caller, warnings, tickets (open first), previous calls.
pub fn render_pop(s: &State, ui: &Ui, f: &mut Frame, area: Rect) {
    let lang = s.lang;
    let b = block(ui, t(lang, "pop.title"), false);
    let inner = b.inner(area);
    f.render_widget(b, area);
    let Some(pop) = &s.pop else {
        f.render_widget(
            Paragraph::new(Span::styled(
                t(lang, "pop.none").to_owned(),
                ui.theme.style("muted"),
            )),
            inner,
        );
        return;
    };
    let c = &pop.caller;
    let mut head = vec![
        Span::styled(
            c.name
                .clone()
                .unwrap_or_else(|| t(lang, "pop.unknown").to_owned()),
            ui.theme.style("title"),
        ),
        Span::raw(format!("  {}  ", c.number)),
    ];
    if let Some(l) = &c.location {
        head.push(Span::styled(
            format!("{}  ", l.display()),
            ui.theme.style("label"),
        ));
    }
    head.extend(marks(s, ui, pop));
    let mut lines = vec![Line::from(head)];
    if !c.tags.is_empty() {
        lines.push(field(
            ui,
            t(lang, "pop.tags"),
            c.tags.join(" · "),
            ui.theme.style("value"),
        ));
    }
    if let Some(r) = &pop.repeat_caller {
        let text = t(lang, "pop.repeat")
            .replace("{n}", &r.calls_last_days.to_string())
            .replace("{d}", &r.days.to_string());
        lines.push(Line::from(Span::styled(
            format!("⚠ {text}"),
            ui.theme.style("warning"),
        )));
    }
    if let Some(h) = &s.handover {
        let note = h.note.clone().unwrap_or_default();
        lines.push(field(
            ui,
            t(lang, "pop.handover"),
            format!("{} {note}", h.from_agent),
            ui.theme.style("warning"),
        ));
    }
    if let Some(a) = &pop.first_contact_agent {
        lines.push(field(
            ui,
            t(lang, "pop.first_contact"),
            a.clone(),
            ui.theme.style("value"),
        ));
    }
    let open = pop.open_tickets().count();
    lines.push(Line::from(Span::styled(
        t(lang, "pop.tickets")
            .replace("{n}", &pop.tickets.len().to_string())
            .replace("{open}", &open.to_string()),
        ui.theme.style("title"),
    )));
    let w = inner.width;
    let tcols = [
        Column::fixed(t(lang, "col.number"), 21),
        Column::fixed(t(lang, "col.status"), 10),
        Column::flex(t(lang, "col.subject"), 10),
        Column::fixed(t(lang, "col.department"), if w >= 100 { 16 } else { 0 }),
    ];
    let trows: Vec<Vec<String>> = pop
        .tickets
        .iter()
        .map(|tk| {
            vec![
                tk.number.clone(),
                t(lang, &format!("ticket_status.{}", tk.status)).to_owned(),
                tk.subject.clone(),
                tk.department.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let mut tl = table_lines(&tcols, &trows, w, ui.theme.style("label"), None);
    for (line, tk) in tl.iter_mut().skip(1).zip(&pop.tickets) {
        if tk.open {
            *line = line.clone().style(ui.theme.style("open_ticket"));
        }
    }
    lines.extend(tl);
    lines.push(Line::from(Span::styled(
        t(lang, "pop.calls").replace("{n}", &pop.previous_calls.len().to_string()),
        ui.theme.style("title"),
    )));
    let ccols = [
        Column::fixed(t(lang, "col.when"), 10),
        Column::flex(t(lang, "col.agent"), 10),
        Column::fixed(t(lang, "col.duration"), 7).right(),
        Column::fixed(t(lang, "col.ticket"), if w >= 70 { 21 } else { 0 }),
    ];
    let crows: Vec<Vec<String>> = pop
        .previous_calls
        .iter()
        .map(|pc| {
            vec![
                ago(lang, s.now_ms.saturating_sub(pc.at_ms)),
                pc.agent.clone().unwrap_or_default(),
                duration(pc.duration_ms),
                pc.ticket_no.clone().unwrap_or_default(),
            ]
        })
        .collect();
    lines.extend(table_lines(
        &ccols,
        &crows,
        w,
        ui.theme.style("label"),
        None,
    ));
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

pub fn render(s: &State, ui: &Ui, f: &mut Frame, area: Rect) {
    let lang = s.lang;
    let (call_area, pop_area) = if is_wide(area) {
        let [l, r] = Layout::horizontal([Constraint::Length(50), Constraint::Min(40)]).areas(area);
        (l, r)
    } else {
        let [top, rest] = Layout::vertical([Constraint::Length(5), Constraint::Min(5)]).areas(area);
        (top, rest)
    };
    let b = block(ui, t(lang, "call.title"), s.call.is_some());
    let inner = b.inner(call_area);
    f.render_widget(b, call_area);
    let mut lines = call_lines(s, ui);
    if is_wide(area) {
        lines.push(Line::raw(""));
        lines.push(Line::from(Span::styled(
            t(lang, "queue.title").to_owned(),
            ui.theme.style("title"),
        )));
        lines.extend(queue_lines(s, ui, inner.width));
        for (qname, w) in s
            .waiting()
            .iter()
            .take(inner.height.saturating_sub(10) as usize)
        {
            lines.push(Line::raw(format!(
                "{} {} {}",
                fit(qname, 6),
                fit(&w.number, 13),
                duration(w.waited_ms + s.queue_age_ms(qname))
            )));
        }
    }
    f.render_widget(Paragraph::new(lines), inner);
    render_pop(s, ui, f, pop_area);
}
