//! Transactions (RFC 3261 §17) as sans-IO state machines: the caller feeds messages and `now`,
//! and sends what comes out. Reliable transports (TCP) get no retransmissions and the
//! shortened wait states the RFC gives them. RFC 6026's Accepted states are used for 2xx to
//! INVITE so that retransmitted INVITEs and 2xx are not mistaken for new ones.

mod client;
mod ok_retransmit;
mod server;

use std::time::Duration;

pub use client::{ClientAction, ClientEvent, ClientTransactions};
pub use ok_retransmit::{InviteOkRetransmitter, OkRetransmit};
pub use server::{ServerAction, ServerEvent, ServerTransactions};

use crate::build::BRANCH_MAGIC;
use crate::message::Request;
use crate::method::Method;

/// RTT estimate (RFC 3261 Table 4 default).
pub const T1: Duration = Duration::from_millis(500);
/// Maximum retransmission interval for non-INVITE requests and INVITE responses.
pub const T2: Duration = Duration::from_secs(4);
/// Maximum time a message stays in the network.
pub const T4: Duration = Duration::from_secs(5);

/// Identifies a transaction. Opaque; equal keys mean the same transaction.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TransactionKey(String);

impl TransactionKey {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether a branch is an RFC 3261 one: the magic cookie and something after it
/// (a bare `z9hG4bK` is treated as RFC 2543, RFC 4475 badbranch).
fn is_3261_branch(branch: &str) -> bool {
    branch.len() > BRANCH_MAGIC.len() && branch.starts_with(BRANCH_MAGIC)
}

/// The server transaction key of `req` as if its method were `method`.
///
/// RFC 3261 §17.2.3: branch + sent-by + method, where ACK matches the INVITE. The Call-ID and
/// CSeq number are added: a true retransmission, its ACK and its CANCEL share them, while a
/// client that reuses a branch for a new request (seen in the wild, and throughout the RFC 4475
/// corpus) gets a fresh transaction instead of another request's cached answer. RFC 2543
/// fallback: Request-URI, From tag, Call-ID, CSeq number, top Via, method. The To tag is left
/// out because the ACK for a non-2xx carries the tag of our response while the INVITE had
/// none; the other fields identify the transaction just as well.
fn server_key_as(req: &Request, method: &Method) -> Option<TransactionKey> {
    let via = req.top_via()?;
    let method = if *method == Method::Ack {
        "INVITE"
    } else {
        method.as_str()
    };
    let cseq = req.cseq();
    if let Some(branch) = via.branch().filter(|b| is_3261_branch(b)) {
        return Some(TransactionKey(format!(
            "{branch}|{}|{method}|{}|{}",
            via.sent_by().to_ascii_lowercase(),
            req.call_id().unwrap_or_default(),
            cseq.map_or(0, |c| c.seq)
        )));
    }
    let cseq = cseq?;
    Some(TransactionKey(format!(
        "2543|{}|{}|{}|{}|{via}|{method}",
        req.uri,
        req.from_tag().unwrap_or_default(),
        req.call_id()?,
        cseq.seq
    )))
}

/// The server transaction a request belongs to; `None` when it lacks the fields to tell
/// (no parsable top Via, or for RFC 2543 requests no CSeq/Call-ID).
pub fn server_key(req: &Request) -> Option<TransactionKey> {
    server_key_as(req, &req.method)
}

/// The key of the INVITE transaction a CANCEL targets (RFC 3261 §9.2).
pub fn cancel_target_key(cancel: &Request) -> Option<TransactionKey> {
    server_key_as(cancel, &Method::Invite)
}

/// Client transaction key (§17.1.3): top Via branch + CSeq method.
fn client_key(
    branch: Option<&str>,
    call_id: Option<&str>,
    cseq: Option<(u32, &str)>,
) -> Option<TransactionKey> {
    let (seq, method) = cseq?;
    let method = if method == "ACK" { "INVITE" } else { method };
    Some(TransactionKey(match branch {
        Some(b) => format!("c|{b}|{method}"),
        None => format!("c2543|{}|{seq}|{method}", call_id?),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(method: Method, via: &str) -> Request {
        let cseq = format!("1 {}", method.as_str());
        let mut r = Request::new(method, "sip:a@b");
        r.headers.push("Via", via);
        r.headers.push("From", "<sip:x@y>;tag=f");
        r.headers.push("To", "<sip:a@b>");
        r.headers.push("Call-ID", "c");
        r.headers.push("CSeq", cseq);
        r
    }

    #[test]
    fn keys_follow_rfc_3261_and_2543() {
        let inv = req(Method::Invite, "SIP/2.0/UDP H:5060;branch=z9hG4bKx");
        let mut ack = req(Method::Ack, "SIP/2.0/UDP h:5060;branch=z9hG4bKx");
        ack.headers.set("To", "<sip:a@b>;tag=t");
        let cancel = req(Method::Cancel, "SIP/2.0/UDP h:5060;branch=z9hG4bKx");
        assert_eq!(server_key(&inv), server_key(&ack));
        assert_ne!(server_key(&inv), server_key(&cancel));
        assert_eq!(server_key(&inv), cancel_target_key(&cancel));
        assert_ne!(
            server_key(&inv),
            server_key(&req(Method::Invite, "SIP/2.0/UDP h:5061;branch=z9hG4bKx"))
        );

        let old = req(Method::Invite, "SIP/2.0/UDP h;branch=z9hG4bK");
        let mut old_ack = req(Method::Ack, "SIP/2.0/UDP h;branch=z9hG4bK");
        old_ack.headers.set("To", "<sip:a@b>;tag=t");
        assert!(server_key(&old).is_some_and(|k| k.as_str().starts_with("2543|")));
        assert_eq!(server_key(&old), server_key(&old_ack));
        let mut other = old.clone();
        other.headers.set("CSeq", "2 INVITE");
        assert_ne!(server_key(&old), server_key(&other));
        let mut no_via = old;
        no_via.headers.remove("Via");
        assert_eq!(server_key(&no_via), None);
    }
}
