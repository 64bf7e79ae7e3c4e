//! REST v1 calls the workstation makes (tickets, knowledge, callers, departments). The shapes
//! are the parts of `docs/api.md` the screens use; unknown fields are ignored so the server can
//! grow without breaking the client.

use serde::{Deserialize, Serialize};

pub use consultations::{CallbackResult, ConsultationRow, Suggestion};
pub use hotline_tui::client::{RestClient, RestError};
pub use voicemail::{TicketLink, VoicemailPart, VoicemailRow};

mod consultations;
mod voicemail;

/// A ticket row in search results.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TicketRow {
    pub id: i64,
    pub number: String,
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub caller_number: Option<String>,
    #[serde(default)]
    pub created_at_ms: u64,
}

/// A knowledge-base item.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct KnowledgeItem {
    pub id: i64,
    #[serde(default)]
    pub kind: String,
    pub title: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub reference_answer: String,
}

/// A caller record.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CallerRow {
    pub id: i64,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub numbers: Vec<String>,
    #[serde(default)]
    pub id_number: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub company: String,
    #[serde(default)]
    pub category: String,
}

/// The body of `PUT /callers/{id}`: the fields the caller dialog edits (custom fields are
/// left alone by leaving them out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallerUpdate {
    pub name: String,
    pub numbers: Vec<String>,
    pub id_number: String,
    pub address: String,
    pub company: String,
    pub category: String,
}

/// A department with its children (`GET /departments`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Department {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub children: Vec<Department>,
}

/// The body of `POST /tickets`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewTicket {
    #[serde(rename = "type")]
    pub kind: String,
    pub channel: String,
    pub category: String,
    pub urgency: String,
    pub subject: String,
    pub description: String,
    pub address: String,
    pub region: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caller_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_id: Option<String>,
    /// Ticket numbers to link (关联工单).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<String>,
}

/// A request the screens make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestRequest {
    SearchTickets {
        q: String,
    },
    SearchKnowledge {
        q: String,
    },
    SearchCallers {
        q: String,
    },
    Departments,
    /// Saves an edited caller record.
    UpdateCaller {
        id: i64,
        caller: CallerUpdate,
    },
    /// Files the ticket, then dispatches it when departments were chosen (first = lead), ties
    /// the voicemail it was made from to it, and holds it as a pending consultation with the
    /// `hold` callback number (`POST /consultations`).
    FileTicket {
        // Boxed: the other requests are a few words each, and effects are moved around.
        ticket: Box<NewTicket>,
        departments: Vec<i64>,
        voicemail: Option<i64>,
        hold: Option<String>,
    },
    /// A ticket with its links, for the ticket search preview.
    TicketDetail {
        id: i64,
    },
    /// Suggestions while a ticket is entered (`GET /tickets/related`).
    RelatedTickets {
        caller: String,
        address: String,
        text: String,
    },
    /// The voicemail inbox (`status`: comma-separated, "" for all).
    Voicemails {
        status: String,
    },
    /// How many messages nobody has listened to yet (the status bar's badge).
    UnheardCount,
    /// A message's audio, decoded for the speaker.
    VoicemailAudio {
        id: i64,
    },
    VoicemailHandled {
        id: i64,
    },
    /// Pending consultations in one status (`waiting`, `answered`, `done`).
    Consultations {
        status: &'static str,
    },
    /// How many answered consultations wait for their callback (the status bar's badge).
    ConsultationCount,
    /// One entry with its knowledge-base suggestions.
    Consultation {
        id: i64,
    },
    /// A knowledge-base item, for the suggestion preview.
    KnowledgeItem {
        id: i64,
    },
    /// Answers a waiting entry with an item's reference answer, or with text.
    AnswerConsultation {
        id: i64,
        knowledge_id: Option<i64>,
        text: Option<String>,
    },
    /// Records one callback attempt.
    ConsultationCallback {
        id: i64,
        result: CallbackResult,
    },
}

impl RestRequest {
    /// A short name for status messages.
    pub fn what(&self) -> &'static str {
        match self {
            RestRequest::SearchTickets { .. } => "tickets",
            RestRequest::SearchKnowledge { .. } => "knowledge",
            RestRequest::SearchCallers { .. } => "callers",
            RestRequest::Departments => "departments",
            RestRequest::UpdateCaller { .. } => "update_caller",
            RestRequest::FileTicket { .. } => "file_ticket",
            RestRequest::TicketDetail { .. } => "ticket",
            RestRequest::RelatedTickets { .. } => "related",
            RestRequest::Voicemails { .. } => "voicemails",
            RestRequest::UnheardCount => "voicemail_count",
            RestRequest::VoicemailAudio { .. } => "voicemail_audio",
            RestRequest::VoicemailHandled { .. } => "voicemail_handled",
            RestRequest::Consultations { .. } => "consultations",
            RestRequest::ConsultationCount => "consultation_count",
            RestRequest::Consultation { .. } => "consultation",
            RestRequest::KnowledgeItem { .. } => "knowledge_item",
            RestRequest::AnswerConsultation { .. } => "consultation_answer",
            RestRequest::ConsultationCallback { .. } => "consultation_callback",
        }
    }
}

