//! Our side of an outbound INVITE (RFC 3261 §13.2): the INVITE (again with digest credentials
//! after a 401/407), its CANCEL, the ACK for a 2xx, and the dialog the 2xx sets up.

use std::net::SocketAddr;

use hotline_sip::{Challenge, Method, NameAddr, Request, Response};

use crate::calls::dialog::Dialog;
use crate::sip::transport::Link;

/// Credentials to answer a challenge with.
pub(super) struct Credentials<'a> {
    pub challenge: &'a Challenge,
    /// 407 from a proxy (`Proxy-Authorization`) rather than 401.
    pub proxy: bool,
    pub username: &'a str,
    pub password: &'a str,
}

pub(super) struct Uac {
    pub call_id: String,
    pub from_tag: String,
    /// Our From without its tag: `<sip:caller_id@domain>`.
    pub from_uri: String,
    /// `<sip:number@domain>`.
    pub to_uri: String,
    /// `sip:number@gateway`.
    pub request_uri: String,
    pub local_sip: SocketAddr,
    pub user_agent: String,
    pub sdp: String,
    pub cseq: u32,
    /// The branch of the INVITE last sent, which its CANCEL must share.
    branch: String,
    nonce_count: u32,
}

impl Uac {
    pub fn new(
        call_id: String,
        (caller_id, number): (&str, &str),
        (domain, gateway): (&str, &str),
        local_sip: SocketAddr,
        user_agent: &str,
        sdp: String,
    ) -> Uac {
        Uac {
            call_id,
            from_tag: hotline_sip::new_tag(),
            from_uri: format!("<sip:{caller_id}@{domain}>"),
            to_uri: format!("<sip:{number}@{domain}>"),
            request_uri: format!("sip:{number}@{gateway}"),
            local_sip,
            user_agent: user_agent.to_owned(),
            sdp,
            cseq: rand::random::<u16>().into(),
            branch: String::new(),
            nonce_count: 0,
        }
    }

    fn base(&self, method: &Method, branch: &str, cseq: u32) -> Request {
        let mut r = Request::new(method.clone(), self.request_uri.clone());
        r.headers.push(
            "Via",
            format!("SIP/2.0/UDP {};branch={branch};rport", self.local_sip),
        );
        r.headers.push("Max-Forwards", "70");
        r.headers
            .push("From", format!("{};tag={}", self.from_uri, self.from_tag));
        r.headers.push("To", self.to_uri.clone());
        r.headers.push("Call-ID", self.call_id.clone());
        r.headers
            .push("CSeq", format!("{cseq} {}", method.as_str()));
        r
    }

    /// A new INVITE (new branch, next CSeq), with credentials after a challenge.
    pub fn invite(&mut self, auth: Option<&Credentials<'_>>) -> Request {
        self.cseq += 1;
        self.branch = hotline_sip::new_branch();
        let mut r = self.base(&Method::Invite, &self.branch, self.cseq);
        r.headers.push("Contact", self.contact());
        r.headers.push("Allow", crate::sip::core::allow_header());
        r.headers.push("User-Agent", self.user_agent.clone());
        if let Some(c) = auth {
            self.nonce_count += 1;
            let value = hotline_sip::authorization(
                c.challenge,
                c.username,
                c.password,
                "INVITE",
                &self.request_uri,
                &hotline_sip::new_tag(),
                self.nonce_count,
            );
            let header = if c.proxy {
                "Proxy-Authorization"
            } else {
                "Authorization"
            };
            r.headers.push(header, value);
        }
        r.headers.push("Content-Type", "application/sdp");
        r.body = self.sdp.as_bytes().to_vec();
        r
    }

    /// CANCEL for the INVITE last sent (same branch and CSeq number, §9.1).
    pub fn cancel(&self) -> Request {
        let mut r = self.base(&Method::Cancel, &self.branch, self.cseq);
        r.headers.push("User-Agent", self.user_agent.clone());
        r
    }

    fn contact(&self) -> String {
        format!("<sip:hotline@{}>", self.local_sip)
    }

