//! The blacklist as the calls see it: an in-memory copy of the blocks in force, refreshed from
//! the database in the background, so checking a caller never touches SQLite.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use crate::store::BlockRow;

/// What a blocked caller gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockMode {
    /// A warning prompt, then normal service.
    Warn,
    /// A refusal prompt, then goodbye.
    Refuse,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub reason: String,
    pub mode: BlockMode,
    pub until_ms: Option<i64>,
}

/// Blocks by national number.
#[derive(Debug, Default, Clone)]
pub struct Blacklist {
    blocks: HashMap<String, Block>,
}

impl Blacklist {
    pub fn from_rows(rows: Vec<BlockRow>) -> Self {
        let blocks = rows
            .into_iter()
            .map(|r| {
                let mode = if r.mode == "refuse" {
                    BlockMode::Refuse
                } else {
                    BlockMode::Warn
                };
                (
                    r.number,
                    Block {
                        reason: r.reason,
                        mode,
                        until_ms: r.until_ms,
                    },
                )
            })
            .collect();
        Self { blocks }
    }

    /// The block on `number` at `now_ms`; an expired one no longer counts.
    pub fn check(&self, number: &str, now_ms: i64) -> Option<&Block> {
        self.blocks
            .get(number)
            .filter(|b| b.until_ms.is_none_or(|u| u > now_ms))
    }

    pub fn len(&self) -> usize {
        self.blocks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }
}

/// Parses a block duration: `5m`, `30m`, `2h`, `7d`, `90s` or `permanent`. `None` = permanent.
pub fn parse_duration(text: &str) -> Result<Option<Duration>, String> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("permanent") || t == "forever" {
        return Ok(None);
    }
    let (num, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let n: u64 = num
        .parse()
        .map_err(|_| format!("\"{text}\" is not a duration like 5m, 30m, 2h, 7d or permanent"))?;
    let secs = match unit {
        "s" => n,
        "m" | "" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => return Err(format!("\"{text}\": unknown unit \"{unit}\" (s, m, h, d)")),
    };
    Ok(Some(Duration::from_secs(secs)))
}

/// Keeps `shared` in step with the database every `every` (changes made by the admin command
/// line reach running calls within that time).
pub fn spawn_refresher(
    shared: Arc<RwLock<Blacklist>>,
    lookup: Arc<std::sync::Mutex<crate::store::Store>>,
    clock: super::Clock,
    every: Duration,
) {
    tokio::spawn(async move {
        loop {
            let lookup = lookup.clone();
            let now = clock().as_millisecond();
            let rows = tokio::task::spawn_blocking(move || {
                lookup.lock().ok().and_then(|s| s.active_blocks(now).ok())
            })
            .await;
            if let Ok(Some(rows)) = rows
                && let Ok(mut b) = shared.write()
            {
                *b = Blacklist::from_rows(rows);
            }
            tokio::time::sleep(every).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(number: &str, mode: &str, until: Option<i64>) -> BlockRow {
        BlockRow {
            number: number.into(),
            reason: "abuse".into(),
            mode: mode.into(),
            until_ms: until,
            created_at_ms: 0,
            created_by: "test".into(),
        }
    }

    #[test]
    fn blocks_expire_by_themselves() {
        let b = Blacklist::from_rows(vec![
            row("13800000099", "refuse", Some(300_000)),
            row("13800000098", "warn", None),
        ]);
        assert_eq!(
            b.check("13800000099", 299_999).map(|x| x.mode),
            Some(BlockMode::Refuse)
        );
        assert_eq!(b.check("13800000099", 300_000), None);
        assert_eq!(
            b.check("13800000098", i64::MAX).map(|x| x.mode),
            Some(BlockMode::Warn)
        );
        assert_eq!(b.check("13800000000", 0), None);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("5m"), Ok(Some(Duration::from_mins(5))));
        assert_eq!(parse_duration("30m"), Ok(Some(Duration::from_mins(30))));
        assert_eq!(parse_duration("2h"), Ok(Some(Duration::from_hours(2))));
        assert_eq!(parse_duration("permanent"), Ok(None));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5y").is_err());
    }
}
