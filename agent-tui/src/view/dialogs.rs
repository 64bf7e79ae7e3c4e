//! Small dialogs: not-ready reason, transfer / conference, dial, DTMF.

use hotline_tui::width::fit;
use hotline_tui::{Lang, t};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::caller_edit::{CATEGORIES, CallerDialog, CallerField};
use crate::app::state::{Overlay, REASONS, State, TARGET_KINDS, TRANSFER_MODES};
use crate::view::Ui;
use crate::view::util::{CARET, around_caret, block, centered};

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
            let text = |i: usize, t: &str| {
                if d.focus == i {
                    around_caret(&d.caret.show(t, CARET), val_w)
                } else {
                    t.to_owned()
                }
            };
            let mut lines = vec![
                row(
                    0,
                    t(lang, "transfer.kind"),
                    format!(
                        "◀ {} ▶",
                        t(lang, &format!("target.{}", TARGET_KINDS[d.kind]))
                    ),
                ),
                row(1, t(lang, "transfer.target"), text(1, &d.target)),
                row(
                    2,
                    t(lang, "transfer.mode"),
                    format!(
                        "◀ {} ▶",
                        t(lang, &format!("mode.{}", TRANSFER_MODES[d.mode]))
                    ),
                ),
                row(3, t(lang, "transfer.note"), text(3, &d.note)),
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
        Overlay::EditCaller(d) => render_caller(s, d, ui, f, area),
        Overlay::None | Overlay::Help => {}
    }
}

fn render_caller(s: &State, d: &CallerDialog, ui: &Ui, f: &mut Frame, area: Rect) {
    let lang = s.lang;
    let inner = frame_dialog(ui, f, area, t(lang, "caller_edit.title"), 64, 11);
    let label_w = 10;
    let val_w = (inner.width as usize).saturating_sub(label_w + 1);
    let mut lines: Vec<Line> = CallerField::ALL
        .iter()
        .map(|&field| {
            let focus = d.focus == field;
            let value = match d.text(field) {
                Some(text) if focus => around_caret(&d.caret.show(text, CARET), val_w),
                Some(text) => text.to_owned(),
                None => format!(
                    "◀ {} ▶",
                    t(lang, &format!("caller_cat.{}", CATEGORIES[d.category]))
                ),
            };
            Line::from(vec![
                Span::styled(
                    fit(t(lang, field.label_key()), label_w),
                    ui.theme.style(if focus { "key" } else { "label" }),
                ),
                Span::raw(" "),
                Span::styled(
                    fit(&value, val_w),
                    ui.theme.style(if focus { "input_focus" } else { "input" }),
                ),
            ])
        })
        .collect();
    lines.push(Line::raw(""));
    let (key, style) = match (&d.error, d.pending) {
        (_, true) => (t(lang, "caller_edit.saving").to_owned(), "info"),
        (Some(e), false) => (format!("✗ {e}"), "error"),
        (None, false) => (t(lang, "caller_edit.hint").to_owned(), "muted"),
    };
    lines.push(Line::from(Span::styled(key, ui.theme.style(style))));
    f.render_widget(Paragraph::new(lines), inner);
}
