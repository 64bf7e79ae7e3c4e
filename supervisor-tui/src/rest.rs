//! REST v1 calls of the supervisor workstation: ticket lists and workflow steps, the daily
//! digest and the reports. Shapes are the parts of `docs/api.md` the screens use; unknown
//! fields are ignored so the server can grow without breaking the client.

use std::fmt::Write as _;
use std::time::Duration;

use anyhow::Context as _;
use hotline_tui::client::RestClient;
use serde::Deserialize;
use serde_json::Value;

/// A ticket as the lists show it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Ticket {
    pub id: i64,
    pub number: String,
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub due_at_ms: Option<u64>,
    #[serde(default)]
    pub overdue: bool,
    #[serde(default)]
    pub supervised: bool,
    #[serde(default)]
    pub instruction: String,
    #[serde(default)]
    pub workflow: Workflow,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Workflow {
    #[serde(default)]
    pub pending_extension: Option<Extension>,
}

/// A department's request for more days.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Extension {
    pub days: u32,
    #[serde(default)]
    pub reason: String,
}

/// One row of the call report.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct CallFigures {
    pub bucket: String,
    #[serde(default)]
    pub inbound: u64,
    #[serde(default)]
    pub offered: u64,
    #[serde(default)]
    pub answered: u64,
    #[serde(default)]
    pub abandoned: u64,
    #[serde(default)]
    pub service_level_pct: f64,
    #[serde(default)]
    pub avg_wait_ms: u64,
    #[serde(default)]
    pub avg_talk_ms: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct CallReport {
    pub rows: Vec<CallFigures>,
    pub total: CallFigures,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct AgentFigures {
    pub agent: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub calls_answered: u64,
    #[serde(default)]
    pub talk_ms: u64,
    #[serde(default)]
    pub avg_talk_ms: u64,
    #[serde(default)]
    pub satisfaction_pct: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct AgentReport {
    pub rows: Vec<AgentFigures>,
    #[serde(default)]
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct TicketFigures {
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub count: u64,
    #[serde(default)]
    pub overdue: u64,
    #[serde(default)]
    pub previous: u64,
    #[serde(default)]
    pub change_pct: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct TicketReport {
    pub rows: Vec<TicketFigures>,
    pub total: TicketFigures,
}

/// Which report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReportKind {
    #[default]
    Calls,
    Agents,
    Tickets,
}

impl ReportKind {
    pub const ALL: [ReportKind; 3] = [ReportKind::Calls, ReportKind::Agents, ReportKind::Tickets];

    pub fn path(self) -> &'static str {
        match self {
            ReportKind::Calls => "calls",
            ReportKind::Agents => "agents",
            ReportKind::Tickets => "tickets",
        }
    }
}

/// What a report request asks for (the query string of `/reports/<kind>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportQuery {
    pub kind: ReportKind,
    pub from: String,
    pub to: String,
    /// calls: `hour` | `day`; tickets: a group.
    pub by: Option<String>,
    pub compare: Option<String>,
    pub threshold: Option<u32>,
}

impl ReportQuery {
    pub fn path(&self, csv: bool) -> String {
        let mut q = format!(
            "/reports/{}?from={}&to={}",
            self.kind.path(),
            self.from,
            self.to
        );
        for (k, v) in [
            ("by", self.by.clone()),
            ("compare", self.compare.clone()),
            ("threshold", self.threshold.map(|t| t.to_string())),
        ] {
            if let Some(v) = v {
                let _ = write!(q, "&{k}={v}");
            }
        }
        if csv {
            q.push_str("&format=csv");
        }
        q
    }
}

/// Which ticket list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TicketList {
    #[default]
    Overdue,
    DueSoon,
}

/// A REST request the screens make.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    Tickets(TicketList),
    /// The digest of a day (`YYYY-MM-DD`) as text.
    Digest(String),
    Report(ReportQuery),
    /// The report as CSV, written to `path`.
    Export {
        query: ReportQuery,
        path: String,
    },
    /// A workflow step on a ticket.
    Transition {
        id: i64,
        number: String,
        body: Value,
    },
}

impl Request {
    /// A short name for error messages.
    pub fn what(&self) -> &'static str {
        match self {
            Request::Tickets(_) => "tickets",
            Request::Digest(_) => "digest",
            Request::Report(_) => "report",
            Request::Export { .. } => "export",
            Request::Transition { .. } => "transition",
        }
    }
}

/// What came back.
#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    Tickets(TicketList, Vec<Ticket>),
    /// `None` when the server has no digest endpoint.
    Digest(Option<String>),
    Calls(CallReport),
    Agents(AgentReport),
    TicketReport(TicketReport),
    Exported {
        path: String,
        bytes: usize,
    },
    Transitioned {
        number: String,
    },
}

#[derive(Deserialize)]
struct TicketPage {
    tickets: Vec<Ticket>,
}

/// A client with the workstation's timeout.
pub fn http_client() -> anyhow::Result<reqwest::Client> {
    RestClient::http_client(Duration::from_secs(20)).context("HTTP client")
}

/// Runs one request with a session's REST client.
pub async fn run(client: &RestClient, req: Request) -> anyhow::Result<Response> {
    match req {
        Request::Tickets(which) => {
            let path = match which {
                TicketList::Overdue => "/tickets?overdue=true&limit=500",
                TicketList::DueSoon => "/tickets?status=dispatched,accepted,in_progress&limit=500",
            };
            let page: TicketPage = client.get_json(path, &[]).await?;
            Ok(Response::Tickets(which, page.tickets))
        }
        Request::Digest(date) => {
            let query = [("date", date.as_str()), ("format", "text")];
            let r = client.get_response("/digest", &query).await?;
            if r.status() == reqwest::StatusCode::NOT_FOUND {
                return Ok(Response::Digest(None));
            }
            Ok(Response::Digest(Some(
                RestClient::check(r).await?.text().await?,
            )))
        }
        Request::Report(q) => {
            let path = q.path(false);
            Ok(match q.kind {
                ReportKind::Calls => Response::Calls(client.get_json(&path, &[]).await?),
                ReportKind::Agents => Response::Agents(client.get_json(&path, &[]).await?),
                ReportKind::Tickets => Response::TicketReport(client.get_json(&path, &[]).await?),
            })
        }
        Request::Export { query, path } => {
            let text = client.get_text(&query.path(true), &[]).await?;
            tokio::fs::write(&path, text.as_bytes())
                .await
                .with_context(|| format!("writing {path}"))?;
            Ok(Response::Exported {
                path,
                bytes: text.len(),
            })
        }
        Request::Transition { id, number, body } => {
            let path = format!("/tickets/{id}/transitions");
            client.post(&path, &body).await?;
            Ok(Response::Transitioned { number })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_query_strings() {
        let q = ReportQuery {
            kind: ReportKind::Tickets,
            from: "2026-11-01".into(),
            to: "2026-11-23".into(),
            by: Some("region".into()),
            compare: Some("yoy".into()),
            threshold: None,
        };
        assert_eq!(
            q.path(true),
            "/reports/tickets?from=2026-11-01&to=2026-11-23&by=region&compare=yoy&format=csv"
        );
    }
}
