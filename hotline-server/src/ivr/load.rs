//! Reads a flow file (TOML) into a [`Flow`], keeping the line of every node and key.
//!
//! The file is walked by hand from `toml`'s spanned document rather than derived with serde, so
//! every problem (unknown step, unknown key, wrong type) is reported with its line, and all of
//! them at once: an admin fixing a flow should not have to run the checker once per typo.
//!
//! # Format
//! `[flow]` holds `start` (default: a node named `start`), `description`, and defaults for menus
//! and collects: `timeout` (seconds, 5), `retries` (3), `invalid` / `no_input` prompts. Every
//! `[node.<name>]` is one step; the key naming the step carries its main argument. Prompts are
//! a name or a list of names; any string value may use `${var}`. Seconds may be decimals.
//!
//! | step | main key | other keys |
//! |------|----------|------------|
//! | play | `play = [prompts]` | `next`, `interruptible` (false; true keeps keys for the next menu) |
//! | menu | `menu = [prompts]` | `choices = { 1 = "node", "*" = "node" }`, `timeout`, `retries`, `invalid`, `no_input`, `on_failure` (none: hang up), `into`, `interruptible` (true) |
//! | collect | `collect = [prompts]` | `into` (required), `min` (1), `max` (20), `terminator` ("#", "" = none), `first_timeout`, `inter_timeout` (3), `retries`, `invalid`, `no_input`, `next`, `on_failure`, `interruptible`, `secret` (false: true logs `*` for each digit, for PINs) |
//! | branch | `branch = "var"` | `when = [{ equals = "x" \| in = ["a","b"] \| len = 11, goto = "node", var = "other" }]`, `else` |
//! | goto | `goto = "node"` | |
//! | set | `set = { var = "value" }` | `next` |
//! | language | `language = "en"` | `next` (the call's language is also the variable `language`) |
//! | record | `record = [prompts]` | `into`, `name` (file name hint), `max_secs` (60), `beep` (true), `finish_on` ("#"), `next`, `on_failure` (nothing recorded) |
//! | say | `say = "digits" \| "number" \| "date"` | `value` (literal or `${var}`; dates `YYYY-MM-DD`), `prompt` (before), `after`, `next`, `interruptible` |
//! | hangup | `hangup = "cause"` | `prompt` (played first) |
//! | queue | `queue = "name"` | `skills`, `priority` (0), `prompt` (played first) |
//!
//! A missing `next` ends the flow (the call is hung up). Example (see `assets/ivr/12315.toml`):
//! ```toml
//! [flow]
//! start = "welcome"
//!
//! [node.welcome]
//! play = "welcome_12315"
//! interruptible = true
//! next = "main"
//!
//! [node.main]
//! menu = "menu_main"
//! choices = { 1 = "complaint", 0 = "agent" }
//! on_failure = "agent"
//!
//! [node.complaint]
//! queue = "complaint"
//! skills = ["complaint"]
//!
//! [node.agent]
//! queue = "general"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use toml::de::DeTable;

use crate::ivr::check::{Finding, Severity};
use crate::ivr::flow::{
    Branch, Case, Collect, Flow, Hangup, Language, Menu, Node, Play, Prompt, Queue, Record,
    STEP_KINDS, Say, SayKind, Service, Set, Step, Target, Test,
};

mod reader;

use reader::{LineIndex, Reader};

/// Why a flow (or a directory of flows) could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Every problem found, each with its file and line.
    #[error("{}", join_findings(.0))]
    Invalid(Vec<Finding>),
}

