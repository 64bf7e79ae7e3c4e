//! A text level meter for microphone and speaker levels.

/// `peak` (0.0–1.0) as a bar of `cols` cells: `█████·····`.
pub fn level_bar(peak: f32, cols: usize) -> String {
    let filled = ((peak.clamp(0.0, 1.0) * cols as f32).round() as usize).min(cols);
    let mut s: String = std::iter::repeat_n('█', filled).collect();
    s.extend(std::iter::repeat_n('·', cols - filled));
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn bar() {
        assert_eq!(super::level_bar(0.5, 4), "██··");
        assert_eq!(super::level_bar(2.0, 3), "███");
    }
}
