//! Small dialogs: not-ready reason, transfer / conference, dial, DTMF.

use hotline_tui::width::fit;
use hotline_tui::{Lang, t};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::state::{Overlay, REASONS, State, TARGET_KINDS, TRANSFER_MODES};
use crate::view::Ui;
use crate::view::util::{block, centered};

fn frame_dialog(ui: &Ui, f: &mut Frame, area: Rect, title: &str, w: u16, h: u16) -> Rect {
    let popup = centered(area, w, h);
    let b = block(ui, title, true);
    let inner = b.inner(popup);
    hotline_tui::widgets::popup::clear(f.buffer_mut(), popup);
    f.render_widget(b, popup);
    inner
}

pub fn render(s: &State, overlay: &Overlay, ui: &Ui, f: &mut Frame, area: Rect) {
    let lang = s.lang;
    match overlay {
        Overlay::Reasons { sel } => {
            let inner = frame_dialog(
                ui,
                f,
                area,
                t(lang, "reason.title"),
                36,
                REASONS.len() as u16 + 2,
            );
            let lines: Vec<Line> = REASONS
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let label = match lang {
                        Lang::Zh => r.label_zh(),
                        Lang::En => r.label_en(),
                    };
                    let line = Line::raw(fit(&format!(" {label}"), inner.width as usize));
                    if i == *sel {
                        line.style(ui.theme.style("selected"))
                    } else {
                        line
                    }
                })
                .collect();
            f.render_widget(Paragraph::new(lines), inner);
        }
        Overlay::Transfer(d) => {
            let inner = frame_dialog(ui, f, area, t(lang, "transfer.title"), 60, 9);
            let label_w = 10;
            let val_w = (inner.width as usize).saturating_sub(label_w + 1);
            let row = |i: usize, label: &str, value: String| {
                let style = ui
                    .theme
                    .style(if d.focus == i { "input_focus" } else { "input" });
                Line::from(vec![
                    Span::styled(fit(label, label_w), ui.theme.style("label")),
                    Span::raw(" "),
                    Span::styled(fit(&value, val_w), style),
                ])
            };
            let cursor = |i: usize| if d.focus == i { "▏" } else { "" };
            let mut lines = vec![
                row(
                    0,
                    t(lang, "transfer.kind"),
                    format!(
                        "◀ {} ▶",
                        t(lang, &format!("target.{}", TARGET_KINDS[d.kind]))
                    ),
                ),
                row(
                    1,
                    t(lang, "transfer.target"),
                    format!("{}{}", d.target, cursor(1)),
                ),
                row(
                    2,
                    t(lang, "transfer.mode"),
                    format!(
                        "◀ {} ▶",
                        t(lang, &format!("mode.{}", TRANSFER_MODES[d.mode]))
                    ),
                ),
                row(
                    3,
                    t(lang, "transfer.note"),
                    format!("{}{}", d.note, cursor(3)),
                ),
                Line::raw(""),
            ];
            match d.error {
                Some(e) => lines.push(Line::from(Span::styled(
                    format!("✗ {}", t(lang, e)),
                    ui.theme.style("error"),
                ))),
                None => lines.push(Line::from(Span::styled(
                    t(lang, "transfer.hint").to_owned(),
                    ui.theme.style("muted"),
                ))),
            }
            f.render_widget(Paragraph::new(lines), inner);
        }
        Overlay::Dial { number } | Overlay::Dtmf { digits: number } => {
            let key = if matches!(overlay, Overlay::Dial { .. }) {
                "dial.title"
            } else {
                "dtmf.title"
            };
            let inner = frame_dialog(ui, f, area, t(lang, key), 40, 4);
            let lines = vec![
                Line::from(Span::styled(
                    fit(&format!("{number}▏"), inner.width as usize),
                    ui.theme.style("input_focus"),
                )),
                Line::from(Span::styled(
                    t(lang, "dial.hint").to_owned(),
                    ui.theme.style("muted"),
                )),
            ];
            f.render_widget(Paragraph::new(lines), inner);
        }
        Overlay::None | Overlay::Help => {}
    }
}