fn join_findings(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Defaults for menus and collects, overridable in `[flow]`.
#[derive(Debug, Clone)]
struct Defaults {
    timeout_ms: u64,
    retries: u32,
    invalid: Vec<Prompt>,
    no_input: Vec<Prompt>,
}

const DEFAULT_TIMEOUT_MS: u64 = 5_000;
const DEFAULT_INTER_DIGIT_MS: u64 = 3_000;
const DEFAULT_RETRIES: u32 = 3;
const DEFAULT_MAX_DIGITS: u32 = 20;
const DEFAULT_RECORD_SECS: u32 = 60;

/// Parses one flow file. `name` is the flow's name (usually the file stem), `file` is only used
/// in messages.
pub fn load_flow(name: &str, text: &str, file: &Path) -> Result<Flow, FlowError> {
    let lines = LineIndex::new(text);
    let mut errors = Vec::new();
    let doc = match DeTable::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            let line = e.span().map_or(1, |s| lines.line(s.start));
            let message = format!("invalid TOML: {}", e.message().trim());
            return Err(FlowError::Invalid(vec![error(file, line, message)]));
        }
    };
    let mut top = Reader::new(doc.get_ref(), "the file", &lines, file, &mut errors);
    let flow_table = top.table("flow");
    let node_table = top.table("node");
    top.finish();

    let mut defaults = Defaults {
        timeout_ms: DEFAULT_TIMEOUT_MS,
        retries: DEFAULT_RETRIES,
        // Line 0: implicit, reported at the node that uses it.
        invalid: vec![Prompt {
            name: "invalid".into(),
            line: 0,
        }],
        no_input: vec![Prompt {
            name: "no_input".into(),
            line: 0,
        }],
    };
    let mut description = String::new();
    let mut start = None;
    if let Some((table, _)) = flow_table {
        let mut r = Reader::new(table, "[flow]", &lines, file, &mut errors);
        start = r.target("start");
        description = r.string("description").map(|(s, _)| s).unwrap_or_default();
        defaults.timeout_ms = r.secs("timeout").unwrap_or(defaults.timeout_ms);
        defaults.retries = r.uint("retries").unwrap_or(defaults.retries);
        defaults.invalid = r.prompts("invalid").unwrap_or(defaults.invalid);
        defaults.no_input = r.prompts("no_input").unwrap_or(defaults.no_input);
        r.finish();
    }

    let mut nodes = BTreeMap::new();
    match node_table {
        Some((table, _)) => {
            for (key, value) in table {
                let line = lines.line(key.span().start);
                let name = key.get_ref().to_string();
                let Some(t) = value.get_ref().as_table() else {
                    errors.push(error(file, line, format!("node `{name}` must be a table")));
                    continue;
                };
                let what = format!("node `{name}`");
                let mut r = Reader::new(t, &what, &lines, file, &mut errors);
                if let Some(step) = parse_step(&mut r, &name, &defaults, line) {
                    nodes.insert(name.clone(), Node { name, line, step });
                }
                r.finish();
            }
        }
        None => errors.push(error(
            file,
            1,
            "the flow has no nodes: add `[node.start]`".into(),
        )),
    }

    let start = start.unwrap_or_else(|| Target {
        node: "start".into(),
        line: 1,
    });
    if errors.is_empty() {
        Ok(Flow {
            name: name.to_owned(),
            file: file.to_owned(),
            description,
            start,
            nodes,
        })
    } else {
        errors.sort_by_key(|f| f.line);
        Err(FlowError::Invalid(errors))
    }
}

fn error(file: &Path, line: u32, message: String) -> Finding {
    Finding {
        file: file.to_owned(),
        line,
        severity: Severity::Error,
        message,
    }
}

fn parse_step(r: &mut Reader<'_, '_, '_>, name: &str, d: &Defaults, line: u32) -> Option<Step> {
    let kinds: Vec<&str> = STEP_KINDS.iter().copied().filter(|k| r.has(k)).collect();
    let kind = match kinds.as_slice() {
        [kind] => *kind,
        [] => {
            // A key that is not a step nor a known option is most likely a misspelt step.
            let unknown = r.keys().find(|k| !is_option(k)).map(str::to_owned);
            let (at, msg) = match unknown {
                Some(k) => (
                    r.key_line(&k).unwrap_or(line),
                    format!(
                        "unknown step `{k}` in node `{name}` (steps: {})",
                        STEP_KINDS.join(", ")
                    ),
                ),
                None => (
                    line,
                    format!(
                        "node `{name}` has no step (one of {})",
                        STEP_KINDS.join(", ")
                    ),
                ),
            };
            r.error_at(at, msg);
            r.mark_all_used();
            return None;
        }
        [a, b, ..] => {
            r.error_at(
                line,
                format!("node `{name}` has two steps, `{a}` and `{b}`: split it"),
            );
            r.mark_all_used();
            return None;
        }
    };
    let step = match kind {
        "play" => Step::Play(Play {
            prompts: r.prompts("play").unwrap_or_default(),
            interruptible: r.boolean("interruptible").unwrap_or(false),
            next: r.target("next"),
        }),
        "menu" => Step::Menu(parse_menu(r, name, d, line)),
        "collect" => Step::Collect(parse_collect(r, d, line)),
        "branch" => Step::Branch(parse_branch(r, line)),
        "goto" => Step::Goto(r.target("goto")?),
        "set" => Step::Set(Set {
            values: r.string_map("set"),
            next: r.target("next"),
        }),
        "language" => {
            let (language, line) = r.string("language")?;
            if language.is_empty() {
                r.error_at(line, "`language` must not be empty".into());
            }
            Step::Language(Language {
                language,
                line,
                next: r.target("next"),
            })
        }
        "record" => Step::Record(parse_record(r, name)),
        "say" => Step::Say(parse_say(r, line)?),
        "hangup" => Step::Hangup(Hangup {
            cause: r.string("hangup").map(|(s, _)| s).unwrap_or_default(),
            prompts: r.prompts("prompt").unwrap_or_default(),
        }),
        "service" => {
            let (service, sline) = r.string("service")?;
            let args = r.string_map("args");
            if let Err(message) = crate::ivr::service::validate(&service, &args) {
                r.error_at(sline, message);
            }
            Step::Service(Service {
                service,
                line: sline,
                args,
                next: r.target("next"),
                on_failure: r.target("on_failure"),
            })
        }
        "queue" => {
            let (queue, qline) = r.string("queue")?;
            if queue.is_empty() {
                r.error_at(qline, "`queue` must name a queue".into());
            }
            let priority = r.int("priority").unwrap_or(0);
            let priority = i32::try_from(priority).unwrap_or_else(|_| {
                r.error_at(qline, format!("priority {priority} is out of range"));
                0
            });
            Step::Queue(Queue {
                queue,
                skills: r.strings("skills").unwrap_or_default(),
                priority,
                prompts: r.prompts("prompt").unwrap_or_default(),
            })
        }
        _ => return None,
    };
    Some(step)
}