    /// The dialog a 2xx to our INVITE set up: their To (with tag) is the remote party, their
    /// Contact the target of our BYE; requests still go through the trunk (`dest`).
    pub fn dialog(&self, ok: &Response, dest: SocketAddr) -> Dialog {
        let remote_target = ok
            .headers
            .get("Contact")
            .and_then(|c| NameAddr::parse(c).ok())
            .map_or_else(|| self.request_uri.clone(), |na| na.uri);
        Dialog {
            call_id: self.call_id.clone(),
            local_tag: self.from_tag.clone(),
            remote_uri: ok.headers.get("To").unwrap_or_default().to_owned(),
            local_uri: self.from_uri.clone(),
            remote_target,
            local_contact: self.contact(),
            local_cseq: self.cseq,
            link: Link::Udp,
            dest,
            local_sip: self.local_sip,
            user_agent: self.user_agent.clone(),
        }
    }

    /// The ACK for a 2xx (§13.2.2.4): a request of the dialog with the INVITE's CSeq number.
    pub fn ack(&self, dialog: &Dialog) -> Request {
        let mut r = Request::new(Method::Ack, dialog.remote_target.clone());
        r.headers.push(
            "Via",
            format!(
                "SIP/2.0/UDP {};branch={};rport",
                self.local_sip,
                hotline_sip::new_branch()
            ),
        );
        r.headers.push("Max-Forwards", "70");
        r.headers
            .push("From", format!("{};tag={}", self.from_uri, self.from_tag));
        r.headers.push("To", dialog.remote_uri.clone());
        r.headers.push("Call-ID", self.call_id.clone());
        r.headers.push("CSeq", format!("{} ACK", self.cseq));
        r.headers.push("User-Agent", self.user_agent.clone());
        r
    }
}

/// The challenge in a 401/407, if it can be answered.
pub(super) fn challenge_of(resp: &Response) -> Option<(Challenge, bool)> {
    let proxy = resp.code == 407;
    let header = if proxy {
        "Proxy-Authenticate"
    } else {
        "WWW-Authenticate"
    };
    let ch = Challenge::parse(resp.headers.get(header)?).ok()?;
    Some((ch, proxy))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uac() -> Uac {
        Uac::new(
            "abc@hotline".into(),
            ("12345", "13812345678"),
            ("carrier.test", "10.0.0.9:5060"),
            "10.0.0.1:5060".parse().expect("addr"),
            "Hotline",
            "v=0\r\n".into(),
        )
    }

    #[test]
    fn cancel_shares_the_invites_branch_and_cseq() {
        let mut u = uac();
        let invite = u.invite(None);
        let cancel = u.cancel();
        assert_eq!(invite.uri, "sip:13812345678@10.0.0.9:5060");
        assert_eq!(invite.headers.get("Via"), cancel.headers.get("Via"));
        let seq = |r: &Request| r.cseq().map(|c| c.seq);
        assert_eq!(seq(&invite), seq(&cancel));
        assert_eq!(cancel.method, Method::Cancel);
        assert_eq!(invite.headers.get("Content-Type"), Some("application/sdp"));
        // A retry after a challenge is a new transaction.
        let again = u.invite(None);
        assert_ne!(invite.headers.get("Via"), again.headers.get("Via"));
        assert_eq!(seq(&again), seq(&invite).map(|s| s + 1));
    }

    #[test]
    fn the_2xx_sets_up_the_dialog_and_its_ack() {
        let mut u = uac();
        let invite = u.invite(None);
        let mut ok = hotline_sip::response_to(&invite, 200, "OK", Some("callee1"));
        ok.headers.push("Contact", "<sip:phone@10.0.0.7:5070>");
        let dialog = u.dialog(&ok, "10.0.0.9:5060".parse().expect("addr"));
        assert_eq!(dialog.remote_target, "sip:phone@10.0.0.7:5070");
        assert!(dialog.remote_uri.contains("tag=callee1"));
        let ack = u.ack(&dialog);
        assert_eq!(ack.uri, "sip:phone@10.0.0.7:5070");
        assert_eq!(ack.cseq().map(|c| c.seq), invite.cseq().map(|c| c.seq));
        assert!(
            ack.headers
                .get("To")
                .unwrap_or_default()
                .contains("tag=callee1")
        );
    }
}
