//! Dialogs: every seat action and ticket step is confirmed here; the reason picker, the
//! instruction, the period and the export path are entered here.

use hotline_tui::t;
use hotline_tui::width::{fit, tail, wrap};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph};

use super::{Ui, popup, styled};
use crate::app::state::{Dialog, Pending, State};
use crate::app::update::{FORCE_REASONS, mode_label};

pub fn render(s: &State, dialog: &Dialog, ui: &Ui, f: &mut Frame, area: Rect) {
    let th = &ui.theme;
    let width = 56u16.min(area.width.saturating_sub(2));
    let inner_w = width.saturating_sub(2) as usize;
    let tr = |key: &str| t(s.lang, key).to_owned();
    let input = |label: &str, value: &str, focus: bool| {
        let label_w = 8;
        let w = inner_w.saturating_sub(label_w + 1);
        let shown = if focus {
            format!("{}▏", tail(value, w.saturating_sub(1)))
        } else {
            value.to_owned()
        };
        let style = if focus {
            th.style("input_focus")
        } else {
            th.style("input")
        };
        Line::from(vec![
            styled(fit(label, label_w), th.style("label")),
            styled(" ", th.style("label")),
            styled(fit(&shown, w), style),
        ])
    };
    let (title, mut lines): (String, Vec<Line>) = match dialog {
        Dialog::Confirm(p) => {
            let text = confirm_text(s, p);
            let mut v: Vec<Line> = wrap(&text, inner_w)
                .into_iter()
                .map(|x| Line::from(styled(x, th.style("value"))))
                .collect();
            v.push(Line::from(""));
            v.push(Line::from(styled(
                tr("sup.dialog.confirm_hint"),
                th.style("muted"),
            )));
            (tr("sup.dialog.confirm"), v)
        }
        Dialog::Reason { agent, selected } => {
            let mut v = vec![Line::from(styled(
                format!("{} {agent}", tr("sup.dialog.reason_for")),
                th.style("value"),
            ))];
            for (i, r) in FORCE_REASONS.iter().enumerate() {
                let label = if s.lang == hotline_tui::Lang::Zh {
                    r.label_zh()
                } else {
                    r.label_en()
                };
                let style = if i == *selected {
                    th.style("selected")
                } else {
                    th.style("value")
                };
                v.push(Line::from(styled(
                    fit(&format!(" {label}"), inner_w),
                    style,
                )));
            }
            (tr("sup.dialog.reason"), v)
        }
        Dialog::Instruction { number, text, .. } => (
            tr("sup.dialog.supervise"),
            vec![
                Line::from(styled(number.clone(), th.style("value"))),
                input(&tr("sup.dialog.instruction"), text, true),
                Line::from(""),
                Line::from(styled(tr("sup.dialog.enter_hint"), th.style("muted"))),
            ],
        ),
        Dialog::Period {
            from,
            to,
            focus,
            error,
        } => {
            let mut v = vec![
                input(&tr("sup.dialog.from"), from, *focus == 0),
                input(&tr("sup.dialog.to"), to, *focus == 1),
                Line::from(""),
            ];
            if *error {
                v.push(Line::from(styled(
                    tr("sup.dialog.bad_period"),
                    th.style("error"),
                )));
            } else {
                v.push(Line::from(styled(
                    tr("sup.dialog.period_hint"),
                    th.style("muted"),
                )));
            }
            (tr("sup.dialog.period"), v)
        }
        Dialog::Export { path } => (
            tr("sup.dialog.export"),
            vec![
                input(&tr("sup.dialog.file"), path, true),
                Line::from(""),
                Line::from(styled(tr("sup.dialog.enter_hint"), th.style("muted"))),
            ],
        ),
    };
    lines.insert(0, Line::from(""));
    let r = popup(f, area, width, lines.len() as u16 + 2);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(th.style("border_focus"))
        .title(styled(format!(" {title} "), th.style("title")));
    let inner = block.inner(r);
    f.render_widget(block, r);
    f.render_widget(Paragraph::new(lines), inner);
}

fn confirm_text(s: &State, p: &Pending) -> String {
    let l = |k: &'static str| t(s.lang, k);
    match p {
        Pending::Monitor { agent, mode } => {
            format!("{} {agent}?", l(mode_label(*mode)))
        }
        Pending::StopMonitor => l("sup.dialog.stop_monitor").to_owned(),
        Pending::ForceNotReady { agent, reason } => {
            format!(
                "{} {agent} ({})?",
                l("sup.dialog.force_not_ready"),
                reason.label
            )
        }
        Pending::ForceLogout { agent } => format!("{} {agent}?", l("sup.dialog.force_logout")),
        Pending::CallAgent { agent } => format!("{} {agent}?", l("sup.dialog.call_agent")),
        Pending::ForceRelease { agent, call } => {
            format!("{} {agent} ({call})?", l("sup.dialog.force_release"))
        }
        Pending::ApproveExtension { number, days, .. } => format!(
            "{} {number}: {days} {}?",
            l("sup.dialog.approve_extension"),
            l("sup.tickets.days")
        ),
    }
}