/// Keys that are options of some step (anything else without a step key is an unknown step).
fn is_option(key: &str) -> bool {
    const OPTIONS: [&str; 27] = [
        "next",
        "secret",
        "interruptible",
        "choices",
        "timeout",
        "retries",
        "invalid",
        "no_input",
        "on_failure",
        "into",
        "min",
        "max",
        "terminator",
        "first_timeout",
        "inter_timeout",
        "when",
        "else",
        "name",
        "max_secs",
        "beep",
        "finish_on",
        "value",
        "prompt",
        "after",
        "skills",
        "priority",
        "args",
    ];
    OPTIONS.contains(&key)
}

fn parse_menu(r: &mut Reader<'_, '_, '_>, name: &str, d: &Defaults, line: u32) -> Menu {
    let mut choices = BTreeMap::new();
    let mut choices_line = line;
    if let Some((table, tline)) = r.table("choices") {
        choices_line = tline;
        let what = format!("the choices of node `{name}`");
        let mut c = r.child(table, &what);
        for key in c.keys().map(str::to_owned).collect::<Vec<_>>() {
            let Some(t) = c.target(&key) else { continue };
            match dtmf_key(&key) {
                Some(digit) => {
                    choices.insert(digit, t);
                }
                None => c.error_at(t.line, format!("choice `{key}` is not a key (0-9, *, #)")),
            }
        }
        c.finish();
    }
    if choices.is_empty() {
        r.error_at(choices_line, format!("menu `{name}` has no choices"));
    }
    Menu {
        prompts: r.prompts("menu").unwrap_or_default(),
        choices,
        choices_line,
        timeout_ms: r.secs("timeout").unwrap_or(d.timeout_ms),
        retries: r.uint("retries").unwrap_or(d.retries),
        invalid: r
            .prompts("invalid")
            .unwrap_or_else(|| at_line(&d.invalid, line)),
        no_input: r
            .prompts("no_input")
            .unwrap_or_else(|| at_line(&d.no_input, line)),
        on_failure: r.target("on_failure"),
        into: r.string("into").map(|(s, _)| s),
        interruptible: r.boolean("interruptible").unwrap_or(true),
    }
}

