//! The log-in screen: server, user, password (masked), audio backend and devices with level
//! meters and a test tone.

use hotline_tui::t;
use hotline_tui::widgets::level_bar;
use hotline_tui::width::fit;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::state::{LoginField, State};
use crate::view::Ui;
use crate::view::util::{CARET, around_caret, block, centered};

pub fn render(s: &State, ui: &Ui, f: &mut Frame, area: Rect) {
    let lang = s.lang;
    let l = &s.login;
    let w = area.width.saturating_sub(4).min(70);
    let devices = if l.has_devices() { 2 } else { 0 };
    let h = (14 + devices).min(area.height);
    let popup = centered(area, w, h);
    let b = block(ui, t(lang, "login.title"), true);
    let inner = b.inner(popup);
    f.render_widget(b, popup);
    let label_w = 12;
    let val_w = (inner.width as usize).saturating_sub(label_w + 1);
    let row = |field: LoginField, label: &str, value: String| {
        let focus = l.focus == field;
        let v = if focus {
            l.caret.show(&value, CARET)
        } else {
            value
        };
        Line::from(vec![
            Span::styled(
                fit(label, label_w),
                ui.theme.style(if focus { "key" } else { "label" }),
            ),
            Span::raw(" "),
            Span::styled(
                fit(&around_caret(&v, val_w), val_w),
                ui.theme.style(if focus { "input_focus" } else { "input" }),
            ),
        ])
    };
    let masked: String = "•".repeat(l.password.chars().count());
    let mut lines = vec![
        Line::from(Span::styled(
            t(lang, "login.subtitle").to_owned(),
            ui.theme.style("muted"),
        )),
        Line::raw(""),
        row(
            LoginField::Server,
            t(lang, "login.server"),
            l.server.clone(),
        ),
        row(LoginField::User, t(lang, "login.user"), l.user.clone()),
        row(LoginField::Password, t(lang, "login.password"), masked),
        Line::raw(""),
        Line::from(vec![
            Span::styled(
                fit(t(lang, "login.audio"), label_w),
                ui.theme.style("label"),
            ),
            Span::raw(" "),
            Span::styled(l.audio.clone(), ui.theme.style("value")),
        ]),
    ];
    if l.has_devices() {
        let default = t(lang, "login.default_device");
        let choice = |field: LoginField, label: &str, chosen: Option<&String>| {
            let focus = l.focus == field;
            let name = chosen.map_or(default, String::as_str);
            Line::from(vec![
                Span::styled(
                    fit(label, label_w),
                    ui.theme.style(if focus { "key" } else { "label" }),
                ),
                Span::raw(" "),
                Span::styled(
                    fit(&format!("◀ {name} ▶"), val_w),
                    ui.theme.style(if focus { "input_focus" } else { "input" }),
                ),
            ])
        };
        lines.push(choice(
            LoginField::Input,
            t(lang, "login.input"),
            l.input.as_ref(),
        ));
        lines.push(choice(
            LoginField::Output,
            t(lang, "login.output"),
            l.output.as_ref(),
        ));
    }
    let meter_w = val_w.saturating_sub(6).min(30);
    lines.push(Line::from(vec![
        Span::styled(fit(t(lang, "login.mic"), label_w), ui.theme.style("label")),
        Span::raw(" "),
        Span::styled(level_bar(s.levels.0, meter_w), ui.theme.style("meter")),
    ]));
    lines.push(Line::from(vec![
        Span::styled(
            fit(t(lang, "login.speaker"), label_w),
            ui.theme.style("label"),
        ),
        Span::raw(" "),
        Span::styled(level_bar(s.levels.1, meter_w), ui.theme.style("meter")),
    ]));
    lines.push(Line::raw(""));
    let status = if l.pending {
        Span::styled(
            t(lang, "login.connecting").to_owned(),
            ui.theme.style("info"),
        )
    } else if let Some(e) = &l.error {
        Span::styled(format!("✗ {e}"), ui.theme.style("error"))
    } else {
        let ctx = s.contexts();
        Span::styled(
            t(lang, "login.hint")
                .replace("{tone}", &ui.keymap.keys_for(&ctx, "test_tone"))
                .replace("{quit}", &ui.keymap.keys_for(&ctx, "quit")),
            ui.theme.style("muted"),
        )
    };
    lines.push(Line::from(status));
    f.render_widget(Paragraph::new(lines), inner);
}
