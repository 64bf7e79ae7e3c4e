//! Callback in queue (排队回拨): what travels with an offer that is a callback rather than a
//! caller on the line.

use serde::{Deserialize, Serialize};

/// The call offered is a callback: the caller asked to be called back and hung up, keeping
/// their place. Answering connects the agent first; the server then dials `number` and the
/// agent follows it as an outbound `call_state`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackOffer {
    /// The number the server dials once the agent answers.
    pub number: String,
    /// Which attempt this is (1 = the first).
    pub attempt: u32,
    /// When the caller asked to be called back (ms since the epoch).
    pub requested_at_ms: u64,
    /// A campaign's call: the number of the ticket to follow up (回访), shown with the offer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// A campaign's call: what it is for (`follow_up`, `survey`); absent for a queue callback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Event, ServerFrame, decode_server, encode};

    #[test]
    fn a_callback_offer_round_trips_and_is_left_out_when_absent() {
        let mut event = crate::samples::events()
            .into_iter()
            .find(|e| e.name() == "call_offered")
            .expect("sample");
        assert!(!encode(&ServerFrame::event(1, event.clone())).contains("callback"));
        let Event::CallOffered { callback, .. } = &mut event else {
            unreachable!("found by name");
        };
        *callback = Some(Box::new(CallbackOffer {
            number: "13812345678".into(),
            attempt: 2,
            requested_at_ms: 1_740_792_000_000,
            ticket: None,
            purpose: None,
        }));
        let frame = ServerFrame::event(2, event);
        let text = encode(&frame);
        assert!(text.contains(r#""callback":{"number":"13812345678","attempt":2"#));
        assert!(
            !text.contains(r#""ticket":"#),
            "a queue callback names no ticket"
        );
        assert_eq!(decode_server(&text).expect("decodes"), frame);
    }

    #[test]
    fn a_campaign_offer_carries_the_ticket_to_follow_up() {
        let offer = crate::samples::campaign_callback();
        let text = serde_json::to_string(&offer).expect("encodes");
        assert!(text.contains(r#""ticket":"T20250301-0042","purpose":"follow_up""#));
        let back: CallbackOffer = serde_json::from_str(&text).expect("decodes");
        assert_eq!(back, offer);
        let old: CallbackOffer =
            serde_json::from_str(r#"{"number":"1","attempt":1,"requested_at_ms":0}"#)
                .expect("an offer without the campaign fields decodes");
        assert_eq!((old.ticket, old.purpose), (None, None));
    }
}
