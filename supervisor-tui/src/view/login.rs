//! The log-in screen: server, user, password (masked).

use hotline_tui::t;
use hotline_tui::width::{fit, tail};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::{Ui, popup, styled};
use crate::app::state::{LoginField, State};

pub fn render(s: &State, ui: &Ui, f: &mut Frame, area: Rect) {
    let th = &ui.theme;
    let r = popup(f, area, 64, 12);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(th.style("border_focus"))
        .title(styled(
            format!(" {} ", t(s.lang, "sup.title")),
            th.style("title"),
        ));
    let inner = block.inner(r);
    f.render_widget(block, r);
    let label_w = 10;
    let field_w = (inner.width as usize).saturating_sub(label_w + 1);
    let masked = "•".repeat(s.login.password.chars().count());
    let fields = [
        (
            LoginField::Server,
            "sup.login.server",
            s.login.server.as_str(),
        ),
        (LoginField::User, "sup.login.user", s.login.user.as_str()),
        (LoginField::Password, "sup.login.password", masked.as_str()),
    ];
    let mut lines = vec![Line::from("")];
    for (field, key, value) in fields {
        let focus = s.login.focus == field;
        let style = if focus {
            th.style("input_focus")
        } else {
            th.style("input")
        };
        let shown = if focus {
            format!("{}▏", tail(value, field_w.saturating_sub(1)))
        } else {
            value.to_owned()
        };
        lines.push(Line::from(vec![
            styled(fit(t(s.lang, key), label_w), th.style("label")),
            styled(" ", th.style("label")),
            styled(fit(&shown, field_w), style),
        ]));
        lines.push(Line::from(""));
    }
    lines.push(Line::from(styled(
        format!("{} {}", t(s.lang, "sup.login.audio"), s.login.audio),
        th.style("muted"),
    )));
    if s.login.busy {
        lines.push(Line::from(styled(
            t(s.lang, "sup.login.busy"),
            th.style("info"),
        )));
    } else if let Some(e) = &s.login.error {
        lines.push(Line::from(styled(e.clone(), th.style("error"))));
    } else {
        lines.push(Line::from(styled(
            t(s.lang, "sup.login.hint"),
            th.style("muted"),
        )));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
