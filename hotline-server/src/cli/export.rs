//! `hotline-server export tickets --from DATE --to DATE [--format csv|json] [--output FILE]`:
//! tickets filed between two local dates (both included, in the configured time zone), as CSV
//! with a header row or as JSON lines. `export callers [--output FILE]`: every caller as CSV in
//! the columns `import callers` reads. Each export is audited (actor `cli`) before it is
//! written out.

use std::io::Write;
use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};
use jiff::civil::Date;

use crate::auth::action;
use crate::cli::import::CALLER_COLUMNS;
use crate::config::Config;
use crate::store::{AuditEntry, Store, TicketRow};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Csv,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Tickets filed between two dates (YYYY-MM-DD, both included).
    Tickets {
        #[arg(long)]
        from: Date,
        #[arg(long)]
        to: Date,
        #[arg(long, value_enum, default_value = "csv")]
        format: Format,
        /// Write here instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Every caller as CSV (name,numbers,id_number,address,company,category).
    Callers {
        /// Write here instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

/// The exported columns, in order.
pub const TICKET_COLUMNS: [&str; 17] = [
    "number",
    "type",
    "channel",
    "category",
    "urgency",
    "status",
    "subject",
    "description",
    "address",
    "region",
    "caller_number",
    "lead_department_id",
    "supervised",
    "due_at",
    "created_at",
    "updated_at",
    "created_by",
];

/// A field quoted when it holds a comma, a quote or a line break.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// Writes one CSV record, CRLF-terminated.
pub fn write_csv_record<S: AsRef<str>>(out: &mut impl Write, fields: &[S]) -> std::io::Result<()> {
    let line: Vec<String> = fields.iter().map(|f| csv_field(f.as_ref())).collect();
    write!(out, "{}\r\n", line.join(","))
}

fn time(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

fn ticket_fields(t: &TicketRow) -> Vec<String> {
    vec![
        t.number.clone(),
        t.state.ticket_type.as_str().to_owned(),
        t.state.channel.as_str().to_owned(),
        t.state.category.clone(),
        t.state.urgency.as_str().to_owned(),
        t.state.status.as_str().to_owned(),
        t.subject.clone(),
        t.description.clone(),
        t.address.clone(),
        t.region.clone(),
        t.caller_number.clone(),
        t.lead_department_id
            .map(|d| d.to_string())
            .unwrap_or_default(),
        t.supervised.to_string(),
        t.due_at_ms.map(time).unwrap_or_default(),
        time(t.created_at_ms),
        time(t.updated_at_ms),
        t.created_by.clone(),
    ]
}

/// Runs the export against the configured database; returns how many records were written.
pub fn run_export_command(
    cmd: &ExportCommand,
    config: &Config,
    out: &mut impl Write,
) -> anyhow::Result<usize> {
    let (buf, count, output, detail) = match cmd {
        ExportCommand::Tickets {
            from,
            to,
            format,
            output,
        } => {
            let (buf, count) = export_tickets(config, *from, *to, *format)?;
            let format = match format {
                Format::Csv => "csv",
                Format::Json => "json",
            };
            let detail = serde_json::json!({
                "what": "tickets",
                "from": from.to_string(),
                "to": to.to_string(),
                "format": format,
            });
            (buf, count, output, detail)
        }
        ExportCommand::Callers { output } => {
            let store = Store::open(&config.server.data_dir.join("hotline.db"))?;
            let callers = store.all_callers()?;
            let mut buf = Vec::new();
            write_csv_record(&mut buf, &CALLER_COLUMNS)?;
            for c in &callers {
                write_csv_record(
                    &mut buf,
                    &[
                        c.name.as_str(),
                        &c.numbers.join(";"),
                        &c.id_number,
                        &c.address,
                        &c.company,
                        c.category.as_str(),
                    ],
                )?;
            }
            let detail = serde_json::json!({"what": "callers", "format": "csv"});
            (buf, callers.len(), output, detail)
        }
    };
    audit_export(config, detail, count, output.as_deref())?;
    match output {
        Some(path) => std::fs::write(path, &buf)
            .map_err(|e| anyhow::anyhow!("{}: cannot write: {e}", path.display()))?,
        None => out.write_all(&buf)?,
    }
    Ok(count)
}

/// Writes the audit entry; an export that cannot be audited is not written out.
fn audit_export(
    config: &Config,
    mut detail: serde_json::Value,
    records: usize,
    output: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    detail["records"] = records.into();
    let target = output.map_or_else(|| "stdout".to_owned(), |p| p.display().to_string());
    let entry = AuditEntry::new(
        jiff::Timestamp::now().as_millisecond(),
        action::CLI_ACTOR,
        None,
        action::EXPORT,
        &target,
    )
    .with_detail(detail);
    Store::open(&config.server.data_dir.join("hotline.db"))?.append_audit(&entry)?;
    Ok(())
}

fn export_tickets(
    config: &Config,
    from: Date,
    to: Date,
    format: Format,
) -> anyhow::Result<(Vec<u8>, usize)> {
    if to < from {
        anyhow::bail!("--to {to} is before --from {from}");
    }
    let tz = config.server.tz();
    let midnight = |d: Date| -> anyhow::Result<i64> {
        Ok(tz
            .to_timestamp(d.to_datetime(jiff::civil::Time::midnight()))?
            .as_millisecond())
    };
    let from_ms = midnight(from)?;
    let to_ms = midnight(to.tomorrow()?)?;
    let store = Store::open(&config.server.data_dir.join("hotline.db"))?;
    let tickets = store.tickets_created_between(from_ms, to_ms)?;
    let mut buf: Vec<u8> = Vec::new();
    match format {
        Format::Csv => {
            write_csv_record(&mut buf, &TICKET_COLUMNS)?;
            for t in &tickets {
                write_csv_record(&mut buf, &ticket_fields(t))?;
            }
        }
        Format::Json => {
            for t in &tickets {
                let object: serde_json::Map<String, serde_json::Value> = TICKET_COLUMNS
                    .iter()
                    .zip(ticket_fields(t))
                    .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String(v)))
                    .collect();
                serde_json::to_writer(&mut buf, &object)?;
                buf.push(b'\n');
            }
        }
    }
    Ok((buf, tickets.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::import::parse_csv;

    #[test]
    fn written_csv_reads_back() {
        let mut buf = Vec::new();
        write_csv_record(&mut buf, &["a,b", "say \"hi\"", "two\nlines", "plain"]).unwrap();
        let text = String::from_utf8(buf).unwrap();
        let back = parse_csv(&text).unwrap();
        assert_eq!(back[0].fields, ["a,b", "say \"hi\"", "two\nlines", "plain"]);
    }
}
