//! The last hour of a queue's waiting counts, for the wallboard's sparkline.

/// How far back the history goes.
pub const WINDOW_MS: u64 = 3_600_000;

/// Adds a sample and drops those older than the window. A count equal to the last one adds
/// nothing ([`buckets`] carries a count forward anyway): snapshots come with every agent
/// state change, hundreds a minute on a big floor.
pub fn push(history: &mut Vec<(u64, u32)>, at_ms: u64, waiting: u32) {
    if history.last().is_none_or(|(_, w)| *w != waiting) {
        history.push((at_ms, waiting));
    }
    let cutoff = at_ms.saturating_sub(WINDOW_MS);
    // Keep the last sample before the window: it is the count at the window's start.
    let first_inside = history.iter().position(|(t, _)| *t >= cutoff).unwrap_or(0);
    if first_inside > 1 {
        history.drain(..first_inside - 1);
    }
}

/// The window split into `n` columns, each the highest count seen in it; a column with no
/// sample carries the count before it (the queue did not change), `None` before any sample.
pub fn buckets(history: &[(u64, u32)], now_ms: u64, n: usize) -> Vec<Option<u32>> {
    if n == 0 {
        return Vec::new();
    }
    let start = now_ms.saturating_sub(WINDOW_MS);
    let width = (WINDOW_MS / n as u64).max(1);
    let mut out = Vec::with_capacity(n);
    let mut last: Option<u32> = history
        .iter()
        .rev()
        .find(|(t, _)| *t < start)
        .map(|(_, w)| *w);
    for i in 0..n as u64 {
        let lo = start + i * width;
        let hi = lo + width;
        let max = history
            .iter()
            .filter(|(t, _)| *t >= lo && *t < hi)
            .map(|(_, w)| *w)
            .max();
        let value = match (max, last) {
            (Some(m), Some(l)) => Some(m.max(l)),
            (m, l) => m.or(l),
        };
        if let Some(latest) = history.iter().rev().find(|(t, _)| *t >= lo && *t < hi) {
            last = Some(latest.1);
        }
        out.push(value);
    }
    out
}

/// Block characters for the counts, scaled to the highest.
pub fn sparkline(values: &[Option<u32>]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = values.iter().flatten().copied().max().unwrap_or(0).max(1);
    values
        .iter()
        .map(|v| match v {
            None => ' ',
            Some(v) => BARS[(*v as usize * 7).div_ceil(max as usize).min(7)],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_one_hour() {
        let mut h = Vec::new();
        for i in 0..10u64 {
            push(&mut h, i * 1_000_000, i as u32);
        }
        // 9_000_000 - 3_600_000 = 5_400_000: samples at 6..9 plus the one before.
        assert_eq!(h.first().unwrap().0, 5_000_000);
        assert_eq!(h.len(), 5);
    }

    #[test]
    fn an_unchanged_count_adds_no_sample_and_draws_the_same() {
        let mut every = Vec::new();
        let mut changes = Vec::new();
        for (i, w) in [0, 0, 3, 3, 3, 1, 1, 0].into_iter().enumerate() {
            every.push((i as u64 * 600_000, w));
            push(&mut changes, i as u64 * 600_000, w);
        }
        assert_eq!(changes.len(), 4);
        let now = 7 * 600_000;
        assert_eq!(buckets(&every, now, 12), buckets(&changes, now, 12));
    }

    #[test]
    fn buckets_carry_counts_forward() {
        let now = WINDOW_MS * 2;
        let start = now - WINDOW_MS;
        let h = [
            (start - 1, 2),
            (start + 1_800_000, 6),
            (start + 1_800_001, 1),
        ];
        let b = buckets(&h, now, 4);
        assert_eq!(b, [Some(2), Some(2), Some(6), Some(1)]);
        assert_eq!(buckets(&[], now, 3), [None, None, None]);
        assert_eq!(sparkline(&[None, Some(0), Some(3), Some(6)]), " ▁▅█");
    }
}
