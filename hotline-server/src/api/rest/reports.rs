//! `GET /reports/calls|agents|tickets`: statistics for supervisors, directors and admins, as
//! JSON or, with `format=csv`, as a CSV download. The store reads rows; `crate::reports`
//! does the arithmetic. A download leaves the building, so each one is audited as an export.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use hotline_protocol::Capability;
use serde::Deserialize;

use super::session::Authed;
use super::{ApiError, Params, now_ms, with_store};
use crate::api::ApiDeps;
use crate::auth::action;
use crate::reports::{
    AgentReport, By, CallFigures, CallReport, Compare, Csv, Period, TicketGroup, TicketReport,
    agent_report, agent_times, call_report, ticket_report,
};
use crate::store::AuditEntry;

/// The service-level threshold when the request names none (GB/T 33358: 15 s).
const DEFAULT_THRESHOLD_SECS: u32 = 15;

/// The report routes, merged into `/api/v1`.
pub fn routes() -> Router<ApiDeps> {
    Router::new()
        .route("/reports/calls", get(calls))
        .route("/reports/agents", get(agents))
        .route("/reports/tickets", get(tickets))
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct ReportParams {
    from: Option<String>,
    to: Option<String>,
    /// calls: `hour` | `day`; tickets: `type` | `category` | `department` | `region`.
    by: Option<String>,
    /// `json` (default) or `csv`.
    format: Option<String>,
    /// calls: service-level threshold in seconds.
    threshold: Option<u32>,
    /// tickets: `yoy` | `mom` | `prev`.
    compare: Option<String>,
}

struct Common {
    period: Period,
    csv: bool,
    bounds: (i64, i64),
}

fn common(deps: &ApiDeps, p: &ReportParams) -> Result<Common, ApiError> {
    let tz = deps.ctx.config.server.tz();
    let today = (deps.ctx.clock)().to_zoned_datetime(tz.clone()).date();
    let period = Period::parse(p.from.as_deref(), p.to.as_deref(), today)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let csv = match p.format.as_deref().unwrap_or("json") {
        "json" => false,
        "csv" => true,
        other => {
            return Err(ApiError::bad_request(format!(
                "format \"{other}\": use json or csv"
            )));
        }
    };
    let bounds = period
        .bounds_ms(&tz)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    Ok(Common {
        period,
        csv,
        bounds,
    })
}

/// Where a CSV download came from, for its audit entry.
struct Downloader<'a> {
    deps: &'a ApiDeps,
    me: &'a Authed,
    addr: SocketAddr,
}

impl Downloader<'_> {
    /// Audits the download, then hands it out. A report that cannot be audited is not given
    /// out: an export nobody can trace afterwards is what the audit exists to prevent.
    async fn csv(&self, name: &str, period: Period, body: String) -> Result<Response, ApiError> {
        let entry = AuditEntry::new(
            now_ms(self.deps),
            &self.me.user.name,
            Some(self.me.user.role),
            action::EXPORT,
            &format!("reports/{name}"),
        )
        .with_detail(serde_json::json!({
            "format": "csv",
            "from": period.from.to_string(),
            "to": period.to.to_string(),
            "bytes": body.len(),
        }))
        .with_address(self.addr.ip());
        let auth = self.deps.auth.clone();
        tokio::task::spawn_blocking(move || auth.audit(&entry))
            .await
            .map_err(|e| internal(&e))?
            .map_err(|e| internal(&e))?;
        Ok(csv_response(name, period, body))
    }
}

fn csv_response(name: &str, period: Period, body: String) -> Response {
    let disposition = format!(
        "attachment; filename=\"{name}-{}-{}.csv\"",
        period.from, period.to
    );
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}

fn internal(e: &dyn std::fmt::Display) -> ApiError {
    ApiError::internal(e)
}

/// `GET /reports/calls?from&to&by=hour|day&threshold=15&format=json|csv`
pub async fn calls(
    State(deps): State<ApiDeps>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    me: Authed,
    Params(p): Params<ReportParams>,
) -> Result<Response, ApiError> {
    me.require(Capability::Reports)?;
    let c = common(&deps, &p)?;
    let by = match p.by.as_deref() {
        None => By::Day,
        Some(s) => By::parse(s)
            .ok_or_else(|| ApiError::bad_request(format!("by \"{s}\": use hour or day")))?,
    };
    if p.compare.is_some() {
        return Err(ApiError::bad_request(
            "compare applies to the ticket report",
        ));
    }
    let threshold = p.threshold.unwrap_or(DEFAULT_THRESHOLD_SECS);
    let (from, to) = c.bounds;
    let samples = with_store(&deps, move |s| {
        s.report_call_samples(from, to).map_err(|e| internal(&e))
    })
    .await?;
    let report = call_report(
        &samples,
        c.period,
        by,
        threshold,
        &deps.ctx.config.server.tz(),
    );
    if c.csv {
        let out = Downloader {
            deps: &deps,
            me: &me,
            addr,
        };
        return out.csv("calls", c.period, calls_csv(&report)).await;
    }
    Ok(Json(report).into_response())
}

fn calls_csv(r: &CallReport) -> String {
    let mut csv = Csv::new();
    csv.row([
        "bucket",
        "inbound",
        "offered",
        "answered",
        "abandoned",
        "answered_within",
        "service_level_pct",
        "avg_wait_s",
        "avg_talk_s",
    ]);
    let line = |f: &CallFigures| {
        [
            f.bucket.clone(),
            f.inbound.to_string(),
            f.offered.to_string(),
            f.answered.to_string(),
            f.abandoned.to_string(),
            f.answered_within.to_string(),
            format!("{:.1}", f.service_level_pct),
            (f.avg_wait_ms / 1000).to_string(),
            (f.avg_talk_ms / 1000).to_string(),
        ]
    };
    for f in r.rows.iter().chain([&r.total]) {
        csv.row(line(f));
    }
    csv.finish()
}

