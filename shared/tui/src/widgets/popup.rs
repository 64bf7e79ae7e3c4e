//! Clearing the area under a popup. A wide (CJK) character just left of the popup would
//! otherwise still cover the popup's left border on a real terminal: the terminal draws both
//! of its columns, and ratatui's diff skips the covered cell.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::{Clear, Widget};

use crate::width::width;

/// Clears `area` and blanks any wide character that straddles its left edge.
pub fn clear(buf: &mut Buffer, area: Rect) {
    let area = area.intersection(buf.area);
    if area.x > buf.area.x {
        for y in area.top()..area.bottom() {
            let cell = &mut buf[(area.x - 1, y)];
            if width(cell.symbol()) > 1 {
                cell.set_symbol(" ");
            }
        }
    }
    Clear.render(area, buf);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blanks_a_straddling_wide_char() {
        let mut buf = Buffer::with_lines(["通话中"]);
        clear(&mut buf, Rect::new(1, 0, 3, 1));
        assert_eq!(buf[(0, 0)].symbol(), " ");
        assert_eq!(buf[(4, 0)].symbol(), "中");
    }
}
