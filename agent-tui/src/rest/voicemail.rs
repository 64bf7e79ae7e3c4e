//! REST calls of the voicemail inbox, ticket links and related-ticket suggestions
//! (`docs/api.md`, "Voicemail inbox" and "Tickets").

use serde::Deserialize;

use super::{RestClient, RestError, RestReply, RestRequest};

/// One recording of a message.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct VoicemailPart {
    pub index: usize,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub duration_ms: u64,
}

/// A message in the inbox.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct VoicemailRow {
    pub id: i64,
    /// `voicemail`, `director_mail` or `complaint`.
    pub kind: String,
    #[serde(default)]
    pub caller: String,
    /// The number to call back (the caller's when none was keyed in).
    #[serde(default)]
    pub callback: String,
    #[serde(default)]
    pub reply_wanted: bool,
    #[serde(default)]
    pub ticket_id: Option<i64>,
    #[serde(default)]
    pub ticket_number: Option<String>,
    #[serde(default)]
    pub parts: Vec<VoicemailPart>,
    #[serde(default)]
    pub duration_ms: u64,
    /// `new`, `heard` or `answered` (handled).
    pub status: String,
    #[serde(default)]
    pub at_ms: u64,
    #[serde(default)]
    pub handled_by: String,
}

/// A ticket linked to another.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TicketLink {
    pub id: i64,
    pub number: String,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub status: String,
}

/// The rest of [`super::run`]: the requests of this module.
pub(super) async fn run(client: &RestClient, req: RestRequest) -> Result<RestReply, RestError> {
    #[derive(Deserialize)]
    struct List {
        voicemails: Vec<VoicemailRow>,
        #[serde(default)]
        total: u64,
    }
    #[derive(Deserialize)]
    struct Links {
        #[serde(default)]
        links: Vec<TicketLink>,
    }
    #[derive(Deserialize)]
    struct Candidate {
        number: String,
        #[serde(default)]
        subject: String,
    }
    #[derive(Deserialize)]
    struct Candidates {
        candidates: Vec<Candidate>,
    }
    match req {
        RestRequest::TicketDetail { id } => {
            let r: Links = client.get_json(&format!("/tickets/{id}"), &[]).await?;
            Ok(RestReply::TicketLinks { id, links: r.links })
        }
        RestRequest::RelatedTickets {
            caller,
            address,
            text,
        } => {
            let query: Vec<(&str, &str)> = [
                ("caller", caller.as_str()),
                ("address", address.as_str()),
                ("text", text.as_str()),
            ]
            .into_iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .collect();
            if query.is_empty() {
                return Ok(RestReply::Related(Vec::new()));
            }
            let r: Candidates = client.get_json("/tickets/related", &query).await?;
            Ok(RestReply::Related(
                r.candidates
                    .into_iter()
                    .map(|c| (c.number, c.subject))
                    .collect(),
            ))
        }
        RestRequest::Voicemails { status } => {
            let mut query = vec![("limit", "200")];
            if !status.is_empty() {
                query.push(("status", status.as_str()));
            }
            let r: List = client.get_json("/voicemails", &query).await?;
            Ok(RestReply::Voicemails {
                items: r.voicemails,
                total: r.total,
            })
        }
        RestRequest::UnheardCount => {
            let r: List = client
                .get_json("/voicemails", &[("status", "new"), ("limit", "1")])
                .await?;
            Ok(RestReply::UnheardCount(r.total))
        }
        RestRequest::VoicemailAudio { id } => {
            let resp = client
                .get_response(&format!("/voicemails/{id}/audio"), &[])
                .await?;
            let bytes = RestClient::check(resp).await?.bytes().await?;
            let samples = hotline_media::read_wav_8k_mono(&bytes).map_err(|e| RestError::Api {
                status: 0,
                code: "wav".into(),
                message: e.to_string(),
            })?;
            Ok(RestReply::VoicemailAudio { id, samples })
        }
        RestRequest::VoicemailHandled { id } => {
            let path = format!("/voicemails/{id}/handled");
            let row: VoicemailRow = client.post_json(&path, &serde_json::json!({})).await?;
            Ok(RestReply::VoicemailSaved(row))
        }
        other => Err(RestError::Api {
            status: 0,
            code: "client".into(),
            message: format!("{} is not a voicemail request", other.what()),
        }),
    }
}