fn parse_collect(r: &mut Reader<'_, '_, '_>, d: &Defaults, line: u32) -> Collect {
    let (into, into_line) = r.string("into").unwrap_or_else(|| {
        r.error_at(line, "`collect` needs `into = \"variable\"`".into());
        (String::new(), line)
    });
    let min_digits = r.uint("min").unwrap_or(1);
    let max_digits = r.uint("max").unwrap_or(DEFAULT_MAX_DIGITS);
    if max_digits == 0 || min_digits > max_digits {
        r.error_at(
            into_line,
            format!("digits: min {min_digits} and max {max_digits} do not fit"),
        );
    }
    Collect {
        prompts: r.prompts("collect").unwrap_or_default(),
        into,
        secret: r.boolean("secret").unwrap_or(false),
        min_digits,
        max_digits,
        terminator: r.key_char("terminator", Some('#')),
        first_timeout_ms: r.secs("first_timeout").unwrap_or(d.timeout_ms),
        inter_timeout_ms: r.secs("inter_timeout").unwrap_or(DEFAULT_INTER_DIGIT_MS),
        retries: r.uint("retries").unwrap_or(d.retries),
        invalid: r
            .prompts("invalid")
            .unwrap_or_else(|| at_line(&d.invalid, line)),
        no_input: r
            .prompts("no_input")
            .unwrap_or_else(|| at_line(&d.no_input, line)),
        next: r.target("next"),
        on_failure: r.target("on_failure"),
        interruptible: r.boolean("interruptible").unwrap_or(true),
    }
}

fn parse_branch(r: &mut Reader<'_, '_, '_>, line: u32) -> Branch {
    let var = r.string("branch").map(|(s, _)| s).unwrap_or_default();
    let mut cases = Vec::new();
    for (table, cline) in r.tables("when") {
        let mut c = r.child(table, "a `when` case");
        let case_var = c.string("var").map_or_else(|| var.clone(), |(s, _)| s);
        if case_var.is_empty() {
            c.error_at(
                cline,
                "a `when` case needs a variable: `branch = \"var\"` or `var`".into(),
            );
        }
        let mut tests = Vec::new();
        if let Some((s, _)) = c.string("equals") {
            tests.push(Test::Equals(s));
        }
        if let Some(list) = c.strings("in") {
            tests.push(Test::In(list));
        }
        if let Some(n) = c.uint("len") {
            tests.push(Test::Len(n as usize));
        }
        let goto = c.target("goto");
        c.finish();
        if tests.len() != 1 {
            r.error_at(
                cline,
                "a `when` case needs exactly one of `equals`, `in`, `len`".into(),
            );
        }
        let Some(goto) = goto else {
            r.error_at(cline, "a `when` case needs `goto`".into());
            continue;
        };
        if let Some(test) = tests.pop() {
            cases.push(Case {
                var: case_var,
                test,
                goto,
            });
        }
    }
    let otherwise = r.target("else");
    if cases.is_empty() && otherwise.is_none() {
        r.error_at(line, "`branch` needs `when` cases or `else`".into());
    }
    Branch { cases, otherwise }
}

fn parse_record(r: &mut Reader<'_, '_, '_>, name: &str) -> Record {
    Record {
        prompts: r.prompts("record").unwrap_or_default(),
        into: r.string("into").map(|(s, _)| s),
        name: r.string("name").map_or_else(|| name.to_owned(), |(s, _)| s),
        max_secs: r.uint("max_secs").unwrap_or(DEFAULT_RECORD_SECS),
        beep: r.boolean("beep").unwrap_or(true),
        finish_on: r.key_char("finish_on", Some('#')),
        next: r.target("next"),
        on_failure: r.target("on_failure"),
    }
}

fn parse_say(r: &mut Reader<'_, '_, '_>, line: u32) -> Option<Say> {
    let (kind, kline) = r.string("say")?;
    let kind = match kind.as_str() {
        "digits" => SayKind::Digits,
        "number" => SayKind::Number,
        "date" => SayKind::Date,
        other => {
            r.error_at(
                kline,
                format!("say `{other}`: expected digits, number or date"),
            );
            r.mark_all_used();
            return None;
        }
    };
    let (value, vline) = r.string("value").unwrap_or_else(|| {
        r.error_at(
            line,
            "`say` needs `value` (a literal or \"${variable}\")".into(),
        );
        (String::new(), line)
    });
    Some(Say {
        kind,
        value,
        line: vline,
        prompts: r.prompts("prompt").unwrap_or_default(),
        after: r.prompts("after").unwrap_or_default(),
        interruptible: r.boolean("interruptible").unwrap_or(false),
        next: r.target("next"),
    })
}

/// Default prompts, reported at the node that uses them.
fn at_line(prompts: &[Prompt], line: u32) -> Vec<Prompt> {
    prompts
        .iter()
        .map(|p| Prompt {
            name: p.name.clone(),
            line: if p.line == 0 { line } else { p.line },
        })
        .collect()
}

/// A single DTMF key.
pub(crate) fn dtmf_key(text: &str) -> Option<char> {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if c.is_ascii_digit() || matches!(c, '*' | '#' | 'A'..='D') => Some(c),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
