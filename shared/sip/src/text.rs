//! Lexical helpers shared by the header parsers (RFC 3261 §25.1): tokens, quoted strings,
//! splitting outside quotes and angle brackets, `;name=value` parameter lists.

use crate::error::{ParseError, ParseErrorKind};

/// A parameter list as written: names keep their case, values keep their quotes.
pub type Params = Vec<(String, Option<String>)>;

pub(crate) fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-.!%*_+`'~".contains(c)
}

pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty() && s.chars().all(is_token_char)
}

/// Byte index just past the closing quote of a quoted string starting at `start` (which must
/// be a `"`), honouring backslash escapes; `None` if it is never closed.
pub(crate) fn quoted_end(s: &str, start: usize) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// The content of a quoted string without quotes and with quoted-pairs resolved.
pub(crate) fn unquote(quoted: &str) -> String {
    let inner = quoted
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(quoted);
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Wraps text in quotes, escaping `"` and `\`.
pub(crate) fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Splits on `sep` wherever it is outside a quoted string and outside `<...>`.
/// Pieces are returned untrimmed; an unterminated quote just runs to the end.
pub(crate) fn split_outside(s: &str, sep: u8) -> Vec<&str> {
    let bytes = s.as_bytes();
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut i = 0;
    let mut angle = false;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i = quoted_end(s, i).unwrap_or(bytes.len());
                continue;
            }
            b'<' => angle = true,
            b'>' => angle = false,
            b if b == sep && !angle => {
                pieces.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    pieces.push(&s[start..]);
    pieces
}

/// Parses `name[=value]` pieces separated by `;` (the text after the first `;`).
/// LWS around `=` is allowed (RFC 3261 `EQUAL = SWS "=" SWS`); empty parameters are errors.
pub(crate) fn parse_params(s: &str) -> Result<Params, ParseError> {
    let bad = |why: &str| ParseError::new(ParseErrorKind::Value, format!("Bad parameter: {why}"));
    let mut params = Vec::new();
    for piece in split_outside(s, b';') {
        let piece = piece.trim();
        if piece.is_empty() {
            return Err(bad("empty"));
        }
        let (name, value) = match piece.split_once('=') {
            Some((n, v)) => (n.trim(), Some(v.trim())),
            None => (piece, None),
        };
        if !is_token(name) {
            return Err(bad("name is not a token"));
        }
        let value = match value {
            None => None,
            Some("") => return Err(bad("empty value")),
            Some(v) if v.starts_with('"') => {
                if quoted_end(v, 0) != Some(v.len()) {
                    return Err(bad("unterminated quoted value"));
                }
                Some(v.to_owned())
            }
            Some(v) if v.chars().any(char::is_whitespace) => return Err(bad("space in value")),
            Some(v) => Some(v.to_owned()),
        };
        params.push((name.to_owned(), value));
    }
    Ok(params)
}

/// Case-insensitive parameter lookup: `Some(None)` for a flag parameter such as `;lr`.
#[allow(clippy::option_option)]
pub(crate) fn find_param<'a>(params: &'a Params, name: &str) -> Option<Option<&'a str>> {
    params
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_deref())
}

/// Writes `;name[=value]` for every parameter.
pub(crate) fn write_params(f: &mut std::fmt::Formatter<'_>, params: &Params) -> std::fmt::Result {
    for (name, value) in params {
        match value {
            Some(v) => write!(f, ";{name}={v}")?,
            None => write!(f, ";{name}")?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_round_trips() {
        let q = quote(r#"J "R" \x"#);
        assert_eq!(q, r#""J \"R\" \\x""#);
        assert_eq!(unquote(&q), r#"J "R" \x"#);
        assert_eq!(quoted_end(r#""a\"b" c"#, 0), Some(6));
        assert_eq!(quoted_end(r#""open"#, 0), None);
    }

    #[test]
    fn params_allow_lws_and_reject_empties() {
        let p = parse_params(" newparam = newvalue ; secondparam ; q = 0.33").expect("params");
        assert_eq!(p[0], ("newparam".into(), Some("newvalue".into())));
        assert_eq!(p[1], ("secondparam".into(), None));
        assert_eq!(find_param(&p, "Q"), Some(Some("0.33")));
        assert!(parse_params(";").is_err());
        assert!(parse_params("a=").is_err());
        assert!(parse_params("a=\"open").is_err());
    }

    #[test]
    fn split_respects_quotes_and_angles() {
        let parts = split_outside(r#""a,b" <sip:x;y>, c"#, b',');
        assert_eq!(parts, vec![r#""a,b" <sip:x;y>"#, " c"]);
    }
}
