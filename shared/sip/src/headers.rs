//! The header section of a message: an ordered list of (name as received, value), with lookup
//! that ignores case and understands the compact forms of RFC 3261 §7.3.3 and its extensions.

use crate::cseq::CSeq;
use crate::name_addr::NameAddr;
use crate::text::{quoted_end, split_outside};
use crate::via::Via;

/// Headers in wire order. Values are stored unfolded and trimmed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(Vec<(String, String)>);

/// The long form of a compact header name; other names are returned unchanged.
pub(crate) fn long_name(name: &str) -> &str {
    if name.len() != 1 {
        return name;
    }
    match name.as_bytes()[0].to_ascii_lowercase() {
        b'v' => "Via",
        b'f' => "From",
        b't' => "To",
        b'i' => "Call-ID",
        b'm' => "Contact",
        b'l' => "Content-Length",
        b'c' => "Content-Type",
        b'k' => "Supported",
        b's' => "Subject",
        b'e' => "Content-Encoding",
        b'o' => "Event",
        b'r' => "Refer-To",
        b'u' => "Allow-Events",
        b'x' => "Session-Expires",
        _ => name,
    }
}

/// Whether two header names denote the same header (case and compact form ignored).
pub(crate) fn same_name(a: &str, b: &str) -> bool {
    long_name(a).eq_ignore_ascii_case(long_name(b))
}

impl Headers {
    pub fn new() -> Self {
        Self::default()
    }

    /// The first value of the header, if any.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| same_name(n, name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of the header in order (one per header line; see [`split_list`] for commas).
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(n, _)| same_name(n, name))
            .map(|(_, v)| v.as_str())
    }

    /// Number of header lines with this name.
    pub fn count(&self, name: &str) -> usize {
        self.0.iter().filter(|(n, _)| same_name(n, name)).count()
    }

    /// Appends a header line.
    pub fn push(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.0.push((name.into(), value.into()));
    }

    /// Replaces every line of the header by one line, at the place of the first (or the end).
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let name = name.into();
        let value = value.into();
        match self.0.iter().position(|(n, _)| same_name(n, &name)) {
            Some(at) => {
                self.0[at] = (name.clone(), value);
                let mut i = 0;
                self.0.retain(|(n, _)| {
                    let keep = i <= at || !same_name(n, &name);
                    i += 1;
                    keep
                });
            }
            None => self.0.push((name, value)),
        }
    }

    /// Removes every line of the header.
    pub fn remove(&mut self, name: &str) {
        self.0.retain(|(n, _)| !same_name(n, name));
    }

    /// All lines as (name as written, value).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The Call-ID value.
    pub fn call_id(&self) -> Option<&str> {
        self.get("Call-ID").map(str::trim).filter(|s| !s.is_empty())
    }

    /// The parsed CSeq, if present and valid.
    pub fn cseq(&self) -> Option<CSeq> {
        self.get("CSeq").and_then(|v| CSeq::parse(v).ok())
    }

    /// The topmost Via entry (the first element of the first Via line), parsed.
    pub fn top_via(&self) -> Option<Via> {
        self.get("Via")
            .and_then(|v| split_list(v).next())
            .and_then(|v| Via::parse(v).ok())
    }

    /// The `tag` parameter of From.
    pub fn from_tag(&self) -> Option<String> {
        self.get("From").and_then(tag_of)
    }

    /// The `tag` parameter of To.
    pub fn to_tag(&self) -> Option<String> {
        self.get("To").and_then(tag_of)
    }
}

/// The tag of a From/To value; falls back to a textual scan when the value does not parse,
/// so that transactions can still be matched for slightly broken peers.
pub(crate) fn tag_of(value: &str) -> Option<String> {
    if let Ok(na) = NameAddr::parse(value) {
        return na.tag().map(str::to_owned);
    }
    let after = value.rfind('>').map_or(value, |i| &value[i..]);
    split_outside(after, b';')
        .into_iter()
        .skip(1)
        .find_map(|p| {
            let (n, v) = p.split_once('=')?;
            n.trim()
                .eq_ignore_ascii_case("tag")
                .then(|| v.trim().to_owned())
        })
}

/// Splits a header value on commas outside quotes and `<...>`, trimmed; empty elements are
/// skipped (`Via: a, b`, `Allow: INVITE, ACK`, option tags).
pub fn split_list(value: &str) -> impl Iterator<Item = &str> {
    SplitList { rest: Some(value) }
}

struct SplitList<'a> {
    rest: Option<&'a str>,
}

impl<'a> Iterator for SplitList<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        loop {
            let s = self.rest?;
            let bytes = s.as_bytes();
            let mut i = 0;
            let mut angle = false;
            let mut cut = None;
            while i < bytes.len() {
                match bytes[i] {
                    b'"' => {
                        i = quoted_end(s, i).unwrap_or(bytes.len());
                        continue;
                    }
                    b'<' => angle = true,
                    b'>' => angle = false,
                    b',' if !angle => {
                        cut = Some(i);
                        break;
                    }
                    _ => {}
                }
                i += 1;
            }
            let piece = if let Some(at) = cut {
                self.rest = Some(&s[at + 1..]);
                &s[..at]
            } else {
                self.rest = None;
                s
            };
            let piece = piece.trim();
            if !piece.is_empty() {
                return Some(piece);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_forms_and_case_are_the_same_header() {
        let mut h = Headers::new();
        h.push("v", "SIP/2.0/UDP a");
        h.push("VIA", "SIP/2.0/UDP b");
        h.push("i", "abc");
        h.push("l", "0");
        h.push("X", "x-header-is-not-compact");
        assert_eq!(h.count("Via"), 2);
        assert_eq!(h.get("call-id"), Some("abc"));
        assert_eq!(h.get("Content-Length"), Some("0"));
        assert_eq!(h.get("L"), Some("0"));
        assert_eq!(h.get("x"), Some("x-header-is-not-compact"));
        assert_eq!(
            h.get_all("v").collect::<Vec<_>>(),
            ["SIP/2.0/UDP a", "SIP/2.0/UDP b"]
        );
    }

    #[test]
    fn set_replaces_all_in_place_and_remove_removes_all() {
        let mut h = Headers::new();
        h.push("A", "1");
        h.push("Via", "x");
        h.push("B", "2");
        h.push("v", "y");
        h.set("VIA", "z");
        assert_eq!(
            h.iter().collect::<Vec<_>>(),
            [("A", "1"), ("VIA", "z"), ("B", "2")]
        );
        h.remove("via");
        assert_eq!(h.len(), 2);
        h.set("C", "3");
        assert_eq!(h.get("c"), Some("3"));
    }

    #[test]
    fn split_list_handles_quotes_brackets_and_empties() {
        let v = r#""Doe, J" <sip:a@b;x=1,2>, <sip:c@d> ,, INVITE"#;
        assert_eq!(
            split_list(v).collect::<Vec<_>>(),
            [r#""Doe, J" <sip:a@b;x=1,2>"#, "<sip:c@d>", "INVITE"]
        );
        assert_eq!(split_list("").count(), 0);
    }

    #[test]
    fn tags_are_found_even_in_unparsable_values() {
        assert_eq!(tag_of("<sip:a@b>;tag=x1").as_deref(), Some("x1"));
        assert_eq!(tag_of("Bell, A <sip:a@b>;tag=43").as_deref(), Some("43"));
        assert_eq!(tag_of("sip:a@b"), None);
    }
}
