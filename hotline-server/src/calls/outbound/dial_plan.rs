//! The dial plan: which numbers an agent (or a campaign) may dial through the trunk, and what
//! the trunk is sent. Only digits with an optional leading `+`; spaces and dashes people paste
//! in (`138-1234-5678`) are dropped.

/// No phone number in any plan has more digits than this (E.164 allows 15, plus an
/// outside-line prefix and an international access code).
pub const MAX_DIGITS: usize = 20;

/// Why a number may not be dialled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DialPlanError {
    #[error("no number given")]
    Empty,
    #[error("\"{0}\" is not allowed in a number: only digits and a leading +")]
    BadCharacter(char),
    #[error("{len} digits is too short (at least {min})")]
    TooShort { len: usize, min: usize },
    #[error("{len} digits is too long (at most {max})")]
    TooLong { len: usize, max: usize },
}

/// A trunk's rules for outbound numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialPlan {
    /// Put before every number that does not start with `+`.
    pub prefix: String,
    pub min_digits: usize,
    pub max_digits: usize,
}

impl DialPlan {
    /// Any plausible number, no prefix: for checking configured caller ids.
    pub fn lenient() -> DialPlan {
        DialPlan {
            prefix: String::new(),
            min_digits: 1,
            max_digits: MAX_DIGITS,
        }
    }

    /// The number to send to the trunk for `entered`, or why it may not be dialled.
    /// The length limits apply to the digits as entered, before the prefix.
    pub fn check(&self, entered: &str) -> Result<String, DialPlanError> {
        let mut plus = false;
        let mut digits = String::with_capacity(entered.len());
        for (i, c) in entered.trim().chars().enumerate() {
            match c {
                '0'..='9' => digits.push(c),
                '+' if i == 0 => plus = true,
                ' ' | '-' => {}
                other => return Err(DialPlanError::BadCharacter(other)),
            }
        }
        if digits.is_empty() {
            return Err(DialPlanError::Empty);
        }
        let len = digits.len();
        if len < self.min_digits {
            return Err(DialPlanError::TooShort {
                len,
                min: self.min_digits,
            });
        }
        if len > self.max_digits.min(MAX_DIGITS) {
            return Err(DialPlanError::TooLong {
                len,
                max: self.max_digits.min(MAX_DIGITS),
            });
        }
        Ok(if plus {
            format!("+{digits}")
        } else {
            format!("{}{digits}", self.prefix)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(prefix: &str) -> DialPlan {
        DialPlan {
            prefix: prefix.into(),
            min_digits: 3,
            max_digits: 15,
        }
    }

    #[test]
    fn digits_pass_with_the_prefix() {
        assert_eq!(plan("").check("13812345678"), Ok("13812345678".into()));
        assert_eq!(
            plan("0").check(" 138-1234 5678 "),
            Ok("013812345678".into())
        );
        // An international number is sent as entered: the prefix is for national dialling.
        assert_eq!(
            plan("0").check("+8613812345678"),
            Ok("+8613812345678".into())
        );
        assert_eq!(plan("").check("110"), Ok("110".into()));
    }

    #[test]
    fn anything_else_is_refused_clearly() {
        assert_eq!(plan("").check(""), Err(DialPlanError::Empty));
        assert_eq!(plan("").check("+"), Err(DialPlanError::Empty));
        assert_eq!(
            plan("").check("sip:evil@host"),
            Err(DialPlanError::BadCharacter('s'))
        );
        assert_eq!(
            plan("").check("1380+1"),
            Err(DialPlanError::BadCharacter('+'))
        );
        assert_eq!(plan("").check("12#"), Err(DialPlanError::BadCharacter('#')));
        assert_eq!(
            plan("").check("12"),
            Err(DialPlanError::TooShort { len: 2, min: 3 })
        );
        assert_eq!(
            plan("").check("1234567890123456"),
            Err(DialPlanError::TooLong { len: 16, max: 15 })
        );
        assert_eq!(
            DialPlanError::BadCharacter('s').to_string(),
            "\"s\" is not allowed in a number: only digits and a leading +"
        );
    }
}
