//! A plain-text table whose columns line up with Chinese text: every cell is cut and padded to
//! its column's display width (ratatui's `Table` would do for ASCII; this keeps the rules in
//! one place and makes rows usable in lists and snapshots alike).

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::width::{fit, fit_right};

/// A column: its header and width; `flex` columns share what is left over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column<'a> {
    pub header: &'a str,
    pub width: u16,
    pub flex: bool,
    pub right: bool,
}

impl<'a> Column<'a> {
    pub fn fixed(header: &'a str, width: u16) -> Column<'a> {
        Column {
            header,
            width,
            flex: false,
            right: false,
        }
    }

    pub fn flex(header: &'a str, min: u16) -> Column<'a> {
        Column {
            header,
            width: min,
            flex: true,
            right: false,
        }
    }

    #[must_use]
    pub fn right(mut self) -> Column<'a> {
        self.right = true;
        self
    }
}

fn widths(cols: &[Column<'_>], total: u16) -> Vec<usize> {
    let gaps = cols.len().saturating_sub(1) as u16;
    let fixed: u16 = cols.iter().map(|c| c.width).sum::<u16>() + gaps;
    let flex_n = cols.iter().filter(|c| c.flex).count() as u16;
    let spare = total.saturating_sub(fixed);
    cols.iter()
        .map(|c| {
            if c.flex && flex_n > 0 {
                (c.width + spare / flex_n) as usize
            } else {
                c.width as usize
            }
        })
        .collect()
}

/// The header line and one line per row, `selected` highlighted. Columns of width 0 that do
/// not flex are left out (with their cells), so callers can drop columns on narrow screens.
pub fn table_lines(
    cols: &[Column<'_>],
    rows: &[Vec<String>],
    total: u16,
    header_style: Style,
    selected: Option<(usize, Style)>,
) -> Vec<Line<'static>> {
    let shown: Vec<usize> = (0..cols.len())
        .filter(|i| cols[*i].flex || cols[*i].width > 0)
        .collect();
    let visible: Vec<Column<'_>> = shown.iter().map(|i| cols[*i]).collect();
    let w = widths(&visible, total);
    let render = |cells: Vec<String>| -> String {
        let parts: Vec<String> = shown
            .iter()
            .map(|i| cells.get(*i).cloned().unwrap_or_default())
            .zip(visible.iter().zip(&w))
            .map(|(cell, (c, w))| {
                if c.right {
                    fit_right(&cell, *w)
                } else {
                    fit(&cell, *w)
                }
            })
            .collect();
        parts.join(" ")
    };
    let mut out = vec![Line::from(Span::styled(
        render(cols.iter().map(|c| c.header.to_owned()).collect()),
        header_style,
    ))];
    for (i, row) in rows.iter().enumerate() {
        let text = render(row.clone());
        out.push(match selected {
            Some((s, style)) if s == i => Line::from(Span::styled(text, style)),
            _ => Line::from(text),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::width::width;

    #[test]
    fn columns_align_with_cjk() {
        let cols = [Column::fixed("号码", 11), Column::flex("姓名", 4)];
        let rows = vec![
            vec!["13800138000".into(), "张三丰大侠".into()],
            vec!["110".into(), "Bob".into()],
        ];
        let lines = table_lines(&cols, &rows, 20, Style::default(), None);
        for l in &lines {
            assert_eq!(width(&l.to_string()), 20, "{l}");
        }
    }
}
