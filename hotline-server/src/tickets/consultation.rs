//! Pending consultations (待答咨询): a citizen asked something the agent could not answer on
//! the call. The consultation ticket waits with a callback number; when the answer is found
//! (often a knowledge-base item written for it) the centre replies and an agent calls back.
//!
//! Pure rules: the callback number check, the life of a pending entry through callback
//! attempts, and the text match between questions and knowledge-base titles.

use std::collections::BTreeSet;

use super::related::{bigrams, normalise_phone};

/// Where a pending consultation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PendingStatus {
    /// Nobody has the answer yet.
    Waiting,
    /// Answered (the ticket has its reply); the citizen still has to be called back.
    Answered,
    /// Called back, or given up on after the attempts allowed.
    Done,
}

impl PendingStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Answered => "answered",
            Self::Done => "done",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "waiting" => Some(Self::Waiting),
            "answered" => Some(Self::Answered),
            "done" => Some(Self::Done),
            _ => None,
        }
    }
}

/// What one callback attempt came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallbackResult {
    /// The citizen heard the answer.
    Reached,
    NoAnswer,
    Busy,
    /// The number is wrong or not in service: no use trying again.
    WrongNumber,
}

impl CallbackResult {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Reached => "reached",
            Self::NoAnswer => "no_answer",
            Self::Busy => "busy",
            Self::WrongNumber => "wrong_number",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "reached" => Some(Self::Reached),
            "no_answer" => Some(Self::NoAnswer),
            "busy" => Some(Self::Busy),
            "wrong_number" => Some(Self::WrongNumber),
            _ => None,
        }
    }
}

/// Why a step on a pending consultation is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PendingError {
    #[error("the callback number \"{0}\" is not a phone number (5 to 20 digits)")]
    BadNumber(String),
    #[error("the consultation is {}, not {}", .found.as_str(), .wanted.as_str())]
    WrongStatus {
        found: PendingStatus,
        wanted: PendingStatus,
    },
}

/// A callback number as dialled: digits only, national form. Separators and a +86 prefix
/// are accepted because agents type numbers as citizens say them.
pub fn callback_number(raw: &str) -> Result<String, PendingError> {
    let allowed = raw
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '+' | '(' | ')'));
    let digits = normalise_phone(raw);
    if allowed && (5..=20).contains(&digits.len()) {
        Ok(digits)
    } else {
        Err(PendingError::BadNumber(raw.trim().to_owned()))
    }
}

/// The entry after one callback attempt: `(status, attempts)`. A reached citizen or a wrong
/// number ends it; otherwise it stays answered until `max_attempts` have been made.
pub fn after_attempt(
    status: PendingStatus,
    attempts: u32,
    result: CallbackResult,
    max_attempts: u32,
) -> Result<(PendingStatus, u32), PendingError> {
    if status != PendingStatus::Answered {
        return Err(PendingError::WrongStatus {
            found: status,
            wanted: PendingStatus::Answered,
        });
    }
    let attempts = attempts.saturating_add(1);
    let done = match result {
        CallbackResult::Reached | CallbackResult::WrongNumber => true,
        CallbackResult::NoAnswer | CallbackResult::Busy => attempts >= max_attempts.max(1),
    };
    let next = if done {
        PendingStatus::Done
    } else {
        PendingStatus::Answered
    };
    Ok((next, attempts))
}

/// How well a knowledge-base title covers a question, 0 to 1: the overlap coefficient of
/// character bigrams (|Q ∩ T| / min(|Q|, |T|)). Jaccard would punish the long, chatty
/// question against a short title; the overlap asks whether the title's words are in it.
/// Fewer than two shared bigrams count as no match: one is a stock phrase (请问, 怎么).
pub fn coverage(question: &BTreeSet<(char, char)>, title: &BTreeSet<(char, char)>) -> f64 {
    let common = question.intersection(title).count();
    if common < 2 {
        return 0.0;
    }
    common as f64 / question.len().min(title.len()) as f64
}

/// Below this a title is not offered as an answer.
pub const MIN_COVERAGE: f64 = 0.3;

/// The candidates (`id`, text) that match `question` best, at most `limit`, best first; ties
/// keep the input order.
pub fn best_matches<'a, I>(question: &str, candidates: I, limit: usize) -> Vec<(i64, f64)>
where
    I: IntoIterator<Item = (i64, &'a str)>,
{
    let q = bigrams(question);
    let mut scored: Vec<(i64, f64)> = candidates
        .into_iter()
        .map(|(id, text)| (id, coverage(&q, &bigrams(text))))
        .filter(|(_, score)| *score >= MIN_COVERAGE)
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1));
    scored.truncate(limit);
    scored
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_numbers_are_digits_in_national_form() {
        assert_eq!(
            callback_number("+86 138-0013-8000"),
            Ok("13800138000".into())
        );
        assert_eq!(
            callback_number("(0571) 8888 1234"),
            Ok("057188881234".into())
        );
        assert_eq!(callback_number("12345"), Ok("12345".into()));
        for bad in ["", "1234", "13800x38000", "123456789012345678901", "王女士"] {
            assert!(
                matches!(callback_number(bad), Err(PendingError::BadNumber(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn attempts_end_when_reached_wrong_or_used_up() {
        use CallbackResult::*;
        use PendingStatus::*;
        assert_eq!(after_attempt(Answered, 0, Reached, 3), Ok((Done, 1)));
        assert_eq!(after_attempt(Answered, 0, WrongNumber, 3), Ok((Done, 1)));
        assert_eq!(after_attempt(Answered, 0, Busy, 3), Ok((Answered, 1)));
        assert_eq!(after_attempt(Answered, 1, NoAnswer, 3), Ok((Answered, 2)));
        assert_eq!(after_attempt(Answered, 2, NoAnswer, 3), Ok((Done, 3)));
        // A limit of 0 still allows the one attempt made.
        assert_eq!(after_attempt(Answered, 0, Busy, 0), Ok((Done, 1)));
        for status in [Waiting, Done] {
            assert_eq!(
                after_attempt(status, 0, Reached, 3),
                Err(PendingError::WrongStatus {
                    found: status,
                    wanted: Answered
                })
            );
        }
    }

    #[test]
    fn a_title_matches_the_question_that_contains_its_words() {
        let question = "我想问一下外地人居住证办理要带什么材料";
        let titles = [
            (1, "机动车年检预约"),
            (2, "居住证办理指南"),
            (3, "居住证延期"),
            (4, "请问"),
        ];
        let got = best_matches(question, titles, 5);
        let ids: Vec<i64> = got.iter().map(|(id, _)| *id).collect();
        // 居住证办理 covers more of "居住证办理指南" than 居住证 alone covers "居住证延期".
        assert_eq!(ids[..2], [2, 3]);
        assert!(!ids.contains(&1) && !ids.contains(&4), "{got:?}");
        assert_eq!(best_matches(question, titles, 1).len(), 1);
        assert!(best_matches("", titles, 5).is_empty());
    }

    #[test]
    fn statuses_and_results_round_trip() {
        for s in [
            PendingStatus::Waiting,
            PendingStatus::Answered,
            PendingStatus::Done,
        ] {
            assert_eq!(PendingStatus::parse(s.as_str()), Some(s));
        }
        for r in [
            CallbackResult::Reached,
            CallbackResult::NoAnswer,
            CallbackResult::Busy,
            CallbackResult::WrongNumber,
        ] {
            assert_eq!(CallbackResult::parse(r.as_str()), Some(r));
        }
        assert_eq!(PendingStatus::parse("closed"), None);
    }
}
