//! Display width in terminal columns. Chinese characters take two columns, so byte or char
//! counts misalign tables; these helpers count columns and never split a wide character.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Columns `s` occupies.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// `s` cut to at most `max` columns; when cut, the last column is `…`.
pub fn truncate(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_owned();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        // Leave one column for the ellipsis.
        if used + w > max - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// `s` padded with spaces to exactly `cols` columns (cut first when longer).
pub fn fit(s: &str, cols: usize) -> String {
    let mut out = truncate(s, cols);
    let w = width(&out);
    out.extend(std::iter::repeat_n(' ', cols.saturating_sub(w)));
    out
}

/// Like [`fit`] but right-aligned (numbers, durations).
pub fn fit_right(s: &str, cols: usize) -> String {
    let cut = truncate(s, cols);
    let pad = cols.saturating_sub(width(&cut));
    let mut out: String = std::iter::repeat_n(' ', pad).collect();
    out.push_str(&cut);
    out
}

/// The last `max` columns of `s` (for an input field scrolled to its cursor at the end).
pub fn tail(s: &str, max: usize) -> String {
    let mut used = 0;
    let mut start = s.len();
    for (i, c) in s.char_indices().rev() {
        let w = c.width().unwrap_or(0);
        if used + w > max {
            break;
        }
        used += w;
        start = i;
    }
    s[start..].to_owned()
}

/// Words wrapped to `cols` columns, breaking anywhere for CJK text (which has no spaces).
pub fn wrap(s: &str, cols: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for para in s.split('\n') {
        let mut line = String::new();
        let mut used = 0;
        for c in para.chars() {
            let w = c.width().unwrap_or(0);
            if used + w > cols && !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                used = 0;
            }
            line.push(c);
            used += w;
        }
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_counts_two_columns() {
        assert_eq!(width("张三"), 4);
        assert_eq!(width("ab张"), 4);
    }

    #[test]
    fn truncation_never_splits_a_wide_char() {
        assert_eq!(truncate("商场售后投诉", 6), "商场…");
        assert_eq!(width(&truncate("商场售后投诉", 6)), 5);
        assert_eq!(fit("商场售后投诉", 6), "商场… ");
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("abcd", 3), "ab…");
        assert_eq!(truncate("abcd", 0), "");
    }

    #[test]
    fn padding_aligns_columns() {
        assert_eq!(fit("张三", 6), "张三  ");
        assert_eq!(fit("Bob", 6), "Bob   ");
        assert_eq!(fit_right("12", 4), "  12");
        assert_eq!(width(&fit("上城区平海路1号", 9)), 9);
    }

    #[test]
    fn tail_and_wrap() {
        assert_eq!(tail("abc张三", 4), "张三");
        assert_eq!(tail("abc张三", 5), "c张三");
        assert_eq!(wrap("张三李四", 4), ["张三", "李四"]);
        assert_eq!(wrap("a\nb", 4), ["a", "b"]);
    }
}