/// What came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestReply {
    Tickets(Vec<TicketRow>),
    Knowledge(Vec<KnowledgeItem>),
    Callers(Vec<CallerRow>),
    Departments(Vec<Department>),
    /// The caller record as the server stored it.
    CallerSaved(CallerRow),
    Filed {
        number: String,
        pin: String,
        /// Set when filing worked but dispatching (or tying the voicemail) did not.
        dispatch_error: Option<String>,
        /// The ticket is held as a pending consultation.
        held: bool,
        /// Set when filing worked but holding did not (the server's message, e.g. a bad number).
        hold_error: Option<String>,
    },
    /// The links of ticket `id`.
    TicketLinks {
        id: i64,
        links: Vec<TicketLink>,
    },
    /// Related-ticket suggestions: `(number, subject)`.
    Related(Vec<(String, String)>),
    Voicemails {
        items: Vec<VoicemailRow>,
        total: u64,
    },
    UnheardCount(u64),
    /// 8 kHz mono samples of message `id`.
    VoicemailAudio {
        id: i64,
        samples: Vec<i16>,
    },
    /// The message as the server stored it.
    VoicemailSaved(VoicemailRow),
    Consultations {
        status: &'static str,
        items: Vec<ConsultationRow>,
    },
    ConsultationCount(u64),
    /// An entry and its suggested knowledge-base items, best first.
    Consultation {
        row: ConsultationRow,
        suggestions: Vec<Suggestion>,
    },
    KnowledgeItem(KnowledgeItem),
    /// The entry as the server stored it after an answer or a callback.
    ConsultationSaved(ConsultationRow),
}

/// Runs one request with a session's REST client.
pub async fn run(client: &RestClient, req: RestRequest) -> Result<RestReply, RestError> {
    #[derive(Deserialize)]
    struct Tickets {
        tickets: Vec<TicketRow>,
    }
    #[derive(Deserialize)]
    struct Items {
        items: Vec<KnowledgeItem>,
    }
    #[derive(Deserialize)]
    struct Callers {
        callers: Vec<CallerRow>,
    }
    #[derive(Deserialize)]
    struct Depts {
        departments: Vec<Department>,
    }
    #[derive(Deserialize)]
    struct Filed {
        id: i64,
        number: String,
        #[serde(default)]
        pin: String,
    }
    match req {
        RestRequest::SearchTickets { q } => {
            let r: Tickets = client
                .get_json("/tickets", &[("q", &q), ("limit", "50")])
                .await?;
            Ok(RestReply::Tickets(r.tickets))
        }
        RestRequest::SearchKnowledge { q } => {
            let r: Items = client
                .get_json("/knowledge", &[("q", &q), ("limit", "50")])
                .await?;
            Ok(RestReply::Knowledge(r.items))
        }
        RestRequest::SearchCallers { q } => {
            let r: Callers = client
                .get_json("/callers", &[("q", &q), ("limit", "50")])
                .await?;
            Ok(RestReply::Callers(r.callers))
        }
        RestRequest::Departments => {
            let r: Depts = client.get_json("/departments", &[]).await?;
            Ok(RestReply::Departments(r.departments))
        }
        RestRequest::UpdateCaller { id, caller } => {
            let path = format!("/callers/{id}");
            Ok(RestReply::CallerSaved(
                client.put_json(&path, &caller).await?,
            ))
        }
        RestRequest::FileTicket {
            ticket,
            departments,
            voicemail,
            hold,
        } => {
            let filed: Filed = client.post_json("/tickets", &ticket).await?;
            let mut dispatch_error = match departments.split_first() {
                Some((lead, co)) => dispatch(client, filed.id, *lead, co)
                    .await
                    .err()
                    .map(|e| e.to_string()),
                None => None,
            };
            if let Some(vm) = voicemail {
                let path = format!("/voicemails/{vm}/ticket");
                let body = serde_json::json!({ "ticket_id": filed.id });
                if let Err(e) = client.post(&path, &body).await {
                    dispatch_error.get_or_insert(e.to_string());
                }
            }
            let hold_error = match &hold {
                Some(callback) => consultations::hold(client, filed.id, callback)
                    .await
                    .err()
                    .map(|e| e.to_string()),
                None => None,
            };
            Ok(RestReply::Filed {
                number: filed.number,
                pin: filed.pin,
                dispatch_error,
                held: hold.is_some() && hold_error.is_none(),
                hold_error,
            })
        }
        req @ (RestRequest::Consultations { .. }
        | RestRequest::ConsultationCount
        | RestRequest::Consultation { .. }
        | RestRequest::KnowledgeItem { .. }
        | RestRequest::AnswerConsultation { .. }
        | RestRequest::ConsultationCallback { .. }) => consultations::run(client, req).await,
        other => voicemail::run(client, other).await,
    }
}

/// Dispatches a filed ticket to its departments (first = lead).
async fn dispatch(
    client: &RestClient,
    ticket: i64,
    lead: i64,
    co: &[i64],
) -> Result<(), RestError> {
    let body = serde_json::json!({
        "action": "dispatch",
        "lead": lead.to_string(),
        "co_handlers": co.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "note": "",
    });
    let path = format!("/tickets/{ticket}/transitions");
    client.post(&path, &body).await
}
