//! SIP, SIPS and tel URIs (RFC 3261 §19.1, RFC 3966), parsed on demand from header text.

use std::fmt;

use crate::error::{ParseError, ParseErrorKind};
use crate::text::{Params, find_param, write_params};

/// A parsed URI. `host` keeps IPv6 brackets (`[2001:db8::1]`) so it can be written back as is.
/// For `tel:` the number is in `user` and `host` is empty; for other schemes the opaque part
/// after the colon is in `host`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uri {
    pub scheme: String,
    pub user: Option<String>,
    pub password: Option<String>,
    pub host: String,
    pub port: Option<u16>,
    pub params: Params,
    pub headers: Vec<(String, String)>,
}

fn bad(why: &str) -> ParseError {
    ParseError::new(ParseErrorKind::Uri, format!("Bad URI: {why}"))
}

/// Whether `s` is a valid URI scheme (`ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`).
pub(crate) fn is_scheme(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
}

/// Splits `;a=b;c` URI parameters (no LWS allowed inside a URI).
fn uri_params(s: &str) -> Result<Params, ParseError> {
    s.split(';')
        .map(|p| {
            let (n, v) = match p.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (p, None),
            };
            if n.is_empty() {
                return Err(bad("empty parameter"));
            }
            Ok((n.to_owned(), v))
        })
        .collect()
}

fn parse_port(s: &str) -> Result<u16, ParseError> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("port is not a number"));
    }
    s.parse().map_err(|_| bad("port out of range"))
}

/// Splits `host[:port]` where host may be a bracketed IPv6 reference.
pub(crate) fn split_hostport(s: &str) -> Result<(String, Option<u16>), ParseError> {
    let (host, port) = if s.starts_with('[') {
        let end = s
            .find(']')
            .ok_or_else(|| bad("unterminated IPv6 reference"))?;
        let inner = &s[1..end];
        if inner.is_empty()
            || !inner
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
        {
            return Err(bad("invalid IPv6 reference"));
        }
        match &s[end + 1..] {
            "" => (&s[..=end], None),
            rest => {
                let p = rest
                    .strip_prefix(':')
                    .ok_or_else(|| bad("junk after IPv6 reference"))?;
                (&s[..=end], Some(parse_port(p)?))
            }
        }
    } else {
        match s.split_once(':') {
            Some((h, p)) => (h, Some(parse_port(p)?)),
            None => (s, None),
        }
    };
    let plain = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '.';
    if host.is_empty() || !(host.starts_with('[') || host.chars().all(plain)) {
        return Err(bad("invalid host"));
    }
    Ok((host.to_owned(), port))
}

fn percent_decode(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

impl Uri {
    pub fn parse(s: &str) -> Result<Uri, ParseError> {
        if s.is_empty() || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("empty or contains whitespace"));
        }
        let (scheme, rest) = s.split_once(':').ok_or_else(|| bad("no scheme"))?;
        if !is_scheme(scheme) {
            return Err(bad("invalid scheme"));
        }
        let lower = scheme.to_ascii_lowercase();
        let mut uri = Uri {
            scheme: scheme.to_owned(),
            user: None,
            password: None,
            host: String::new(),
            port: None,
            params: Vec::new(),
            headers: Vec::new(),
        };
        match lower.as_str() {
            "sip" | "sips" => uri.parse_sip(rest)?,
            "tel" => {
                let (number, params) = rest.split_once(';').unwrap_or((rest, ""));
                if number.is_empty() {
                    return Err(bad("empty telephone number"));
                }
                uri.user = Some(number.to_owned());
                if !params.is_empty() {
                    uri.params = uri_params(params)?;
                }
            }
            _ if rest.is_empty() => return Err(bad("empty opaque part")),
            _ => rest.clone_into(&mut uri.host),
        }
        Ok(uri)
    }

    fn parse_sip(&mut self, rest: &str) -> Result<(), ParseError> {
        // The user part may itself contain '?', '/' and ';' (RFC 4475 intmeth, semiuri), so
        // userinfo ends at the first '@', and headers/params are only looked for after it.
        let (userinfo, hostpart) = match rest.split_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, rest),
        };
        if let Some(ui) = userinfo {
            let (user, password) = match ui.split_once(':') {
                Some((u, p)) => (u, Some(p.to_owned())),
                None => (ui, None),
            };
            if user.is_empty() {
                return Err(bad("empty user"));
            }
            self.user = Some(user.to_owned());
            self.password = password;
        }
        let (before_headers, headers) = match hostpart.split_once('?') {
            Some((b, h)) => (b, Some(h)),
            None => (hostpart, None),
        };
        let (hostport, params) = match before_headers.split_once(';') {
            Some((hp, p)) => (hp, Some(p)),
            None => (before_headers, None),
        };
        (self.host, self.port) = split_hostport(hostport)?;
        if let Some(p) = params {
            self.params = uri_params(p)?;
        }
        if let Some(h) = headers {
            for pair in h.split('&') {
                let (n, v) = pair
                    .split_once('=')
                    .ok_or_else(|| bad("header without '='"))?;
                if n.is_empty() {
                    return Err(bad("empty header name"));
                }
                self.headers.push((n.to_owned(), v.to_owned()));
            }
        }
        Ok(())
    }

    /// The user part with `%XX` escapes resolved (`%00` stays a NUL character, never truncates).
    pub fn user_unescaped(&self) -> Option<String> {
        self.user
            .as_deref()
            .map(|u| String::from_utf8_lossy(&percent_decode(u)).into_owned())
    }

    /// A URI parameter: `Some(None)` for a flag such as `;lr`.
    // Outer None: absent; inner None: a flag parameter such as `;lr` (part of the public API).
    #[allow(clippy::option_option)]
    pub fn param(&self, name: &str) -> Option<Option<&str>> {
        find_param(&self.params, name)
    }

    /// Whether this is a `sip:` or `sips:` URI.
    pub fn is_sip(&self) -> bool {
        self.scheme.eq_ignore_ascii_case("sip") || self.scheme.eq_ignore_ascii_case("sips")
    }

    /// The host and port as `host[:port]`.
    pub fn host_port(&self) -> String {
        match self.port {
            Some(p) => format!("{}:{p}", self.host),
            None => self.host.clone(),
        }
    }
}

