//! The help overlay, generated from the keymap for the contexts under it.

use hotline_tui::t;
use hotline_tui::width::fit;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::state::State;
use crate::view::Ui;
use crate::view::util::{block, centered};

pub fn render(s: &State, ui: &Ui, f: &mut Frame, area: Rect) {
    let lang = s.lang;
    let lines_data = ui.keymap.help_lines(lang, &s.contexts_under_overlay());
    let w = area.width.saturating_sub(4).min(96);
    let h = area.height.saturating_sub(2);
    let popup = centered(area, w, h);
    let b = block(ui, t(lang, "help.title"), true);
    let inner = b.inner(popup);
    hotline_tui::widgets::popup::clear(f.buffer_mut(), popup);
    f.render_widget(b, popup);
    // Two columns of bindings when there is room for them.
    let col_w = if inner.width >= 70 {
        inner.width / 2
    } else {
        inner.width
    } as usize;
    let key_w = 14.min(col_w / 3);
    let cells: Vec<Vec<Span>> = lines_data
        .iter()
        .map(|l| {
            vec![
                Span::styled(fit(&l.keys, key_w), ui.theme.style("key")),
                Span::raw(" "),
                Span::raw(fit(&l.description, col_w.saturating_sub(key_w + 2))),
            ]
        })
        .collect();
    let rows = inner.height as usize;
    let per_col = if col_w < inner.width as usize {
        rows.max(1)
    } else {
        usize::MAX
    };
    let mut lines: Vec<Line> = Vec::new();
    for (i, c) in cells.iter().enumerate() {
        if i < per_col {
            lines.push(Line::from(c.clone()));
        } else if let Some(line) = lines.get_mut(i - per_col) {
            line.spans.push(Span::raw(" "));
            line.spans.extend(c.clone());
        }
    }
    f.render_widget(Paragraph::new(lines), inner);
}
