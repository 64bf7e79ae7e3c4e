//! Caller and dialled numbers: where they come from in a request and how they are normalised.
//!
//! Carriers in mainland China send numbers in several shapes (`+8613800138000`,
//! `008613800138000`, `8613800138000`, `13800138000`, `01012345678`, `12345`); the records keep a
//! national form for people and an E.164 form for machines.

use hotline_sip::{NameAddr, Request, Uri};

/// A number as received, in national form, and in E.164 form when it is a full number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Number {
    pub national: String,
    pub e164: Option<String>,
}

/// Normalises a dialled or calling number (digits, `+`, separators) for country code 86.
pub fn normalise(raw: &str) -> Number {
    let plus = raw.trim_start().starts_with('+');
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        // "anonymous", "restricted" and the like: keep the word, it is all there is.
        return Number {
            national: raw.trim().to_owned(),
            e164: None,
        };
    }
    let rest = if plus {
        digits.strip_prefix("86").map(str::to_owned)
    } else if let Some(r) = digits.strip_prefix("0086") {
        Some(r.to_owned())
    } else if digits.len() == 13 && digits.starts_with("861") {
        // 86 + an 11-digit mobile number, without the plus.
        Some(digits[2..].to_owned())
    } else {
        None
    };
    let national_digits = match rest {
        Some(r) if r.starts_with('1') && r.len() == 11 => r,
        // Fixed lines are dialled nationally with the trunk prefix 0.
        Some(r) if !r.is_empty() => format!("0{r}"),
        Some(_) => digits.clone(),
        None => digits.clone(),
    };
    if plus && !digits.starts_with("86") {
        // A foreign number: keep it as E.164 only.
        return Number {
            national: format!("+{digits}"),
            e164: Some(format!("+{digits}")),
        };
    }
    let e164 = if national_digits.len() == 11 && national_digits.starts_with('1') {
        Some(format!("+86{national_digits}"))
    } else if national_digits.len() >= 10 && national_digits.starts_with('0') {
        Some(format!("+86{}", &national_digits[1..]))
    } else {
        None
    };
    Number {
        national: national_digits,
        e164,
    }
}

fn user_of(uri: &str) -> Option<String> {
    let uri = Uri::parse(uri).ok()?;
    if uri.scheme.eq_ignore_ascii_case("tel") {
        // tel:12365;phone-context=… keeps the number in the user part.
        return uri.user.or(Some(uri.host)).filter(|u| !u.is_empty());
    }
    uri.user_unescaped()
        .map(|u| u.split(';').next().unwrap_or_default().to_owned())
}

/// The caller: P-Asserted-Identity first (the carrier's word), then From.
pub fn caller_of(req: &Request) -> Number {
    let from_header = |name: &str| {
        req.headers
            .get(name)
            .and_then(|v| hotline_sip::split_list(v).next().map(str::to_owned))
            .and_then(|v| NameAddr::parse(&v).ok())
            .and_then(|na| user_of(&na.uri))
    };
    let raw = from_header("P-Asserted-Identity")
        .or_else(|| from_header("From"))
        .unwrap_or_default();
    normalise(&raw)
}

/// The dialled number (DNIS): the Request-URI user, else the To user.
pub fn dnis_of(req: &Request) -> Number {
    let raw = user_of(&req.uri)
        .filter(|u| !u.is_empty())
        .or_else(|| {
            req.headers
                .get("To")
                .and_then(|v| NameAddr::parse(v).ok())
                .and_then(|na| user_of(&na.uri))
        })
        .unwrap_or_default();
    normalise(&raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobile_numbers_in_every_shape() {
        for raw in [
            "13800138000",
            "+8613800138000",
            "008613800138000",
            "8613800138000",
            "+86 138-0013-8000",
        ] {
            let n = normalise(raw);
            assert_eq!(n.national, "13800138000", "{raw}");
            assert_eq!(n.e164.as_deref(), Some("+8613800138000"), "{raw}");
        }
    }

    #[test]
    fn fixed_lines_and_service_numbers() {
        let n = normalise("+861012345678");
        assert_eq!(n.national, "01012345678");
        assert_eq!(n.e164.as_deref(), Some("+861012345678"));
        let n = normalise("02087654321");
        assert_eq!(n.e164.as_deref(), Some("+862087654321"));
        let n = normalise("12345");
        assert_eq!(n.national, "12345");
        assert_eq!(n.e164, None);
        assert_eq!(normalise("anonymous").national, "anonymous");
        let n = normalise("+14155550100");
        assert_eq!(n.e164.as_deref(), Some("+14155550100"));
    }

    #[test]
    fn caller_prefers_p_asserted_identity() {
        let mut req = Request::new(hotline_sip::Method::Invite, "sip:12315@10.0.0.1");
        req.headers
            .push("From", "\"anon\" <sip:anonymous@carrier.example>;tag=1");
        req.headers.push(
            "P-Asserted-Identity",
            "<sip:+8613912345678@carrier.example>",
        );
        req.headers.push("To", "<sip:12315@10.0.0.1>");
        assert_eq!(caller_of(&req).national, "13912345678");
        assert_eq!(dnis_of(&req).national, "12315");
    }

    #[test]
    fn dnis_falls_back_to_to() {
        let mut req = Request::new(hotline_sip::Method::Invite, "sip:10.0.0.1");
        req.headers.push("To", "<tel:12365>");
        assert_eq!(dnis_of(&req).national, "12365");
    }
}
