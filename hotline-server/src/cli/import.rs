//! `hotline-server import callers|kb FILE [--dry-run]`: all or nothing. Every row is checked
//! (in the file and against the database, in one transaction); if any is bad, each bad row is
//! reported with its line number and nothing is imported. `--dry-run` checks and reports only.
//!
//! Callers CSV columns: `name,numbers,id_number,address,company,category` (numbers separated
//! by `;`, category `resident`, `company` or `vip`, empty = resident).
//! Knowledge CSV columns: `kind,title,body,reference_answer` (kind `policy`, `regulation`,
//! `faq` or `guide`).

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Subcommand;

use crate::config::Config;
use crate::store::{CallerCategory, KnowledgeKind, NewCaller, NewKnowledge, Store};

pub const CALLER_COLUMNS: [&str; 6] = [
    "name",
    "numbers",
    "id_number",
    "address",
    "company",
    "category",
];
pub const KNOWLEDGE_COLUMNS: [&str; 4] = ["kind", "title", "body", "reference_answer"];

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Caller profiles from CSV: name,numbers,id_number,address,company,category.
    Callers {
        file: PathBuf,
        /// Check and report; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Knowledge-base items from CSV: kind,title,body,reference_answer.
    Kb {
        file: PathBuf,
        /// Check and report; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// One CSV record and the line it starts on (1 = the first line of the file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRecord {
    pub line: usize,
    pub fields: Vec<String>,
}

/// A CSV syntax error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct CsvError {
    pub line: usize,
    pub message: String,
}

/// Parses RFC 4180 CSV: quoted fields with `""` for a quote and embedded commas and line
/// breaks; CRLF or LF; a leading UTF-8 BOM is skipped; blank lines are skipped.
pub fn parse_csv(text: &str) -> Result<Vec<CsvRecord>, CsvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut line = 1;
    let mut start = 1;
    let mut quoted = false;
    // The current field was a quoted one that has closed.
    let mut closed = false;
    let mut chars = text.chars().peekable();
    let mut end_record = |fields: &mut Vec<String>, field: &mut String, start: usize| {
        fields.push(std::mem::take(field));
        let blank = fields.len() == 1 && fields[0].is_empty();
        let done = std::mem::take(fields);
        if !blank {
            records.push(CsvRecord {
                line: start,
                fields: done,
            });
        }
    };
    let mut fresh = true;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => {
                    quoted = false;
                    closed = true;
                }
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                c => field.push(c),
            }
            continue;
        }
        match c {
            ',' => {
                fields.push(std::mem::take(&mut field));
                closed = false;
                fresh = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                if !fresh || closed {
                    end_record(&mut fields, &mut field, start);
                }
                closed = false;
                fresh = true;
                line += 1;
                start = line;
            }
            '"' if field.is_empty() && !closed => {
                quoted = true;
                fresh = false;
            }
            c if closed => {
                return Err(CsvError {
                    line,
                    message: format!("unexpected {c:?} after a closing quote"),
                });
            }
            c => {
                field.push(c);
                fresh = false;
            }
        }
    }
    if quoted {
        return Err(CsvError {
            line: start,
            message: "a quoted field is not closed".to_owned(),
        });
    }
    if !fresh || closed {
        end_record(&mut fields, &mut field, start);
    }
    Ok(records)
}

/// A bad row: its line and what is wrong.
fn bad(line: usize, message: impl Into<String>) -> (usize, String) {
    (line, message.into())
}

fn check_header(records: &[CsvRecord], columns: &[&str]) -> Result<(), (usize, String)> {
    let Some(head) = records.first() else {
        return Err(bad(1, "the file is empty; a header row is needed"));
    };
    let got: Vec<String> = head
        .fields
        .iter()
        .map(|f| f.trim().to_ascii_lowercase())
        .collect();
    if got != columns {
        return Err(bad(
            head.line,
            format!(
                "the header must be {} (found {})",
                columns.join(","),
                head.fields.join(",")
            ),
        ));
    }
    Ok(())
}

