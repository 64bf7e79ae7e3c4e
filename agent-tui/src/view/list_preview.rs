//! The layout the list panels share (inbox, consultations, search): a framed panel with a head
//! line (tabs or a query) over a table whose highlighted row stays in view, and a preview pane
//! beside the table on a wide screen or under it on a narrow one.

use hotline_tui::widgets::{Column, table_lines};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::view::Ui;
use crate::view::util::{block, is_wide};

/// A list panel, built by the view from the state and drawn by [`ListPreview::render`].
pub struct ListPreview<'a> {
    /// The panel's title.
    pub title: &'a str,
    /// The line above the table: tabs, a filter or the query, and a count.
    pub head: Line<'a>,
    /// Table and preview side by side, when the panel [`is_wide`].
    pub wide: [Constraint; 2],
    /// Table over preview, when it is not.
    pub narrow: [Constraint; 2],
    pub cols: &'a [Column<'a>],
    pub rows: &'a [Vec<String>],
    /// The highlighted row.
    pub sel: usize,
    /// Shown, muted, in place of the table when there are no rows.
    pub empty: &'a str,
    pub preview_title: &'a str,
    /// Whether the preview pane has the keyboard (its border highlighted).
    pub preview_focus: bool,
    pub preview: Vec<Line<'a>>,
}

impl ListPreview<'_> {
    pub fn render(self, ui: &Ui, f: &mut Frame, area: Rect) {
        let b = block(ui, self.title, true);
        let inner = b.inner(area);
        f.render_widget(b, area);
        let [head, body] =
            Layout::vertical([Constraint::Length(2), Constraint::Min(2)]).areas(inner);
        f.render_widget(Paragraph::new(self.head), head);
        let [list_area, preview_area] = if is_wide(area) {
            Layout::horizontal(self.wide).areas(body)
        } else {
            Layout::vertical(self.narrow).areas(body)
        };
        if self.rows.is_empty() {
            f.render_widget(
                Paragraph::new(Span::styled(self.empty.to_owned(), ui.theme.style("muted"))),
                list_area,
            );
        } else {
            let lines = table_lines(
                self.cols,
                self.rows,
                list_area.width,
                ui.theme.style("label"),
                Some((self.sel, ui.theme.style("selected"))),
            );
            // Keep the highlighted row in view under the header.
            let skip = (self.sel + 2).saturating_sub(list_area.height as usize);
            let mut lines = lines.into_iter();
            let header = lines.next();
            let shown: Vec<Line> = header.into_iter().chain(lines.skip(skip)).collect();
            f.render_widget(Paragraph::new(shown), list_area);
        }
        let pb = block(ui, self.preview_title, self.preview_focus);
        let pi = pb.inner(preview_area);
        f.render_widget(pb, preview_area);
        f.render_widget(Paragraph::new(self.preview).wrap(Wrap { trim: false }), pi);
    }
}

/// A tab strip: each label padded by a space, the chosen one highlighted.
pub fn tabs<'a>(
    ui: &Ui,
    labels: impl IntoIterator<Item = impl std::fmt::Display>,
    sel: usize,
) -> Vec<Span<'a>> {
    labels
        .into_iter()
        .enumerate()
        .map(|(i, label)| {
            let style = ui.theme.style(if i == sel { "selected" } else { "muted" });
            Span::styled(format!(" {label} "), style)
        })
        .collect()
}
