//! Ticket numbers (`12345-20261123-000042`: profile, local date, daily sequence) and the
//! six-digit PIN a citizen uses to query a ticket's status.
//!
//! The sequence and the random number come from the caller (the store owns the counter, the
//! server the random source), so this stays deterministic.

use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;

use super::error::NumberError;

/// The highest daily sequence that fits six digits.
pub const MAX_SEQUENCE: u32 = 999_999;

/// A parsed ticket number.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TicketNumber {
    /// The hotline profile, e.g. `12345`, `12315`.
    pub profile: String,
    pub date: Date,
    pub sequence: u32,
}

impl TicketNumber {
    pub fn new(profile: &str, date: Date, sequence: u32) -> Result<Self, NumberError> {
        if profile.is_empty()
            || profile.len() > 16
            || !profile.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(NumberError::Profile(profile.to_owned()));
        }
        if !(1..=MAX_SEQUENCE).contains(&sequence) {
            return Err(NumberError::Sequence(sequence));
        }
        Ok(Self {
            profile: profile.to_owned(),
            date,
            sequence,
        })
    }
}

impl fmt::Display for TicketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{:04}{:02}{:02}-{:06}",
            self.profile,
            self.date.year(),
            self.date.month(),
            self.date.day(),
            self.sequence
        )
    }
}

impl FromStr for TicketNumber {
    type Err = NumberError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || NumberError::Format(s.to_owned());
        let mut parts = s.split('-');
        let (Some(profile), Some(day), Some(seq), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        if day.len() != 8
            || seq.len() != 6
            || !day.bytes().chain(seq.bytes()).all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let num = |r: std::ops::Range<usize>| day[r].parse::<i16>().map_err(|_| bad());
        let date = Date::new(num(0..4)?, num(4..6)? as i8, num(6..8)? as i8).map_err(|_| bad())?;
        let sequence = seq.parse().map_err(|_| bad())?;
        Self::new(profile, date, sequence)
    }
}

/// A six-digit PIN; leading zeros are part of it (`004217`).
#[derive(Clone, PartialEq, Eq)]
pub struct Pin([u8; 6]);

impl Pin {
    /// From a random `u32` (modulo 10⁶; the bias of about 0.02 % is harmless for a PIN that
    /// also needs the ticket number).
    pub fn from_random(random: u32) -> Self {
        let mut n = random % 1_000_000;
        let mut digits = [b'0'; 6];
        for d in digits.iter_mut().rev() {
            *d = b'0' + (n % 10) as u8;
            n /= 10;
        }
        Self(digits)
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("")
    }

    /// Compares with what the citizen typed in time independent of where they differ, so the
    /// response time does not leak digits. A wrong length is simply a mismatch.
    pub fn matches(&self, given: &str) -> bool {
        let given = given.as_bytes();
        let mut diff = u8::from(given.len() != self.0.len());
        for (i, want) in self.0.iter().enumerate() {
            let got = given.get(i).copied().unwrap_or(0);
            diff |= want ^ got;
        }
        std::hint::black_box(diff) == 0
    }
}

/// Keeps PINs out of logs.
impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pin(******)")
    }
}

impl fmt::Display for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Pin {
    type Err = NumberError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bytes: [u8; 6] = s
            .as_bytes()
            .try_into()
            .map_err(|_| NumberError::Format(s.to_owned()))?;
        if !bytes.iter().all(u8::is_ascii_digit) {
            return Err(NumberError::Format(s.to_owned()));
        }
        Ok(Self(bytes))
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn numbers_format_and_parse() {
        let n = TicketNumber::new("12345", date(2026, 11, 23), 42).unwrap();
        assert_eq!(n.to_string(), "12345-20261123-000042");
        assert_eq!("12345-20261123-000042".parse::<TicketNumber>().unwrap(), n);
        let last = TicketNumber::new("12315", date(2026, 1, 2), MAX_SEQUENCE).unwrap();
        assert_eq!(last.to_string(), "12315-20260102-999999");
        assert!(TicketNumber::new("12345", date(2026, 1, 2), 0).is_err());
        assert!(TicketNumber::new("12345", date(2026, 1, 2), 1_000_000).is_err());
        assert!(TicketNumber::new("12-345", date(2026, 1, 2), 1).is_err());
        assert!(TicketNumber::new("", date(2026, 1, 2), 1).is_err());
        for bad in [
            "12345-2026112-000042",
            "12345-20261323-000042",
            "12345-20261123-42",
            "12345-20261123-000042-1",
            "12345-2026112x-000042",
            "12345-20261123-+00042",
            "",
        ] {
            assert!(bad.parse::<TicketNumber>().is_err(), "{bad}");
        }
    }

    #[test]
    fn pins_keep_leading_zeros_and_compare_exactly() {
        assert_eq!(Pin::from_random(4217).to_string(), "004217");
        assert_eq!(Pin::from_random(0).to_string(), "000000");
        assert_eq!(Pin::from_random(u32::MAX).to_string(), "967295");
        assert_eq!(Pin::from_random(1_000_000).to_string(), "000000");
        let pin = Pin::from_random(4217);
        assert!(pin.matches("004217"));
        assert!(!pin.matches("4217"));
        assert!(!pin.matches("004218"));
        assert!(!pin.matches("0042170"));
        assert!(!pin.matches(""));
        assert_eq!("004217".parse::<Pin>().unwrap(), pin);
        assert!("00421a".parse::<Pin>().is_err());
        assert!("04217".parse::<Pin>().is_err());
        assert_eq!(format!("{pin:?}"), "Pin(******)");
    }
}
