//! name-addr / addr-spec values of From, To, Contact, Route (RFC 3261 §20.10, §25.1).

use std::fmt;

use crate::error::{ParseError, ParseErrorKind};
use crate::text::{
    Params, find_param, is_token, parse_params, quote, quoted_end, unquote, write_params,
};
use crate::uri::is_scheme;

/// `[display] <uri> *(;param)` or `uri *(;param)`. The URI is kept as text (any scheme is
/// legal here, RFC 4475 unksm2); parse it with [`crate::Uri::parse`] when needed.
/// `display` is unquoted; header parameters keep their quotes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameAddr {
    pub display: Option<String>,
    pub uri: String,
    pub params: Params,
}

fn bad(why: &str) -> ParseError {
    ParseError::new(ParseErrorKind::Value, format!("Bad name-addr: {why}"))
}

/// A URI as it may appear in a header: `scheme:` prefix, no whitespace or control characters.
fn check_uri_text(uri: &str) -> Result<(), ParseError> {
    let scheme = uri
        .split_once(':')
        .map(|(s, _)| s)
        .ok_or_else(|| bad("URI has no scheme"))?;
    if !is_scheme(scheme) || uri.len() == scheme.len() + 1 {
        return Err(bad("URI has no valid scheme"));
    }
    if uri
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
    {
        return Err(bad("whitespace inside URI"));
    }
    Ok(())
}

impl NameAddr {
    pub fn parse(value: &str) -> Result<NameAddr, ParseError> {
        let v = value.trim();
        let (display, rest) = if v.starts_with('"') {
            let end = quoted_end(v, 0).ok_or_else(|| bad("unterminated quoted display name"))?;
            let rest = v[end..].trim_start();
            if !rest.starts_with('<') {
                return Err(bad("quoted display name not followed by <URI>"));
            }
            (Some(unquote(&v[..end])), rest)
        } else if let Some(lt) = v.find('<') {
            let words = v[..lt].trim();
            // An unquoted display name is a sequence of tokens (RFC 4475 baddn has a comma).
            if !words.split_whitespace().all(is_token) {
                return Err(bad("display name is not a token list"));
            }
            let display =
                (!words.is_empty()).then(|| words.split_whitespace().collect::<Vec<_>>().join(" "));
            (display, &v[lt..])
        } else {
            let (uri, params) = match v.split_once(';') {
                Some((u, p)) => (u.trim_end(), Some(p)),
                None => (v, None),
            };
            check_uri_text(uri)?;
            // Without <>, a comma or '?' would be ambiguous with the header syntax (§20).
            if uri.contains(',') || uri.contains('?') {
                return Err(bad("addr-spec with ',' or '?' must be enclosed in <>"));
            }
            let params = params.map(parse_params).transpose()?.unwrap_or_default();
            return Ok(NameAddr {
                display: None,
                uri: uri.to_owned(),
                params,
            });
        };
        let gt = rest.find('>').ok_or_else(|| bad("unterminated <URI>"))?;
        let uri = &rest[1..gt];
        check_uri_text(uri)?;
        let after = rest[gt + 1..].trim_start();
        let params = if after.is_empty() {
            Vec::new()
        } else {
            let p = after
                .strip_prefix(';')
                .ok_or_else(|| bad("junk after <URI>"))?;
            parse_params(p)?
        };
        Ok(NameAddr {
            display,
            uri: uri.to_owned(),
            params,
        })
    }

    /// The `tag` parameter.
    pub fn tag(&self) -> Option<&str> {
        self.param("tag").flatten()
    }

    /// A header parameter: `Some(None)` for a flag.
    // Outer None: absent; inner None: a flag parameter such as `;lr` (part of the public API).
    #[allow(clippy::option_option)]
    pub fn param(&self, name: &str) -> Option<Option<&str>> {
        find_param(&self.params, name)
    }
}

impl fmt::Display for NameAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(d) = &self.display {
            write!(f, "{} ", quote(d))?;
        }
        write!(f, "<{}>", self.uri)?;
        write_params(f, &self.params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms() {
        let a = NameAddr::parse(r#""J Rosenberg \\\""  <sip:jdrosen@example.com> ; tag = 98asjd8"#)
            .expect("quoted");
        assert_eq!(a.display.as_deref(), Some(r#"J Rosenberg \""#));
        assert_eq!(a.uri, "sip:jdrosen@example.com");
        assert_eq!(a.tag(), Some("98asjd8"));
        let b = NameAddr::parse("caller<sip:caller@example.com>;tag=323").expect("no lws");
        assert_eq!(b.display.as_deref(), Some("caller"));
        let c = NameAddr::parse("sip:+1972@gw1.example.net;unknownparam").expect("addr-spec");
        assert_eq!(c.uri, "sip:+1972@gw1.example.net");
        assert_eq!(c.param("unknownparam"), Some(None));
        let d = NameAddr::parse("<sip:+1972@gw1.example.net;unknownparam>").expect("in <>");
        assert!(d.params.is_empty());
        assert!(NameAddr::parse("isbn:2983792873").is_ok());
        assert!(NameAddr::parse("<name:John_Smith>").is_ok());
    }

    #[test]
    fn rejects_the_rfc_4475_bad_ones() {
        assert!(NameAddr::parse(r#""Mr. J. User <sip:j.user@example.com>"#).is_err());
        assert!(NameAddr::parse(r#""Watson, Thomas" < sip:t.watson@example.org >"#).is_err());
        assert!(NameAddr::parse("Bell, Alexander <sip:a.g.bell@example.com>;tag=43").is_err());
        assert!(NameAddr::parse("<sip:a@b>;;;").is_err());
        assert!(NameAddr::parse("").is_err());
    }

    #[test]
    fn display_requotes() {
        let a = NameAddr::parse(r#""A \"B\"" <sip:a@b>;tag=1"#).expect("parse");
        assert_eq!(a.to_string(), r#""A \"B\"" <sip:a@b>;tag=1"#);
        assert_eq!(NameAddr::parse(&a.to_string()).expect("again"), a);
    }
}
