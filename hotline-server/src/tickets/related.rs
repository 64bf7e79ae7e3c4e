//! Duplicate and related tickets at entry (重复件 / 关联件): the same caller, the same address,
//! similar text within the last days, offered to the agent as candidates to link.
//!
//! Text similarity is the Jaccard index of character bigrams, which works for Chinese without
//! word segmentation: 小区噪音扰民 and 小区夜间施工噪音扰民 share 小区, 噪音, 音扰, 扰民.

use std::collections::BTreeSet;

use jiff::{SignedDuration, Timestamp};

/// The ticket being entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub caller: Option<String>,
    pub address: Option<String>,
    /// Subject and description.
    pub text: String,
}

/// A recent ticket the store found by caller number, address or text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub number: String,
    pub caller: Option<String>,
    pub address: Option<String>,
    pub text: String,
    pub filed_at: Timestamp,
}

/// Why a candidate is offered.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reason {
    /// Same caller number, filed this many whole days ago.
    SameCaller {
        days_ago: i64,
    },
    SameAddress,
    /// One address contains the other (e.g. a building and a flat in it).
    NearbyAddress,
    SimilarText {
        similarity: f64,
    },
}

/// A ranked candidate.
#[derive(Debug, Clone, PartialEq)]
pub struct Related {
    pub number: String,
    pub score: f64,
    pub reasons: Vec<Reason>,
}

/// Weights and limits of the scoring.
#[derive(Debug, Clone, PartialEq)]
pub struct RelatedSettings {
    /// Only tickets filed this many days before `now` count.
    pub window_days: u32,
    pub caller_weight: f64,
    pub address_weight: f64,
    /// Text similarity (0–1) is multiplied by this.
    pub text_weight: f64,
    /// Text similarity below this is no reason.
    pub min_similarity: f64,
    pub max_results: usize,
}

impl Default for RelatedSettings {
    fn default() -> Self {
        Self {
            window_days: 30,
            caller_weight: 0.4,
            address_weight: 0.3,
            text_weight: 1.0,
            min_similarity: 0.25,
            max_results: 10,
        }
    }
}

/// Scores every candidate within the window and returns those with a reason, best first (ties:
/// the newer first, then by number).
pub fn find_related(
    draft: &Draft,
    candidates: &[Candidate],
    settings: &RelatedSettings,
    now: Timestamp,
) -> Vec<Related> {
    let caller = draft
        .caller
        .as_deref()
        .map(normalise_phone)
        .filter(|c| !c.is_empty());
    let address = draft
        .address
        .as_deref()
        .map(normalise_address)
        .filter(|a| !a.is_empty());
    let grams = bigrams(&draft.text);
    let window = SignedDuration::from_hours(24 * i64::from(settings.window_days));
    let mut found: Vec<(Timestamp, Related)> = Vec::new();
    for c in candidates {
        let age = now.duration_since(c.filed_at);
        if age > window || age.is_negative() {
            continue;
        }
        let mut score = 0.0;
        let mut reasons = Vec::new();
        if let Some(mine) = &caller
            && c.caller.as_deref().map(normalise_phone).as_ref() == Some(mine)
        {
            score += settings.caller_weight;
            reasons.push(Reason::SameCaller {
                days_ago: age.as_hours() / 24,
            });
        }
        if let (Some(mine), Some(theirs)) = (&address, c.address.as_deref().map(normalise_address))
            && !theirs.is_empty()
        {
            if *mine == theirs {
                score += settings.address_weight;
                reasons.push(Reason::SameAddress);
            } else if mine.contains(theirs.as_str()) || theirs.contains(mine.as_str()) {
                score += settings.address_weight / 2.0;
                reasons.push(Reason::NearbyAddress);
            }
        }
        let similarity = jaccard(&grams, &bigrams(&c.text));
        if similarity >= settings.min_similarity && similarity > 0.0 {
            score += settings.text_weight * similarity;
            reasons.push(Reason::SimilarText { similarity });
        }
        if !reasons.is_empty() {
            found.push((
                c.filed_at,
                Related {
                    number: c.number.clone(),
                    score,
                    reasons,
                },
            ));
        }
    }
    found.sort_by(|(ta, a), (tb, b)| {
        b.score
            .total_cmp(&a.score)
            .then(tb.cmp(ta))
            .then_with(|| a.number.cmp(&b.number))
    });
    found
        .into_iter()
        .take(settings.max_results)
        .map(|(_, r)| r)
        .collect()
}

/// Digits only, without the +86 / 0086 country prefix: `+86 138-0013-8000` → `13800138000`.
pub fn normalise_phone(number: &str) -> String {
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    let national = if let Some(rest) = digits.strip_prefix("0086") {
        rest
    } else if number.trim_start().starts_with('+') {
        digits.strip_prefix("86").unwrap_or(&digits)
    } else {
        &digits
    };
    national.to_owned()
}

/// Full-width forms folded to ASCII, letters lower-cased, whitespace and punctuation dropped:
/// `幸福路１２号 ３栋` and `幸福路12号3栋` compare equal.
pub fn normalise_address(address: &str) -> String {
    fold(address).collect()
}

