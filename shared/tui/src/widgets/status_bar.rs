//! A status bar made of styled segments, separated by a space, cut to the width it gets.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::width::{truncate, width};

/// One piece of the status bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub text: String,
    pub style: Style,
}

impl Segment {
    pub fn new(text: impl Into<String>, style: Style) -> Segment {
        Segment {
            text: text.into(),
            style,
        }
    }
}

/// Segments joined by single spaces, dropping what does not fit in `cols` (the last segment
/// that partly fits is cut with an ellipsis).
pub fn status_line(segments: &[Segment], cols: usize, base: Style) -> Line<'static> {
    let mut spans = Vec::new();
    let mut used = 0;
    for (i, seg) in segments.iter().enumerate() {
        let sep = usize::from(i > 0);
        if used + sep >= cols {
            break;
        }
        if sep == 1 {
            spans.push(Span::styled(" ", base));
            used += 1;
        }
        let room = cols - used;
        let text = truncate(&seg.text, room);
        used += width(&text);
        spans.push(Span::styled(text, seg.style));
    }
    Line::from(spans).style(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_to_width() {
        let segs = [
            Segment::new("就绪 00:12", Style::default()),
            Segment::new("queue 3", Style::default()),
        ];
        let line = status_line(&segs, 12, Style::default());
        assert_eq!(line.width(), 12);
        let line = status_line(&segs, 80, Style::default());
        assert_eq!(line.to_string(), "就绪 00:12 queue 3");
    }
}
