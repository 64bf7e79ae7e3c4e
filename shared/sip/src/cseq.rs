//! The CSeq header (RFC 3261 §20.16).

use std::fmt;

use crate::error::{ParseError, ParseErrorKind};
use crate::method::Method;
use crate::text::is_token;

/// Sequence number and method. The number must be below 2^31 (RFC 3261 §8.1.1.5).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CSeq {
    pub seq: u32,
    pub method: Method,
}

/// Largest sequence number RFC 3261 allows.
pub const MAX_CSEQ: u32 = (1 << 31) - 1;

impl CSeq {
    pub fn parse(value: &str) -> Result<CSeq, ParseError> {
        let bad = |why: &str| ParseError::new(ParseErrorKind::Value, format!("Bad CSeq: {why}"));
        let mut words = value.split_whitespace();
        let (Some(num), Some(method), None) = (words.next(), words.next(), words.next()) else {
            return Err(bad("expected number and method"));
        };
        if !num.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("number is not decimal"));
        }
        let seq: u32 = num.parse().map_err(|_| bad("number too large"))?;
        if seq > MAX_CSEQ {
            return Err(bad("number too large"));
        }
        if !is_token(method) {
            return Err(bad("method is not a token"));
        }
        Ok(CSeq {
            seq,
            method: Method::from_token(method),
        })
    }
}

impl fmt::Display for CSeq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.seq, self.method)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects_overflow() {
        assert_eq!(
            CSeq::parse("0009   INVITE").expect("cseq"),
            CSeq {
                seq: 9,
                method: Method::Invite
            }
        );
        assert_eq!(CSeq::parse("2147483647 ACK").expect("max").seq, MAX_CSEQ);
        for s in [
            "2147483648 INVITE",
            "36893488147419103232 REGISTER",
            "-1 INVITE",
            "1",
            "x INVITE",
            "1 INVITE x",
            "",
        ] {
            assert!(CSeq::parse(s).is_err(), "{s:?}");
        }
        assert_eq!(
            CSeq {
                seq: 3,
                method: Method::Bye
            }
            .to_string(),
            "3 BYE"
        );
    }
}
