//! `GET /tickets/{id}/letter`: the ticket as a printable dispatch letter (转办单), plain text,
//! for departments that still work from paper or fax (F8).

use std::fmt::Write as _;
use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use hotline_protocol::Capability;
use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::session::Authed;
use super::tickets::visible;
use super::{ApiError, Id, Rules, with_store};
use crate::api::ApiDeps;
use crate::store::{HistoryRow, TicketRow};

/// What the letter shows besides the ticket.
pub struct LetterParts<'a> {
    /// The hotline's name in the heading (the profile, e.g. `12345`).
    pub centre: &'a str,
    pub category: &'a str,
    pub lead: Option<&'a str>,
    pub history: &'a [HistoryRow],
    pub tz: &'a TimeZone,
    pub printed_at: Timestamp,
}

fn local(ms: i64, tz: &TimeZone) -> String {
    Timestamp::from_millisecond(ms).map_or_else(
        |_| "-".to_owned(),
        |t| {
            t.to_zoned_datetime(tz.clone())
                .strftime("%Y-%m-%d %H:%M")
                .to_string()
        },
    )
}

/// The letter. Pure.
pub fn letter(t: &TicketRow, parts: &LetterParts<'_>) -> String {
    let s = &t.state;
    let tz = parts.tz;
    let mut out = String::new();
    let _ = writeln!(out, "{} 热线 转办单", parts.centre);
    let _ = writeln!(out, "{}", "=".repeat(40));
    let _ = writeln!(out, "工单编号：{}", t.number);
    let _ = writeln!(out, "受理时间：{}", local(t.created_at_ms, tz));
    let _ = writeln!(
        out,
        "类型：{}    渠道：{}    紧急程度：{}",
        s.ticket_type.zh(),
        s.channel.zh(),
        s.urgency.zh()
    );
    let _ = writeln!(out, "类别：{}", parts.category);
    let _ = writeln!(out, "状态：{}", s.status.zh());
    if !t.caller_number.is_empty() {
        let _ = writeln!(out, "来电号码：{}", t.caller_number);
    }
    if !t.address.is_empty() {
        let _ = writeln!(out, "地址：{}", t.address);
    }
    if !t.region.is_empty() {
        let _ = writeln!(out, "区域：{}", t.region);
    }
    let _ = writeln!(out, "主题：{}", t.subject);
    let _ = writeln!(out, "内容：");
    for line in t.description.lines().filter(|l| !l.trim().is_empty()) {
        let _ = writeln!(out, "  {}", line.trim());
    }
    let _ = writeln!(out, "承办单位：{}", parts.lead.unwrap_or("（未派单）"));
    if let Some(due) = t.due_at_ms {
        let _ = writeln!(out, "办理时限：{}", local(due, tz));
    }
    if t.supervised {
        let _ = writeln!(out, "督办：是");
    }
    if !t.instruction.is_empty() {
        let _ = writeln!(out, "领导批示：{}", t.instruction);
    }
    let _ = writeln!(out, "{}", "-".repeat(40));
    let _ = writeln!(out, "办理经过：");
    for h in parts.history {
        let note = h.note["text"].as_str().unwrap_or("").trim();
        let _ = write!(
            out,
            "  {}  {}（{}）  {} → {}",
            local(h.at_ms, tz),
            h.actor,
            h.role,
            h.action,
            h.to_status
        );
        if !note.is_empty() {
            let _ = write!(out, "  {note}");
        }
        out.push('\n');
    }
    let _ = writeln!(out, "{}", "-".repeat(40));
    let _ = writeln!(
        out,
        "请在办理时限内办结，答复来电人，并将办理结果反馈本中心。"
    );
    let _ = writeln!(
        out,
        "打印时间：{}",
        local(parts.printed_at.as_millisecond(), tz)
    );
    out
}

/// `GET /tickets/{id}/letter`: `text/plain; charset=utf-8`.
pub async fn get(
    State(deps): State<ApiDeps>,
    Extension(rules): Extension<Arc<Rules>>,
    me: Authed,
    Id(id): Id,
) -> Result<Response, ApiError> {
    me.require(Capability::ViewTickets)?;
    me.own_department()?;
    let actor = me.actor();
    let deadlines = rules.deadlines(&deps.ctx.config)?;
    let (ticket, lead, history) = with_store(&deps, move |store| {
        let t = visible(store, &actor, id)?;
        let lead = match t.lead_department_id {
            Some(d) => store.department(d)?.map(|d| d.name),
            None => None,
        };
        let history = store.ticket_history(id)?;
        Ok((t, lead, history))
    })
    .await?;
    let category = deadlines
        .categories
        .find(&ticket.state.category)
        .map_or_else(|| ticket.state.category.clone(), |c| c.zh.clone());
    let centre = ticket.number.split('-').next().unwrap_or("").to_owned();
    let tz = deps.ctx.config.server.tz();
    let parts = LetterParts {
        centre: &centre,
        category: &category,
        lead: lead.as_deref(),
        history: &history,
        tz: &tz,
        printed_at: (deps.ctx.clock)(),
    };
    let text = letter(&ticket, &parts);
    let headers = [(header::CONTENT_TYPE, "text/plain; charset=utf-8")];
    Ok((headers, text).into_response())
}