/// The set of adjacent character pairs of the folded text; a one-character text is its own
/// single "pair" so it can still match.
pub fn bigrams(text: &str) -> BTreeSet<(char, char)> {
    let chars: Vec<char> = fold(text).collect();
    match chars.as_slice() {
        [] => BTreeSet::new(),
        [only] => BTreeSet::from([(*only, *only)]),
        _ => chars.windows(2).map(|w| (w[0], w[1])).collect(),
    }
}

/// |A ∩ B| / |A ∪ B|; 0 when both are empty.
pub fn jaccard(a: &BTreeSet<(char, char)>, b: &BTreeSet<(char, char)>) -> f64 {
    let common = a.intersection(b).count();
    let union = a.len() + b.len() - common;
    if union == 0 {
        0.0
    } else {
        common as f64 / union as f64
    }
}

/// Bigram Jaccard similarity of two texts.
pub fn text_similarity(a: &str, b: &str) -> f64 {
    jaccard(&bigrams(a), &bigrams(b))
}

fn fold(text: &str) -> impl Iterator<Item = char> + '_ {
    text.chars()
        .map(|c| match c {
            // Full-width ASCII block (！ … ～) and the ideographic space.
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(day: i64) -> Timestamp {
        Timestamp::from_second(1_790_000_000 + day * 86_400).unwrap()
    }

    fn cand(number: &str, caller: &str, address: &str, text: &str, day: i64) -> Candidate {
        Candidate {
            number: number.to_owned(),
            caller: Some(caller.to_owned()).filter(|c| !c.is_empty()),
            address: Some(address.to_owned()).filter(|a| !a.is_empty()),
            text: text.to_owned(),
            filed_at: ts(day),
        }
    }

    #[test]
    fn chinese_bigram_similarity() {
        let s = text_similarity("小区噪音扰民", "小区夜间施工噪音扰民");
        // 4 shared of 5 + 9 − 4 = 10 distinct bigrams.
        assert!((s - 0.4).abs() < 1e-9, "{s}");
        assert!((text_similarity("小区噪音扰民", "小区噪音扰民") - 1.0).abs() < 1e-9);
        assert!(text_similarity("小区噪音扰民", "拖欠工资三个月") < 1e-9);
        // Punctuation and full-width forms do not matter.
        assert!((text_similarity("噪音，扰民！", "噪音扰民") - 1.0).abs() < 1e-9);
        assert!((text_similarity("ＡＢ", "ab") - 1.0).abs() < 1e-9);
        assert!(text_similarity("", "") < 1e-9);
        assert!((text_similarity("水", "水") - 1.0).abs() < 1e-9);
    }

    #[test]
    fn normalisation() {
        assert_eq!(normalise_phone("+86 138-0013-8000"), "13800138000");
        assert_eq!(normalise_phone("0086 13800138000"), "13800138000");
        assert_eq!(normalise_phone("(010) 6512 3456"), "01065123456");
        assert_eq!(
            normalise_address("幸福路１２号 ３栋"),
            normalise_address("幸福路12号3栋")
        );
        assert_eq!(normalise_address("Xingfu Rd. 12"), "xingfurd12");
    }

    #[test]
    fn candidates_are_ranked_with_reasons() {
        let draft = Draft {
            caller: Some("+86 13800138000".to_owned()),
            address: Some("幸福路12号3栋".to_owned()),
            text: "小区夜间施工噪音扰民".to_owned(),
        };
        let candidates = vec![
            cand(
                "A-same-everything",
                "13800138000",
                "幸福路12号3栋",
                "小区噪音扰民",
                8,
            ),
            cand("B-text-only", "13900000000", "和平路1号", "小区噪音扰民", 9),
            cand("C-caller-only", "138 0013 8000", "", "拖欠工资", 5),
            cand(
                "D-too-old",
                "13800138000",
                "幸福路12号3栋",
                "小区噪音扰民",
                -40,
            ),
            cand("E-nothing", "13900000001", "和平路2号", "路灯不亮", 9),
            cand("F-nearby", "", "幸福路12号", "路灯不亮", 9),
        ];
        let found = find_related(&draft, &candidates, &RelatedSettings::default(), ts(10));
        let numbers: Vec<&str> = found.iter().map(|r| r.number.as_str()).collect();
        assert_eq!(
            numbers,
            [
                "A-same-everything",
                "B-text-only",
                "C-caller-only",
                "F-nearby"
            ]
        );
        let a = &found[0];
        assert!((a.score - (0.4 + 0.3 + 0.4)).abs() < 1e-9, "{}", a.score);
        assert!(matches!(a.reasons[0], Reason::SameCaller { days_ago: 2 }));
        assert_eq!(a.reasons[1], Reason::SameAddress);
        assert!(
            matches!(a.reasons[2], Reason::SimilarText { similarity } if (similarity - 0.4).abs() < 1e-9)
        );
        assert_eq!(found[3].reasons, vec![Reason::NearbyAddress]);
        let few = RelatedSettings {
            max_results: 1,
            ..RelatedSettings::default()
        };
        assert_eq!(find_related(&draft, &candidates, &few, ts(10)).len(), 1);
    }
}