/// `GET /reports/agents?from&to&format=json|csv`
pub async fn agents(
    State(deps): State<ApiDeps>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    me: Authed,
    Params(p): Params<ReportParams>,
) -> Result<Response, ApiError> {
    me.require(Capability::Reports)?;
    let c = common(&deps, &p)?;
    if p.by.is_some() || p.compare.is_some() || p.threshold.is_some() {
        return Err(ApiError::bad_request(
            "the agent report takes only from, to and format",
        ));
    }
    let (from, to) = c.bounds;
    let (legs, ratings, marks) = with_store(&deps, move |s| {
        let legs = s.report_agent_legs(from, to).map_err(|e| internal(&e))?;
        let ratings = s.report_agent_ratings(from, to).map_err(|e| internal(&e))?;
        let marks = s.report_agent_states(from, to).map_err(|e| internal(&e))?;
        Ok((legs, ratings, marks))
    })
    .await?;
    // A state still running counts until now, not until the end of a period not over yet.
    let until = to.min(now_ms(&deps));
    let times = agent_times(&marks, from, until);
    let report = agent_report(&legs, &ratings, &times, c.period);
    if c.csv {
        let out = Downloader {
            deps: &deps,
            me: &me,
            addr,
        };
        return out.csv("agents", c.period, agents_csv(&report)).await;
    }
    Ok(Json(report).into_response())
}

fn agents_csv(r: &AgentReport) -> String {
    let mut csv = Csv::new();
    csv.row([
        "agent",
        "name",
        "calls_answered",
        "talk_s",
        "avg_talk_s",
        "rated",
        "satisfaction_pct",
        "logged_in_s",
        "not_ready_s",
    ]);
    for a in &r.rows {
        csv.row([
            a.agent.clone(),
            a.name.clone(),
            a.calls_answered.to_string(),
            (a.talk_ms / 1000).to_string(),
            (a.avg_talk_ms / 1000).to_string(),
            a.rated.to_string(),
            a.satisfaction_pct
                .map(|p| format!("{p:.1}"))
                .unwrap_or_default(),
            (a.logged_in_ms / 1000).to_string(),
            (a.not_ready_ms / 1000).to_string(),
        ]);
    }
    csv.finish()
}

/// `GET /reports/tickets?from&to&by=type|category|department|region&compare=yoy|mom|prev`
pub async fn tickets(
    State(deps): State<ApiDeps>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    me: Authed,
    Params(p): Params<ReportParams>,
) -> Result<Response, ApiError> {
    me.require(Capability::Reports)?;
    let c = common(&deps, &p)?;
    if p.threshold.is_some() {
        return Err(ApiError::bad_request(
            "threshold applies to the call report",
        ));
    }
    let group = match p.by.as_deref() {
        None => TicketGroup::Type,
        Some(s) => TicketGroup::parse(s).ok_or_else(|| {
            ApiError::bad_request(format!(
                "by \"{s}\": use type, category, department or region"
            ))
        })?,
    };
    let compare = p
        .compare
        .as_deref()
        .map(|s| {
            Compare::parse(s).ok_or_else(|| {
                ApiError::bad_request(format!("compare \"{s}\": use yoy, mom or prev"))
            })
        })
        .transpose()?;
    let before = compare
        .map(|how| {
            let period = c
                .period
                .compared(how)
                .map_err(|e| ApiError::bad_request(e.to_string()))?;
            let bounds = period
                .bounds_ms(&deps.ctx.config.server.tz())
                .map_err(|e| ApiError::bad_request(e.to_string()))?;
            Ok::<_, ApiError>((how, period, bounds))
        })
        .transpose()?;
    let (from, to) = c.bounds;
    let now = now_ms(&deps);
    let previous_bounds = before.map(|(_, _, b)| b);
    let (current, previous) = with_store(&deps, move |s| {
        let current = s
            .report_ticket_counts(group, from, to, now)
            .map_err(|e| internal(&e))?;
        let previous = previous_bounds
            .map(|(a, b)| s.report_ticket_counts(group, a, b, now))
            .transpose()
            .map_err(|e| internal(&e))?;
        Ok((current, previous))
    })
    .await?;
    let compared = match (&previous, before) {
        (Some(rows), Some((how, period, _))) => Some((rows.as_slice(), how, period)),
        _ => None,
    };
    let report = ticket_report(&current, compared, c.period, group);
    if c.csv {
        let out = Downloader {
            deps: &deps,
            me: &me,
            addr,
        };
        return out.csv("tickets", c.period, tickets_csv(&report)).await;
    }
    Ok(Json(report).into_response())
}

fn tickets_csv(r: &TicketReport) -> String {
    let mut csv = Csv::new();
    csv.row(["key", "label", "count", "overdue", "previous", "change_pct"]);
    for t in r.rows.iter().chain([&r.total]) {
        csv.row([
            t.key.clone(),
            t.label.clone(),
            t.count.to_string(),
            t.overdue.to_string(),
            t.previous.to_string(),
            t.change_pct.map(|p| format!("{p:.1}")).unwrap_or_default(),
        ]);
    }
    csv.finish()
}
