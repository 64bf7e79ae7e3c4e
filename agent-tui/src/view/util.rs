//! Formatting and layout helpers for the views.

use hotline_tui::width::{tail, truncate, width};
use hotline_tui::{Lang, t};
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders};

use crate::view::Ui;

/// `m:ss`, or `h:mm:ss` from an hour.
pub fn duration(ms: u64) -> String {
    let secs = ms / 1000;
    if secs >= 3600 {
        format!("{}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
    } else {
        format!("{}:{:02}", secs / 60, secs % 60)
    }
}

/// "3 min ago" / "3分钟前": how long ago, without needing a time zone.
pub fn ago(lang: Lang, ms: u64) -> String {
    let mins = ms / 60_000;
    let (n, key) = if mins < 60 {
        (mins, "time.min_ago")
    } else if mins < 24 * 60 {
        (mins / 60, "time.hours_ago")
    } else {
        (mins / (24 * 60), "time.days_ago")
    };
    t(lang, key).replace("{n}", &n.to_string())
}

/// A bordered block with a title, its border highlighted when `focus`.
pub fn block<'a>(ui: &Ui, title: &str, focus: bool) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(
            ui.theme
                .style(if focus { "border_focus" } else { "border" }),
        )
        .title(Span::styled(format!(" {title} "), ui.theme.style("title")))
}

/// A `w`×`h` rectangle centred in `area` (clamped to it).
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(h.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [cell] = Layout::horizontal([Constraint::Length(w.min(area.width))])
        .flex(Flex::Center)
        .areas(row);
    cell
}

/// `label: value` on one line.
pub fn field<'a>(ui: &Ui, label: &str, value: impl Into<String>, style: Style) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{label} "), ui.theme.style("label")),
        Span::styled(value.into(), style),
    ])
}

/// The caret drawn in text fields.
pub const CARET: char = '▏';

/// At most `cols` columns of `text` (which holds [`CARET`]) with the caret in view: from the
/// start while the caret fits, else scrolled so the caret is at the right edge. Columns, not
/// characters, so a line of Chinese scrolls by the room it really takes.
pub fn around_caret(text: &str, cols: usize) -> String {
    if width(text) <= cols {
        return text.to_owned();
    }
    let upto = text
        .find(CARET)
        .map_or(text.len(), |b| b + CARET.len_utf8());
    if width(&text[..upto]) < cols {
        truncate(text, cols)
    } else {
        tail(&text[..upto], cols)
    }
}

/// Whether the area is wide enough for side-by-side panes.
pub fn is_wide(area: Rect) -> bool {
    area.width >= 120
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_ago() {
        assert_eq!(duration(125_000), "2:05");
        assert_eq!(duration(3_725_000), "1:02:05");
        assert_eq!(ago(Lang::En, 86_400_000), "1 d ago");
        assert_eq!(ago(Lang::Zh, 5 * 60_000), "5分钟前");
    }

    #[test]
    fn the_caret_stays_in_view_counting_wide_characters() {
        assert_eq!(around_caret("路灯▏", 10), "路灯▏");
        // Caret near the start of a long field: the start shows, cut at the end.
        assert_eq!(around_caret("路▏灯不亮了", 8), "路▏灯不…");
        // Caret at the end: the end shows, the caret in the last column.
        assert_eq!(around_caret("路灯不亮了▏", 8), "不亮了▏");
        // In the middle: scrolled so the caret is the last thing shown.
        assert_eq!(around_caret("路灯不亮▏了很久", 6), "不亮▏");
    }
}
