//! Messages from citizens become tickets (G3). A reply to one of a ticket's notifications (the
//! same number or address, within `reply_window_days`, or an e-mail answering our Message-ID)
//! joins that ticket; anything else files a new ticket on the message's channel, with the
//! sender matched to a caller record, and the citizen gets the number and PIN back.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::NotifyError;
use crate::config::Config;
use crate::store::{NewInbound, RecordError, Store, TicketDraft};
use crate::tickets::{Actor, Channel, Pin, Role, TimeLimit, Urgency};

/// The account named in the history of tickets filed from messages.
pub const INBOUND_USER: &str = "inbound";

/// What became of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A new ticket.
    Filed { ticket_id: i64, number: String },
    /// A reply, attached to its ticket.
    Attached { ticket_id: i64 },
    /// Received before (the gateway or mailbox delivered it again).
    Duplicate { ticket_id: Option<i64> },
}

/// The subject of a ticket filed from a message: its first line, shortened.
pub fn subject_of(subject: &str, body: &str) -> String {
    let source = if subject.trim().is_empty() {
        body
    } else {
        subject
    };
    let line = source.lines().map(str::trim).find(|l| !l.is_empty());
    let line = line.unwrap_or("(no text)");
    let mut out: String = line.chars().take(40).collect();
    if line.chars().count() > 40 {
        out.push('…');
    }
    out
}

/// Mainland numbers arrive as `+8613…`, `8613…` or `13…`: compare them the way callers are
/// stored (without the country code).
pub fn national_number(sender: &str) -> String {
    let digits = sender.trim();
    let stripped = digits
        .strip_prefix("+86")
        .or_else(|| digits.strip_prefix("0086"))
        .or_else(|| digits.strip_prefix("86").filter(|rest| rest.len() == 11))
        .unwrap_or(digits);
    stripped.to_owned()
}

/// Files or attaches `message`. `reply_to` is the ticket a reply names (an e-mail's
/// In-Reply-To); without it the sender's latest notified ticket is used. `limit` is the
/// time limit of a new ticket (from the deadline rules).
pub fn receive(
    store: &Store,
    config: &Config,
    message: &NewInbound,
    reply_to: Option<i64>,
    limit: TimeLimit,
    now: Timestamp,
) -> Result<Outcome, NotifyError> {
    if let Some((ticket_id, _)) = store.inbound_seen(&message.channel, &message.external_id)? {
        return Ok(Outcome::Duplicate { ticket_id });
    }
    let now_ms = now.as_millisecond();
    let window_ms = i64::from(config.notify.inbound.reply_window_days) * 86_400_000;
    let joined = match reply_to {
        Some(id) if store.ticket(id)?.is_some() => Some(id),
        _ => store.last_ticket_notified(
            &message.channel,
            &message.sender,
            now_ms.saturating_sub(window_ms),
        )?,
    };
    if let Some(ticket_id) = joined {
        store.record_inbound(message, ticket_id, "attached")?;
        return Ok(Outcome::Attached { ticket_id });
    }
    let channel = if message.channel == "email" {
        Channel::Email
    } else {
        Channel::Sms
    };
    // The sender's caller record: by address for mail (its first number then gets the
    // receipt by SMS), by number for SMS.
    let (caller_id, caller_number) = if channel == Channel::Email {
        let id = store.caller_id_by_email(&message.sender)?;
        let number = match id {
            Some(id) => store.caller(id)?.and_then(|c| c.numbers.first().cloned()),
            None => None,
        };
        (id, number.unwrap_or_default())
    } else {
        let id = store.caller_by_number(&message.sender)?.map(|c| c.id);
        (id, message.sender.clone())
    };
    let draft = TicketDraft {
        profile: config.profile_for_dnis("").name.clone(),
        ticket_type: config.notify.inbound.ticket_type,
        channel,
        category: config.notify.inbound.category.clone(),
        urgency: Urgency::Normal,
        limit,
        subject: subject_of(&message.subject, &message.body),
        description: message.body.clone(),
        address: String::new(),
        region: String::new(),
        caller_id,
        caller_number,
        call_id: None,
    };
    let actor = Actor::centre(INBOUND_USER, Role::Agent);
    let tz: TimeZone = config.server.tz();
    let filed = store.create_ticket(&draft, &actor, Pin::from_random(rand::random()), &tz, now)?;
    if !store.record_inbound(message, filed.ticket.id, "filed")? {
        return Err(RecordError::Conflict("the message was received twice at once".into()).into());
    }
    if let Err(e) = super::events::after_filing(store, config, &filed, now_ms) {
        tracing::warn!(ticket = %filed.ticket.number, error = %e, "receipt not queued");
    }
    Ok(Outcome::Filed {
        ticket_id: filed.ticket.id,
        number: filed.ticket.number,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_and_numbers_are_tidied() {
        assert_eq!(subject_of("", "\n  路灯坏了\n第二行"), "路灯坏了");
        assert_eq!(subject_of("Re: noise", "body"), "Re: noise");
        assert_eq!(subject_of("", &"长".repeat(50)).chars().count(), 41);
        assert_eq!(national_number("+8613800000001"), "13800000001");
        assert_eq!(national_number("8613800000001"), "13800000001");
        assert_eq!(national_number("13800000001"), "13800000001");
        assert_eq!(national_number("865551234"), "865551234");
    }
}
