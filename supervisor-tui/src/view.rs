//! Rendering: `render(&State, &Ui, &mut Frame)` draws the whole screen from the state. It never
//! mutates, waits or reads a clock. Every text cell goes through the CJK-aware width helpers.

mod dialog;
mod fmt;
mod help;
mod login;
mod reports;
mod tickets;
mod wallboard;

use hotline_tui::widgets::{Segment, status_line};
use hotline_tui::{Keymap, Theme, t};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::app::state::{Conn, Screen, State, Tab};

/// What rendering needs besides the state: the theme and the keymap (for hints and help).
pub struct Ui {
    pub theme: Theme,
    pub keymap: Keymap,
}

impl Ui {
    pub fn load(theme: &str) -> Result<Ui, hotline_tui::TuiError> {
        Ok(Ui {
            theme: Theme::load(theme)?,
            keymap: crate::keys::load()?,
        })
    }

    /// The built-in theme and keymap, without user files (tests).
    pub fn builtin() -> Result<Ui, hotline_tui::TuiError> {
        Ok(Ui {
            theme: Theme::builtin("default")?,
            keymap: Keymap::parse(
                crate::keys::EMBEDDED,
                "supervisor.toml",
                &crate::keys::ACTIONS,
            )?,
        })
    }
}

/// Draws the screen.
pub fn render(s: &State, ui: &Ui, f: &mut Frame) {
    let area = f.area();
    if s.screen == Screen::Login {
        login::render(s, ui, f, area);
        return;
    }
    let [top, body, bottom] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    title_bar(s, ui, f, top);
    match s.tab {
        Tab::Wallboard => wallboard::render(s, ui, f, body),
        Tab::Tickets => tickets::render(s, ui, f, body),
        Tab::Reports => reports::render(s, ui, f, body),
    }
    status_bar(s, ui, f, bottom);
    if let Some(d) = &s.dialog {
        dialog::render(s, d, ui, f, body);
    }
    if s.help {
        help::render(s, ui, f, body);
    }
}

fn title_bar(s: &State, ui: &Ui, f: &mut Frame, area: Rect) {
    let th = &ui.theme;
    let mut segs = vec![Segment::new(t(s.lang, "sup.title"), th.style("title"))];
    for (i, tab) in Tab::ALL.iter().enumerate() {
        let text = format!("{} {}", i + 1, t(s.lang, tab.key()));
        let style = if *tab == s.tab {
            th.style("selected")
        } else {
            th.style("status_bar")
        };
        segs.push(Segment::new(text, style));
    }
    let (conn, style) = match s.conn {
        Conn::Online => (t(s.lang, "sup.conn.online").to_owned(), "conn.ok"),
        Conn::Connecting => (t(s.lang, "sup.conn.connecting").to_owned(), "conn.bad"),
        Conn::Offline => (t(s.lang, "sup.conn.offline").to_owned(), "conn.bad"),
        Conn::Reconnecting(n) => (
            format!("{} {n}", t(s.lang, "sup.conn.reconnecting")),
            "conn.bad",
        ),
    };
    segs.push(Segment::new(format!("● {conn}"), th.style(style)));
    segs.push(Segment::new(fmt::clock(s.now_ms, &s.tz), th.style("value")));
    if let Some(me) = &s.me {
        let role = s.role.map_or("", |r| r.as_str());
        let role = t(s.lang, &format!("sup.role.{role}")).to_owned();
        segs.push(Segment::new(
            format!("{} {}", me.name, role),
            th.style("label"),
        ));
    }
    let line = status_line(&segs, area.width as usize, th.style("status_bar"));
    f.render_widget(Paragraph::new(line).style(th.style("status_bar")), area);
}

fn status_bar(s: &State, ui: &Ui, f: &mut Frame, area: Rect) {
    let th = &ui.theme;
    let segs = if let Some(st) = &s.status {
        let style = if st.error { "error" } else { "info" };
        vec![Segment::new(st.text.clone(), th.style(style))]
    } else {
        hints(s, ui)
    };
    let line = status_line(&segs, area.width as usize, th.style("status_bar"));
    f.render_widget(Paragraph::new(line).style(th.style("status_bar")), area);
}

/// `key action` pairs of the screen's own context, then help.
fn hints(s: &State, ui: &Ui) -> Vec<Segment> {
    let th = &ui.theme;
    let ctx = crate::keys::contexts(s);
    let own = ctx.first().copied().unwrap_or("global");
    let mut out: Vec<Segment> = crate::keys::bound(&ui.keymap, own)
        .into_iter()
        .filter(|(a, _)| *a != "help")
        .map(|(action, keys)| {
            // Only the first key of each action: the bar is short.
            let key = keys.split(", ").next().unwrap_or("").to_owned();
            let hint = format!("sup.hint.{action}");
            Segment::new(format!("{key} {}", t(s.lang, &hint)), th.style("label"))
        })
        .collect();
    out.insert(
        0,
        Segment::new(
            format!("F1 {}", t(s.lang, "sup.hint.help")),
            th.style("key"),
        ),
    );
    out
}

/// A section: a top rule with a title.
fn section<'a>(title: impl Into<Line<'a>>, ui: &Ui) -> Block<'a> {
    Block::default()
        .borders(Borders::TOP)
        .border_style(ui.theme.style("border"))
        .title(title)
        .title_style(ui.theme.style("title"))
}

/// A centred box of at most `w` × `h` inside `area`, cleared.
fn popup(f: &mut Frame, area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    let r = Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    };
    f.render_widget(Clear, r);
    r
}

fn styled(text: impl Into<String>, style: ratatui::style::Style) -> Span<'static> {
    Span::styled(text.into(), style)
}

#[cfg(test)]
mod tests;