fn valid_number(n: &str) -> bool {
    let digits = n.strip_prefix('+').unwrap_or(n);
    !digits.is_empty()
        && digits.len() <= 20
        && digits.chars().all(|c| c.is_ascii_digit() || c == '-')
        && digits.chars().any(|c| c.is_ascii_digit())
}

fn valid_id_number(id: &str) -> bool {
    let b = id.as_bytes();
    match b.len() {
        15 => b.iter().all(u8::is_ascii_digit),
        18 => b[..17].iter().all(u8::is_ascii_digit) && (b[17].is_ascii_digit() || b[17] == b'X'),
        _ => false,
    }
}

fn parse_category(s: &str) -> Option<CallerCategory> {
    match s.trim().to_ascii_lowercase().as_str() {
        "" | "resident" | "居民" => Some(CallerCategory::Resident),
        "company" | "企业" => Some(CallerCategory::Company),
        "vip" | "重点" | "重点关注" => Some(CallerCategory::Vip),
        _ => None,
    }
}

/// Checks one callers row.
pub fn caller_from_record(r: &CsvRecord) -> Result<NewCaller, String> {
    let f = &r.fields;
    if f.len() != CALLER_COLUMNS.len() {
        return Err(format!(
            "{} fields, expected {}",
            f.len(),
            CALLER_COLUMNS.len()
        ));
    }
    let mut problems = Vec::new();
    let name = f[0].trim();
    if name.is_empty() {
        problems.push("the name is empty".to_owned());
    }
    let numbers: Vec<String> = f[1]
        .split([';', '；'])
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .collect();
    if numbers.is_empty() {
        problems.push("no phone number".to_owned());
    }
    for n in numbers.iter().filter(|n| !valid_number(n)) {
        problems.push(format!("bad phone number {n:?}"));
    }
    let id_number = f[2].trim().to_ascii_uppercase();
    if !id_number.is_empty() && !valid_id_number(&id_number) {
        problems.push(format!("bad ID number {:?}", f[2].trim()));
    }
    let category = parse_category(&f[5]);
    if category.is_none() {
        problems.push(format!(
            "unknown category {:?} (resident, company or vip)",
            f[5].trim()
        ));
    }
    if !problems.is_empty() {
        return Err(problems.join("; "));
    }
    Ok(NewCaller {
        name: name.to_owned(),
        numbers,
        id_number,
        address: f[3].trim().to_owned(),
        company: f[4].trim().to_owned(),
        category: category.unwrap_or_default(),
        custom: std::collections::BTreeMap::new(),
    })
}

/// Checks one knowledge row.
pub fn knowledge_from_record(r: &CsvRecord) -> Result<NewKnowledge, String> {
    let f = &r.fields;
    if f.len() != KNOWLEDGE_COLUMNS.len() {
        return Err(format!(
            "{} fields, expected {}",
            f.len(),
            KNOWLEDGE_COLUMNS.len()
        ));
    }
    let kind = KnowledgeKind::parse(&f[0].trim().to_ascii_lowercase());
    let mut problems = Vec::new();
    if kind.is_none() {
        problems.push(format!(
            "unknown kind {:?} (policy, regulation, faq or guide)",
            f[0].trim()
        ));
    }
    if f[1].trim().is_empty() {
        problems.push("the title is empty".to_owned());
    }
    match kind {
        Some(kind) if problems.is_empty() => Ok(NewKnowledge {
            kind,
            title: f[1].trim().to_owned(),
            body: f[2].clone(),
            reference_answer: f[3].clone(),
        }),
        _ => Err(problems.join("; ")),
    }
}

/// Good rows by line, or every bad row by line with its problem.
type Checked<T> = Result<Vec<(usize, T)>, Vec<(usize, String)>>;

