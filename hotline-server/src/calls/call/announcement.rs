//! What a waiting caller hears at each announcement: their place in the queue and, when the
//! queue can estimate it, about how long they will wait.

use crate::ivr::prompt::PromptRef;
use crate::ivr::say::say_number;

/// The prompts, in order: "callers ahead of you: N", then "your estimated waiting time is about
/// M minutes" when the estimate is known (non-zero). Minutes round up: a caller told "one
/// minute" who waits ninety seconds feels misled, one told "two" who waits ninety does not.
pub fn queue_announcement(lang: &str, position: usize, wait_secs: u64) -> Vec<PromptRef> {
    let mut out = vec![PromptRef::new(lang, "queue_position")];
    out.extend(say_number(lang, position as u64));
    if wait_secs > 0 {
        let minutes = wait_secs.div_ceil(60);
        out.push(PromptRef::new(lang, "estimated_wait"));
        out.extend(say_number(lang, minutes));
        out.push(PromptRef::new(
            lang,
            if minutes == 1 { "minute" } else { "minutes" },
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(refs: &[PromptRef]) -> Vec<&str> {
        refs.iter().map(|r| r.name.as_str()).collect()
    }

    #[test]
    fn position_then_the_wait_in_minutes_rounded_up() {
        assert_eq!(
            names(&queue_announcement("zh", 3, 150)),
            [
                "queue_position",
                "num_3",
                "estimated_wait",
                "num_3",
                "minutes"
            ]
        );
        assert_eq!(
            names(&queue_announcement("en", 2, 30)),
            [
                "queue_position",
                "num_2",
                "estimated_wait",
                "num_1",
                "minute"
            ]
        );
    }

    #[test]
    fn no_estimate_no_wait_sentence() {
        assert_eq!(
            names(&queue_announcement("zh", 1, 0)),
            ["queue_position", "num_1"]
        );
    }

    #[test]
    fn prompts_are_in_the_callers_language() {
        assert!(
            queue_announcement("en", 12, 600)
                .iter()
                .all(|r| r.language == "en")
        );
    }
}