impl fmt::Display for Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.scheme)?;
        if let Some(user) = &self.user {
            f.write_str(user)?;
            if let Some(pw) = &self.password {
                write!(f, ":{pw}")?;
            }
            if self.is_sip() {
                f.write_str("@")?;
            }
        }
        f.write_str(&self.host)?;
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        write_params(f, &self.params)?;
        for (i, (n, v)) in self.headers.iter().enumerate() {
            write!(f, "{}{n}={v}", if i == 0 { '?' } else { '&' })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_full_sip_uri() {
        let u = Uri::parse("sips:alice:pw@[2001:db8::10]:5061;transport=tcp;lr?Subject=x&P=y")
            .expect("uri");
        assert_eq!(u.scheme, "sips");
        assert_eq!(u.user.as_deref(), Some("alice"));
        assert_eq!(u.password.as_deref(), Some("pw"));
        assert_eq!(u.host, "[2001:db8::10]");
        assert_eq!(u.port, Some(5061));
        assert_eq!(u.param("TRANSPORT"), Some(Some("tcp")));
        assert_eq!(u.param("lr"), Some(None));
        assert_eq!(u.param("maddr"), None);
        assert_eq!(
            u.headers,
            [("Subject".into(), "x".into()), ("P".into(), "y".into())]
        );
        assert_eq!(
            u.to_string(),
            "sips:alice:pw@[2001:db8::10]:5061;transport=tcp;lr?Subject=x&P=y"
        );
    }

    #[test]
    fn escaped_users_compare_unescaped() {
        let u = Uri::parse("sip:%75se%72@example.com").expect("uri");
        assert_eq!(u.user_unescaped().as_deref(), Some("user"));
        let n = Uri::parse("sip:null-%00-null@example.com").expect("uri");
        assert_eq!(n.user_unescaped().as_deref(), Some("null-\0-null"));
        let s = Uri::parse("sip:user;par=u%40example.net@example.com").expect("uri");
        assert_eq!(s.user.as_deref(), Some("user;par=u%40example.net"));
        assert_eq!(s.host, "example.com");
        assert_eq!(
            Uri::parse("sip:a%2@h")
                .expect("uri")
                .user_unescaped()
                .as_deref(),
            Some("a%2")
        );
    }

    #[test]
    fn tel_and_opaque_schemes() {
        let t = Uri::parse("tel:+8610123;phone-context=example.com").expect("tel");
        assert_eq!(t.user.as_deref(), Some("+8610123"));
        assert_eq!(t.to_string(), "tel:+8610123;phone-context=example.com");
        let o = Uri::parse("soap.beep://192.0.2.103:3002").expect("opaque");
        assert_eq!(o.host, "//192.0.2.103:3002");
        assert_eq!(o.to_string(), "soap.beep://192.0.2.103:3002");
    }

    #[test]
    fn rejects_garbage() {
        for s in [
            "",
            "sip:",
            "sip:user@",
            "sip:a b@c",
            "<sip:a@b>",
            "sip:h:99999",
            "sip:[::1",
            "1x:y",
            "sip:h;;x",
            "sip:@h",
        ] {
            assert!(Uri::parse(s).is_err(), "{s:?} should fail");
        }
    }
}
