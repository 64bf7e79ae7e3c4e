//! Editing inside a text field: where the caret is and how keys move it. Positions count
//! characters, never bytes, so Chinese text cannot be cut inside a character; moving up and
//! down keeps the display column, so the caret lands under the same spot even when the lines
//! mix two-column Chinese and one-column Latin characters.

use hotline_tui::width::width;

/// The caret in one text field, as a character index. `None` follows the end of the text, so
/// text put there from elsewhere (a reference answer, a fresh draft) leaves the caret after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Caret(Option<usize>);

fn byte_at(text: &str, chars: usize) -> usize {
    text.char_indices()
        .nth(chars)
        .map_or(text.len(), |(b, _)| b)
}

/// Character index of the start of the line holding character `at`.
fn line_start(text: &str, at: usize) -> usize {
    let before = &text[..byte_at(text, at)];
    before
        .rfind('\n')
        .map_or(0, |b| before[..=b].chars().count())
}

/// Character index of the end of the line holding character `at` (before its line break).
fn line_end(text: &str, at: usize) -> usize {
    let from = byte_at(text, at);
    at + text[from..]
        .find('\n')
        .map_or(text[from..].chars().count(), |b| {
            text[from..from + b].chars().count()
        })
}

/// The character index on the line starting at `start` that is closest to display column `col`
/// without passing it.
fn at_column(text: &str, start: usize, col: usize) -> usize {
    let line = &text[byte_at(text, start)..];
    let mut used = 0;
    let mut i = start;
    for c in line.chars().take_while(|c| *c != '\n') {
        let w = width(c.encode_utf8(&mut [0; 4]));
        if used + w > col {
            break;
        }
        used += w;
        i += 1;
    }
    i
}

impl Caret {
    /// After the last character.
    pub const END: Caret = Caret(None);

    /// The character index in `text` (clamped: the text may have changed underneath).
    pub fn at(self, text: &str) -> usize {
        let n = text.chars().count();
        self.0.map_or(n, |i| i.min(n))
    }

    fn set(&mut self, text: &str, i: usize) {
        self.0 = (i < text.chars().count()).then_some(i);
    }

    pub fn insert(&mut self, text: &mut String, c: char) {
        let at = self.at(text);
        text.insert(byte_at(text, at), c);
        self.set(text, at + 1);
    }

    /// Deletes the character before the caret.
    pub fn backspace(&mut self, text: &mut String) {
        let at = self.at(text);
        if at > 0 {
            text.remove(byte_at(text, at - 1));
            self.set(text, at - 1);
        }
    }

    /// Deletes the character under the caret.
    pub fn delete(&mut self, text: &mut String) {
        let at = self.at(text);
        if at < text.chars().count() {
            text.remove(byte_at(text, at));
            self.set(text, at);
        }
    }

    pub fn left(&mut self, text: &str) {
        let at = self.at(text);
        self.set(text, at.saturating_sub(1));
    }

    pub fn right(&mut self, text: &str) {
        let at = self.at(text);
        self.set(text, at + 1);
    }

    /// To the start of the caret's line.
    pub fn home(&mut self, text: &str) {
        let at = self.at(text);
        self.set(text, line_start(text, at));
    }

    /// To the end of the caret's line.
    pub fn end(&mut self, text: &str) {
        let at = self.at(text);
        self.set(text, line_end(text, at));
    }

    /// Display column of the caret within its line.
    fn column(self, text: &str) -> usize {
        let at = self.at(text);
        let start = byte_at(text, line_start(text, at));
        width(&text[start..byte_at(text, at)])
    }

    /// One line up at the same display column; `false` on the first line.
    pub fn up(&mut self, text: &str) -> bool {
        let at = self.at(text);
        let start = line_start(text, at);
        if start == 0 {
            return false;
        }
        let col = self.column(text);
        let above = line_start(text, start - 1);
        self.set(text, at_column(text, above, col));
        true
    }

    /// One line down at the same display column; `false` on the last line.
    pub fn down(&mut self, text: &str) -> bool {
        let at = self.at(text);
        let end = line_end(text, at);
        if end >= text.chars().count() {
            return false;
        }
        let col = self.column(text);
        self.set(text, at_column(text, end + 1, col));
        true
    }

    /// `text` with `mark` drawn where the caret is.
    pub fn show(self, text: &str, mark: char) -> String {
        let mut s = text.to_owned();
        s.insert(byte_at(text, self.at(text)), mark);
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(text: &str) -> (String, Caret) {
        let mut s = String::new();
        let mut c = Caret::END;
        for ch in text.chars() {
            c.insert(&mut s, ch);
        }
        (s, c)
    }

    #[test]
    fn moves_and_edits_by_characters_not_bytes() {
        let (mut s, mut c) = typed("路灯不亮");
        c.left(&s);
        c.left(&s);
        c.insert(&mut s, '还');
        assert_eq!(s, "路灯还不亮");
        assert_eq!(c.at(&s), 3);
        c.backspace(&mut s);
        c.delete(&mut s);
        assert_eq!(s, "路灯亮");
        c.home(&s);
        c.delete(&mut s);
        assert_eq!((s.as_str(), c.at(&s)), ("灯亮", 0));
        c.left(&s);
        c.backspace(&mut s);
        assert_eq!(c.at(&s), 0, "nothing before the start");
        c.end(&s);
        assert_eq!(c, Caret::END);
        c.delete(&mut s);
        c.right(&s);
        assert_eq!(
            (s.as_str(), c),
            ("灯亮", Caret::END),
            "nothing after the end"
        );
    }

    #[test]
    fn home_and_end_stay_on_the_line() {
        let (s, mut c) = typed("第一行\nsecond\n三");
        c.up(&s);
        c.home(&s);
        assert_eq!(c.at(&s), 4);
        c.end(&s);
        assert_eq!(c.at(&s), 10);
        assert_eq!(c.show(&s, '|'), "第一行\nsecond|\n三");
    }

    #[test]
    fn up_and_down_keep_the_display_column_across_wide_characters() {
        // The caret after "ab" (column 2) goes to after "路" (also column 2) and back.
        let (s, mut c) = typed("路灯不亮\nabcdef");
        c.home(&s);
        c.right(&s);
        c.right(&s);
        assert!(c.up(&s));
        assert_eq!(c.show(&s, '|'), "路|灯不亮\nabcdef");
        assert!(!c.up(&s));
        assert!(c.down(&s));
        assert_eq!(c.show(&s, '|'), "路灯不亮\nab|cdef");
        // Column 3 falls inside "灯": the caret stays before it rather than past it.
        c.right(&s);
        c.up(&s);
        assert_eq!(c.show(&s, '|'), "路|灯不亮\nabcdef");
        // A shorter line below: the caret stops at its end.
        let (s, mut c) = typed("长长长长\nab");
        c.home(&s);
        c.up(&s);
        c.end(&s);
        assert!(c.down(&s));
        assert_eq!(c, Caret::END);
        assert!(!c.down(&s));
    }
}
