//! HTTP Digest authentication for SIP (RFC 2617, RFC 3261 §22, MD5 subset of RFC 7616):
//! answering a challenge (outbound registration) and checking credentials (server side).

use std::fmt::Write as _;

use md5::{Digest, Md5};

use crate::error::{ParseError, ParseErrorKind};
use crate::text::{quote, quoted_end, split_outside, unquote};

/// A parsed `WWW-Authenticate` / `Proxy-Authenticate` Digest challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub realm: String,
    pub nonce: String,
    pub opaque: Option<String>,
    pub algorithm: Option<String>,
    /// Offered qop values (`auth`, `auth-int`), lower-cased.
    pub qop: Vec<String>,
    pub stale: bool,
}

fn bad(why: &str) -> ParseError {
    ParseError::new(ParseErrorKind::Auth, format!("Bad digest: {why}"))
}

/// Splits `Digest a=b, c="d"` into lower-cased names and unquoted values.
fn digest_params(value: &str) -> Result<Vec<(String, String)>, ParseError> {
    let value = value.trim_start();
    let (scheme, rest) = value.split_at(value.find(char::is_whitespace).unwrap_or(value.len()));
    if !scheme.eq_ignore_ascii_case("Digest") {
        return Err(bad("scheme is not Digest"));
    }
    let mut out = Vec::new();
    for piece in split_outside(rest, b',') {
        let piece = piece.trim();
        if piece.is_empty() {
            continue;
        }
        let (name, v) = piece
            .split_once('=')
            .ok_or_else(|| bad("parameter without '='"))?;
        let v = v.trim();
        let v = if v.starts_with('"') {
            if quoted_end(v, 0) != Some(v.len()) {
                return Err(bad("unterminated quoted value"));
            }
            unquote(v)
        } else {
            v.to_owned()
        };
        out.push((name.trim().to_ascii_lowercase(), v));
    }
    Ok(out)
}

fn get<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