/// Reads the file and checks every row; `Err` holds every bad row.
fn rows_of<T>(
    path: &Path,
    columns: &[&str],
    convert: impl Fn(&CsvRecord) -> Result<T, String>,
) -> anyhow::Result<Checked<T>> {
    let bytes =
        std::fs::read(path).map_err(|e| anyhow::anyhow!("{}: cannot read: {e}", path.display()))?;
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let line = e.as_bytes()[..at].split(|&b| b == b'\n').count();
            return Ok(Err(vec![bad(line, "not UTF-8 text")]));
        }
    };
    let records = match parse_csv(&text) {
        Ok(r) => r,
        Err(e) => return Ok(Err(vec![(e.line, e.message)])),
    };
    if let Err(e) = check_header(&records, columns) {
        return Ok(Err(vec![e]));
    }
    let mut good = Vec::new();
    let mut problems = Vec::new();
    for r in &records[1..] {
        match convert(r) {
            Ok(v) => good.push((r.line, v)),
            Err(m) => problems.push((r.line, m)),
        }
    }
    Ok(if problems.is_empty() {
        Ok(good)
    } else {
        Err(problems)
    })
}

/// Runs one import against the configured database. Bad rows are written to `out` as
/// `FILE:LINE: problem`, and the command fails with nothing imported.
pub fn run_import_command(
    cmd: &ImportCommand,
    config: &Config,
    out: &mut impl Write,
    now_ms: i64,
) -> anyhow::Result<()> {
    let (file, dry_run) = match cmd {
        ImportCommand::Callers { file, dry_run } | ImportCommand::Kb { file, dry_run } => {
            (file, *dry_run)
        }
    };
    let (what, checked) = match cmd {
        ImportCommand::Callers { .. } => (
            "caller",
            rows_of(file, &CALLER_COLUMNS, caller_from_record)?.map(Rows::Callers),
        ),
        ImportCommand::Kb { .. } => (
            "knowledge item",
            rows_of(file, &KNOWLEDGE_COLUMNS, knowledge_from_record)?.map(Rows::Knowledge),
        ),
    };
    let report = |out: &mut dyn Write, problems: &[(usize, String)]| -> anyhow::Result<()> {
        for (line, message) in problems {
            writeln!(out, "{}:{line}: {message}", file.display())?;
        }
        Ok(())
    };
    let rows = match checked {
        Ok(rows) => rows,
        Err(problems) => {
            report(out, &problems)?;
            anyhow::bail!(
                "{}: {} bad row(s); nothing imported",
                file.display(),
                problems.len()
            );
        }
    };
    let store = Store::open(&config.server.data_dir.join("hotline.db"))?;
    let (count, problems) = match &rows {
        Rows::Callers(r) => (r.len(), store.import_callers(r, now_ms, !dry_run)?),
        Rows::Knowledge(r) => (
            r.len(),
            store.import_knowledge(r, "import", now_ms, !dry_run)?,
        ),
    };
    if !problems.is_empty() {
        let problems: Vec<(usize, String)> =
            problems.into_iter().map(|p| (p.line, p.message)).collect();
        report(out, &problems)?;
        anyhow::bail!(
            "{}: {} bad row(s); nothing imported",
            file.display(),
            problems.len()
        );
    }
    if dry_run {
        writeln!(
            out,
            "{}: {count} {what}(s) would be imported (dry run; nothing written)",
            file.display()
        )?;
    } else {
        writeln!(out, "{}: imported {count} {what}(s)", file.display())?;
    }
    Ok(())
}

enum Rows {
    Callers(Vec<(usize, NewCaller)>),
    Knowledge(Vec<(usize, NewKnowledge)>),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_commas_newlines_bom_and_lines() {
        let text = "\u{feff}a,b\r\n\"x, y\",\"say \"\"hi\"\"\nthere\"\n\nlast,\n";
        let r = parse_csv(text).unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].fields, ["a", "b"]);
        assert_eq!(r[1].line, 2);
        assert_eq!(r[1].fields, ["x, y", "say \"hi\"\nthere"]);
        assert_eq!(r[2].line, 5);
        assert_eq!(r[2].fields, ["last", ""]);
        assert_eq!(parse_csv("a\n\"open\n").unwrap_err().line, 2);
        assert_eq!(parse_csv("\"a\"b\n").unwrap_err().line, 1);
    }
}
