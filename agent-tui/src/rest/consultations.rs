//! REST calls of pending consultations (待答咨询, `docs/api.md` "Pending consultations"): hold a
//! filed consultation with a callback number, list, answer from the knowledge base or in words,
//! and record the callback.

use serde::Deserialize;

use super::{KnowledgeItem, RestClient, RestError, RestReply, RestRequest};

/// One pending consultation; `id` is its ticket's id.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ConsultationRow {
    #[serde(rename = "ticket_id")]
    pub id: i64,
    pub number: String,
    #[serde(default)]
    pub question: String,
    #[serde(default)]
    pub callback: String,
    /// `waiting`, `answered` or `done`.
    pub status: String,
    #[serde(default)]
    pub created_at_ms: u64,
    #[serde(default)]
    pub answer: Option<String>,
    #[serde(default)]
    pub knowledge_id: Option<i64>,
    #[serde(default)]
    pub attempts: u32,
    #[serde(default)]
    pub last_result: Option<String>,
}

/// A knowledge-base item that may answer a question.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Suggestion {
    pub id: i64,
    pub title: String,
    #[serde(default)]
    pub score: f64,
}

// Scores are shown, never compared for equality; the replies stay comparable in tests.
impl Eq for Suggestion {}

/// How a callback attempt went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackResult {
    Reached,
    NoAnswer,
    Busy,
    WrongNumber,
}

impl CallbackResult {
    pub fn as_str(self) -> &'static str {
        match self {
            CallbackResult::Reached => "reached",
            CallbackResult::NoAnswer => "no_answer",
            CallbackResult::Busy => "busy",
            CallbackResult::WrongNumber => "wrong_number",
        }
    }
}

/// `POST /consultations`: holds filed ticket `ticket_id` with the number to call back.
pub(super) async fn hold(
    client: &RestClient,
    ticket_id: i64,
    callback: &str,
) -> Result<ConsultationRow, RestError> {
    let body = serde_json::json!({ "ticket_id": ticket_id, "callback": callback });
    client.post_json("/consultations", &body).await
}

/// The rest of [`super::run`]: the requests of this module.
pub(super) async fn run(client: &RestClient, req: RestRequest) -> Result<RestReply, RestError> {
    #[derive(Deserialize)]
    struct List {
        consultations: Vec<ConsultationRow>,
        #[serde(default)]
        count: u64,
    }
    #[derive(Deserialize)]
    struct Detail {
        #[serde(flatten)]
        row: ConsultationRow,
        #[serde(default)]
        suggestions: Vec<Suggestion>,
    }
    match req {
        RestRequest::Consultations { status } => {
            let r: List = client
                .get_json("/consultations", &[("status", status), ("limit", "200")])
                .await?;
            Ok(RestReply::Consultations {
                status,
                items: r.consultations,
            })
        }
        RestRequest::ConsultationCount => {
            let r: List = client
                .get_json(
                    "/consultations",
                    &[("status", "answered"), ("limit", "1000")],
                )
                .await?;
            Ok(RestReply::ConsultationCount(r.count))
        }
        RestRequest::Consultation { id } => {
            let r: Detail = client
                .get_json(&format!("/consultations/{id}"), &[])
                .await?;
            Ok(RestReply::Consultation {
                row: r.row,
                suggestions: r.suggestions,
            })
        }
        RestRequest::KnowledgeItem { id } => {
            let item: KnowledgeItem = client.get_json(&format!("/knowledge/{id}"), &[]).await?;
            Ok(RestReply::KnowledgeItem(item))
        }
        RestRequest::AnswerConsultation {
            id,
            knowledge_id,
            text,
        } => {
            let mut body = serde_json::Map::new();
            if let Some(k) = knowledge_id {
                body.insert("knowledge_id".into(), k.into());
            }
            if let Some(t) = text {
                body.insert("text".into(), t.into());
            }
            let path = format!("/consultations/{id}/answer");
            let row: ConsultationRow = client.post_json(&path, &body).await?;
            Ok(RestReply::ConsultationSaved(row))
        }
        RestRequest::ConsultationCallback { id, result } => {
            let path = format!("/consultations/{id}/callback");
            let body = serde_json::json!({ "result": result.as_str() });
            let row: ConsultationRow = client.post_json(&path, &body).await?;
            Ok(RestReply::ConsultationSaved(row))
        }
        other => Err(RestError::Api {
            status: 0,
            code: "client".into(),
            message: format!("{} is not a consultation request", other.what()),
        }),
    }
}