impl Challenge {
    pub fn parse(www_authenticate: &str) -> Result<Challenge, ParseError> {
        let p = digest_params(www_authenticate)?;
        Ok(Challenge {
            realm: get(&p, "realm").ok_or_else(|| bad("no realm"))?.to_owned(),
            nonce: get(&p, "nonce").ok_or_else(|| bad("no nonce"))?.to_owned(),
            opaque: get(&p, "opaque").map(str::to_owned),
            algorithm: get(&p, "algorithm").map(str::to_owned),
            qop: get(&p, "qop")
                .map(|q| {
                    q.split(',')
                        .map(|s| s.trim().to_ascii_lowercase())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            stale: get(&p, "stale").is_some_and(|s| s.eq_ignore_ascii_case("true")),
        })
    }

    /// Whether [`authorization`] can answer this challenge (MD5 or MD5-sess only).
    pub fn is_supported(&self) -> bool {
        self.algorithm
            .as_deref()
            .is_none_or(|a| a.eq_ignore_ascii_case("MD5") || a.eq_ignore_ascii_case("MD5-sess"))
    }

    fn is_sess(&self) -> bool {
        self.algorithm
            .as_deref()
            .is_some_and(|a| a.eq_ignore_ascii_case("MD5-sess"))
    }
}

fn md5_hex(text: &str) -> String {
    format!("{:x}", Md5::digest(text.as_bytes()))
}

/// The request-digest of RFC 2617 §3.2.2.1 for `qop=auth` (with `nc`/`cnonce`) or no qop.
#[allow(clippy::too_many_arguments)]
fn response_digest(
    ha1_base: &str,
    sess: bool,
    nonce: &str,
    cnonce: &str,
    qop: Option<(&str, &str)>,
    method: &str,
    uri: &str,
) -> String {
    let ha1 = if sess {
        md5_hex(&format!("{ha1_base}:{nonce}:{cnonce}"))
    } else {
        ha1_base.to_owned()
    };
    let ha2 = md5_hex(&format!("{method}:{uri}"));
    match qop {
        Some((qop, nc)) => md5_hex(&format!("{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}")),
        None => md5_hex(&format!("{ha1}:{nonce}:{ha2}")),
    }
}

/// The full `Authorization` (or `Proxy-Authorization`) value answering `ch`.
/// Uses `qop=auth` when offered; `nc` is the count of requests sent with this nonce.
/// Answers as MD5 whatever the algorithm: check [`Challenge::is_supported`] first.
pub fn authorization(
    ch: &Challenge,
    username: &str,
    password: &str,
    method: &str,
    uri: &str,
    cnonce: &str,
    nc: u32,
) -> String {
    let ha1 = md5_hex(&format!("{username}:{}:{password}", ch.realm));
    let nc_text = format!("{nc:08x}");
    let qop = ch
        .qop
        .iter()
        .any(|q| q == "auth")
        .then_some(("auth", nc_text.as_str()));
    let response = response_digest(&ha1, ch.is_sess(), &ch.nonce, cnonce, qop, method, uri);
    let mut out = format!(
        "Digest username={}, realm={}, nonce={}, uri={}, response=\"{response}\"",
        quote(username),
        quote(&ch.realm),
        quote(&ch.nonce),
        quote(uri)
    );
    if let Some(alg) = &ch.algorithm {
        let _ = write!(out, ", algorithm={alg}");
    }
    if qop.is_some() || ch.is_sess() {
        let _ = write!(out, ", cnonce={}", quote(cnonce));
    }
    if let Some(opaque) = &ch.opaque {
        let _ = write!(out, ", opaque={}", quote(opaque));
    }
    if qop.is_some() {
        let _ = write!(out, ", qop=auth, nc={nc_text}");
    }
    out
}

/// Checks an `Authorization` value for `realm` and `method`. `password_lookup` maps a user
/// name to its password. Nonce freshness and replay (nc) are the caller's business: take the
/// nonce from the header and check it against what was issued.
pub fn verify(
    authorization_value: &str,
    realm: &str,
    password_lookup: impl Fn(&str) -> Option<String>,
    method: &str,
) -> bool {
    let Ok(p) = digest_params(authorization_value) else {
        return false;
    };
    let (Some(user), Some(r), Some(nonce), Some(uri), Some(given)) = (
        get(&p, "username"),
        get(&p, "realm"),
        get(&p, "nonce"),
        get(&p, "uri"),
        get(&p, "response"),
    ) else {
        return false;
    };
    let alg = get(&p, "algorithm").unwrap_or("MD5");
    let sess = alg.eq_ignore_ascii_case("MD5-sess");
    if r != realm || !(sess || alg.eq_ignore_ascii_case("MD5")) {
        return false;
    }
    let Some(password) = password_lookup(user) else {
        return false;
    };
    let cnonce = get(&p, "cnonce").unwrap_or_default();
    let qop = match get(&p, "qop") {
        None => None,
        Some(q) if q.eq_ignore_ascii_case("auth") => match get(&p, "nc") {
            Some(nc) => Some(("auth", nc)),
            None => return false,
        },
        Some(_) => return false,
    };
    let ha1 = md5_hex(&format!("{user}:{realm}:{password}"));
    let expected = response_digest(&ha1, sess, nonce, cnonce, qop, method, uri);
    // Constant-time comparison: do not leak how many leading characters matched.
    let given = given.to_ascii_lowercase();
    expected.len() == given.len()
        && expected
            .bytes()
            .zip(given.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// The value of a named parameter of a Digest credential (e.g. `nonce`, `username`).
pub fn credential_param(authorization_value: &str, name: &str) -> Option<String> {
    let p = digest_params(authorization_value).ok()?;
    get(&p, &name.to_ascii_lowercase()).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC2617: &str = "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", \
                           nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", \
                           opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"";

    #[test]
    fn parses_a_challenge() {
        let ch = Challenge::parse(RFC2617).expect("challenge");
        assert_eq!(ch.realm, "testrealm@host.com");
        assert_eq!(ch.qop, ["auth", "auth-int"]);
        assert_eq!(
            ch.opaque.as_deref(),
            Some("5ccc069c403ebaf9f0171e9517f40e41")
        );
        assert!(!ch.stale && ch.is_supported());
        let stale =
            Challenge::parse("digest realm=a,nonce=b,stale=TRUE,algorithm=SHA-256").expect("stale");
        assert!(stale.stale && !stale.is_supported());
        assert!(Challenge::parse("Basic realm=\"x\"").is_err());
        assert!(Challenge::parse("Digest nonce=\"x\"").is_err());
        assert!(Challenge::parse("Digest realm=\"x, nonce=y").is_err());
    }

    #[test]
    fn rfc_2617_example_response() {
        let ch = Challenge::parse(RFC2617).expect("challenge");
        let value = authorization(
            &ch,
            "Mufasa",
            "Circle Of Life",
            "GET",
            "/dir/index.html",
            "0a4f113b",
            1,
        );
        assert!(
            value.contains("response=\"6629fae49393a05397450978507c4ef1\""),
            "{value}"
        );
        assert!(value.contains("qop=auth, nc=00000001"));
        assert!(value.contains("cnonce=\"0a4f113b\""));
        assert!(value.contains("opaque=\"5ccc069c403ebaf9f0171e9517f40e41\""));
        let lookup = |u: &str| (u == "Mufasa").then(|| "Circle Of Life".to_owned());
        assert!(verify(&value, "testrealm@host.com", lookup, "GET"));
        assert!(!verify(&value, "testrealm@host.com", lookup, "POST"));
        assert!(!verify(&value, "other", lookup, "GET"));
        assert!(!verify(
            &value,
            "testrealm@host.com",
            |_| Some("wrong".into()),
            "GET"
        ));
        assert_eq!(
            credential_param(&value, "NONCE").as_deref(),
            Some("dcd98b7102dd2f0e8b11d0f600bfb0c093")
        );
    }

    #[test]
    fn no_qop_and_md5_sess() {
        let ch = Challenge::parse("Digest realm=\"r\", nonce=\"n\"").expect("challenge");
        let v = authorization(&ch, "u", "p", "REGISTER", "sip:r", "c", 1);
        assert!(!v.contains("qop") && !v.contains("cnonce"));
        // RFC 2069 style: MD5(HA1:nonce:HA2).
        let ha1 = md5_hex("u:r:p");
        let ha2 = md5_hex("REGISTER:sip:r");
        assert!(v.contains(&md5_hex(&format!("{ha1}:n:{ha2}"))));
        assert!(verify(&v, "r", |_| Some("p".into()), "REGISTER"));
        let sess =
            Challenge::parse("Digest realm=\"r\", nonce=\"n\", algorithm=MD5-sess, qop=\"auth\"")
                .expect("sess");
        let v = authorization(&sess, "u", "p", "REGISTER", "sip:r", "c", 2);
        assert!(v.contains("algorithm=MD5-sess") && v.contains("nc=00000002"));
        assert!(verify(&v, "r", |_| Some("p".into()), "REGISTER"));
    }
}
