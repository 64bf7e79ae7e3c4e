//! The daily key-issues digest (每日要情) for leaders: the day's important tickets and the
//! day's intake counted by category and by region, as JSON and as plain text.
//!
//! Important means under supervision (督办) or filed urgent / very urgent. Pure: the caller
//! reads the day's tickets and hands them in.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use jiff::civil::Date;
use serde::Serialize;

use super::category::CategoryTree;
use super::kinds::{Status, Urgency};

/// A ticket filed that day, as the digest needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestTicket {
    pub number: String,
    pub subject: String,
    pub category: String,
    /// "" when not entered.
    pub region: String,
    pub urgency: Urgency,
    pub status: Status,
    pub supervised: bool,
    /// The latest 督办 instruction, "" for none.
    pub instruction: String,
}

/// One line of the important list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DigestItem {
    pub number: String,
    pub subject: String,
    pub category: String,
    pub region: String,
    pub urgency: Urgency,
    pub status: Status,
    pub supervised: bool,
    pub instruction: String,
}

/// A count under a label, most first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    pub key: String,
    pub label: String,
    pub count: u32,
}

/// The digest of one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Digest {
    /// `YYYY-MM-DD`, the local day.
    pub date: String,
    pub total: u32,
    pub important: Vec<DigestItem>,
    pub by_category: Vec<Count>,
    pub by_region: Vec<Count>,
}

/// Label of tickets without a region.
pub const NO_REGION: &str = "未填写";

/// Builds the digest. Categories are counted by their top-level branch (`environment.noise`
/// counts under `environment`), labelled in Chinese from the tree.
pub fn build(date: Date, tickets: &[DigestTicket], categories: &CategoryTree) -> Digest {
    let mut by_category: BTreeMap<String, u32> = BTreeMap::new();
    let mut by_region: BTreeMap<String, u32> = BTreeMap::new();
    let mut important = Vec::new();
    for t in tickets {
        let top = t.category.split('.').next().unwrap_or("").to_owned();
        *by_category.entry(top).or_default() += 1;
        let region = if t.region.trim().is_empty() {
            NO_REGION.to_owned()
        } else {
            t.region.trim().to_owned()
        };
        *by_region.entry(region.clone()).or_default() += 1;
        if t.supervised || t.urgency != Urgency::Normal {
            important.push(DigestItem {
                number: t.number.clone(),
                subject: t.subject.clone(),
                category: label(categories, &t.category),
                region,
                urgency: t.urgency,
                status: t.status,
                supervised: t.supervised,
                instruction: t.instruction.clone(),
            });
        }
    }
    // Very urgent first, then supervised, then by number.
    important.sort_by(|a, b| {
        b.urgency
            .cmp(&a.urgency)
            .then(b.supervised.cmp(&a.supervised))
            .then_with(|| a.number.cmp(&b.number))
    });
    Digest {
        date: date.to_string(),
        total: u32::try_from(tickets.len()).unwrap_or(u32::MAX),
        important,
        by_category: counts(by_category, |k| label(categories, k)),
        by_region: counts(by_region, str::to_owned),
    }
}

fn label(categories: &CategoryTree, code: &str) -> String {
    categories
        .find(code)
        .map_or_else(|| code.to_owned(), |c| c.zh.clone())
}

fn counts(map: BTreeMap<String, u32>, label: impl Fn(&str) -> String) -> Vec<Count> {
    let mut out: Vec<Count> = map
        .into_iter()
        .map(|(key, count)| Count {
            label: label(&key),
            key,
            count,
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
    out
}

impl Digest {
    /// The digest as a plain-text bulletin.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "每日要情 {}", self.date);
        let _ = writeln!(
            out,
            "当日受理 {} 件，重要事项 {} 件",
            self.total,
            self.important.len()
        );
        let _ = writeln!(out, "\n一、重要事项");
        if self.important.is_empty() {
            let _ = writeln!(out, "  无");
        }
        for (i, t) in self.important.iter().enumerate() {
            let mut marks = vec![t.urgency.zh()];
            if t.supervised {
                marks.push("督办");
            }
            let _ = writeln!(
                out,
                "  {}. [{}] {} {}（{}，{}，{}）",
                i + 1,
                marks.join("/"),
                t.number,
                t.subject,
                t.category,
                t.region,
                t.status.zh()
            );
            if !t.instruction.is_empty() {
                let _ = writeln!(out, "     批示：{}", t.instruction);
            }
        }
        let _ = writeln!(out, "\n二、按类别");
        for c in &self.by_category {
            let _ = writeln!(out, "  {} {}", c.label, c.count);
        }
        let _ = writeln!(out, "\n三、按区域");
        for c in &self.by_region {
            let _ = writeln!(out, "  {} {}", c.label, c.count);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TREE: &str = r#"
[[category]]
code = "environment"
zh = "环境保护"
en = "Environment"
days = 10
[[category.children]]
code = "environment.noise"
zh = "噪音扰民"
en = "Noise"

[[category]]
code = "traffic"
zh = "交通出行"
en = "Traffic"
days = 5
"#;

    fn t(n: &str, cat: &str, region: &str, urgency: Urgency, supervised: bool) -> DigestTicket {
        DigestTicket {
            number: n.to_owned(),
            subject: format!("事项{n}"),
            category: cat.to_owned(),
            region: region.to_owned(),
            urgency,
            status: Status::Dispatched,
            supervised,
            instruction: if supervised {
                "限期办结".to_owned()
            } else {
                String::new()
            },
        }
    }

    #[test]
    fn the_digest_lists_important_tickets_and_counts() {
        let tree = CategoryTree::parse(TREE).unwrap();
        let date = jiff::civil::date(2026, 11, 23);
        let tickets = [
            t("A-1", "environment.noise", "东城区", Urgency::Normal, false),
            t("A-2", "environment", "东城区", Urgency::Urgent, false),
            t("A-3", "traffic", "", Urgency::Normal, true),
            t("A-4", "traffic", "西城区", Urgency::VeryUrgent, false),
            t("A-5", "traffic", "西城区", Urgency::Normal, false),
        ];
        let d = build(date, &tickets, &tree);
        assert_eq!(d.total, 5);
        let order: Vec<&str> = d.important.iter().map(|i| i.number.as_str()).collect();
        assert_eq!(order, ["A-4", "A-2", "A-3"]);
        assert_eq!(d.important[1].category, "环境保护");
        let cats: Vec<(&str, u32)> = d
            .by_category
            .iter()
            .map(|c| (c.label.as_str(), c.count))
            .collect();
        assert_eq!(cats, [("交通出行", 3), ("环境保护", 2)]);
        let regions: Vec<(&str, u32)> = d
            .by_region
            .iter()
            .map(|c| (c.key.as_str(), c.count))
            .collect();
        assert_eq!(regions, [("东城区", 2), ("西城区", 2), (NO_REGION, 1)]);
        let text = d.to_text();
        assert!(
            text.starts_with("每日要情 2026-11-23\n当日受理 5 件，重要事项 3 件"),
            "{text}"
        );
        assert!(
            text.contains("1. [特急] A-4 事项A-4（交通出行，西城区，已派单）"),
            "{text}"
        );
        assert!(text.contains("批示：限期办结"), "{text}");
        let json = serde_json::to_value(&d).unwrap();
        assert_eq!(json["date"], "2026-11-23");
        assert_eq!(json["important"][0]["urgency"], "very_urgent");
    }
}
