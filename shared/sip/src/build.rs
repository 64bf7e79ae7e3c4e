//! Building responses and fresh identifiers (branches, tags, Call-IDs).

use rand::Rng;
use rand::distr::Alphanumeric;

use crate::headers::tag_of;
use crate::message::{Request, Response};

/// The RFC 3261 branch cookie (§8.1.1.7).
pub const BRANCH_MAGIC: &str = "z9hG4bK";

fn random_text(len: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// A response to `req` (RFC 3261 §8.2.6.2): every Via in order, From, To, Call-ID and CSeq
/// copied; `to_tag` is added to To unless To already carries a tag (an in-dialog request).
pub fn response_to(req: &Request, code: u16, reason: &str, to_tag: Option<&str>) -> Response {
    let mut resp = Response::new(code, reason);
    let h = &req.headers;
    for via in h.get_all("Via") {
        resp.headers.push("Via", via);
    }
    if let Some(from) = h.get("From") {
        resp.headers.push("From", from);
    }
    if let Some(to) = h.get("To") {
        match to_tag {
            Some(tag) if tag_of(to).is_none() => resp.headers.push("To", format!("{to};tag={tag}")),
            _ => resp.headers.push("To", to),
        }
    }
    if let Some(call_id) = h.get("Call-ID") {
        resp.headers.push("Call-ID", call_id);
    }
    if let Some(cseq) = h.get("CSeq") {
        resp.headers.push("CSeq", cseq);
    }
    resp
}

/// A new Via branch: the magic cookie plus 16 random alphanumerics.
pub fn new_branch() -> String {
    format!("{BRANCH_MAGIC}{}", random_text(16))
}

/// A new From/To tag (10 random alphanumerics, RFC 3261 §19.3 asks for 32 bits of randomness).
pub fn new_tag() -> String {
    random_text(10)
}

/// A new Call-ID, `random@host` (RFC 3261 §8.1.1.4).
pub fn new_call_id(host: &str) -> String {
    let local = random_text(20);
    if host.is_empty() {
        local
    } else {
        format!("{local}@{host}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Method;

    fn invite() -> Request {
        let mut r = Request::new(Method::Invite, "sip:12345@example.com");
        r.headers.push(
            "Via",
            "SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2",
        );
        r.headers.push("v", "SIP/2.0/UDP c;branch=z9hG4bK3");
        r.headers.push("f", "<sip:caller@x>;tag=ft");
        r.headers.push("t", "<sip:12345@example.com>");
        r.headers.push("i", "cid");
        r.headers.push("CSeq", "1 INVITE");
        r.headers.push("Max-Forwards", "70");
        r
    }

    #[test]
    fn copies_the_right_headers_and_adds_a_tag() {
        let resp = response_to(&invite(), 180, "Ringing", Some("tt"));
        let vias: Vec<_> = resp.headers.get_all("Via").collect();
        assert_eq!(
            vias,
            [
                "SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2",
                "SIP/2.0/UDP c;branch=z9hG4bK3"
            ]
        );
        assert_eq!(
            resp.headers.get("To"),
            Some("<sip:12345@example.com>;tag=tt")
        );
        assert_eq!(resp.to_tag().as_deref(), Some("tt"));
        assert_eq!(resp.from_tag().as_deref(), Some("ft"));
        assert_eq!(resp.call_id(), Some("cid"));
        assert_eq!(resp.cseq().map(|c| c.seq), Some(1));
        assert_eq!(resp.headers.count("Max-Forwards"), 0);
        let mut in_dialog = invite();
        in_dialog
            .headers
            .set("To", "<sip:12345@example.com>;tag=old");
        assert_eq!(
            response_to(&in_dialog, 200, "OK", Some("new"))
                .to_tag()
                .as_deref(),
            Some("old")
        );
        assert_eq!(response_to(&invite(), 100, "Trying", None).to_tag(), None);
    }

    #[test]
    fn identifiers_are_fresh() {
        let b = new_branch();
        assert!(b.starts_with(BRANCH_MAGIC) && b.len() == 23);
        assert_ne!(new_branch(), b);
        assert_ne!(new_tag(), new_tag());
        assert!(new_call_id("10.0.0.1").ends_with("@10.0.0.1"));
    }
}
