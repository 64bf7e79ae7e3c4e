//! `hotline-server ivr check`: what is wrong with a flow before a caller finds out.
//!
//! Load-time problems (bad TOML, unknown steps and keys, wrong types) come from
//! [`crate::ivr::load`]; this adds what needs the whole flow: targets that do not exist,
//! missing prompt recordings in any language the flow can be in, unreachable nodes, and loops a
//! call can never leave.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::path::{Path, PathBuf};

use crate::ivr::flow::{Edge, Flow, Node, Step};
use crate::ivr::flow_set::{flow_files, flow_name};
use crate::ivr::load::{FlowError, load_flow};
use crate::ivr::prompt::prompt_path;
use crate::ivr::say;
use crate::ivr::vars::has_reference;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

/// One problem, shown as `file:line: error: message` like a compiler's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub file: PathBuf,
    pub line: u32,
    pub severity: Severity,
    pub message: String,
}

impl Finding {
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{}:{}: {severity}: {}",
            self.file.display(),
            self.line,
            self.message
        )
    }
}

/// Checks one loaded flow. `languages` are those a call can start in; languages set by the
/// flow's own `language` steps are checked too.
pub fn check(
    flow: &Flow,
    prompt_exists: &dyn Fn(&str, &str) -> bool,
    languages: &[&str],
) -> Vec<Finding> {
    let mut c = Checker {
        flow,
        out: Vec::new(),
    };
    c.targets();
    c.prompts(prompt_exists, languages);
    let reached = c.reachable();
    let trapped = c.trapped(&reached);
    c.silent_loops(&reached, &trapped);
    let mut out = c.out;
    out.sort_by_key(|f| (f.line, f.severity));
    out
}

/// Checks a flow file or every `*.toml` of a directory against the recordings under
/// `prompts_dir` (`<prompts_dir>/<language>/<prompt>.wav`; every sub-directory is a language).
/// Files that do not load are reported as findings; `Err` is only for unreadable paths.
pub fn check_path(path: &Path, prompts_dir: &Path) -> Result<Vec<Finding>, FlowError> {
    let files = if path.is_dir() {
        flow_files(path)?
    } else {
        vec![path.to_owned()]
    };
    let languages = languages_in(prompts_dir)?;
    let languages: Vec<&str> = languages.iter().map(String::as_str).collect();
    let exists = |lang: &str, name: &str| prompt_path(prompts_dir, lang, name).is_file();
    let mut out = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).map_err(|source| FlowError::Io {
            path: file.clone(),
            source,
        })?;
        match load_flow(&flow_name(&file), &text, &file) {
            Ok(flow) => out.extend(check(&flow, &exists, &languages)),
            Err(FlowError::Invalid(findings)) => out.extend(findings),
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

fn languages_in(prompts_dir: &Path) -> Result<Vec<String>, FlowError> {
    let io = |source| FlowError::Io {
        path: prompts_dir.to_owned(),
        source,
    };
    let mut langs = Vec::new();
    for entry in std::fs::read_dir(prompts_dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.is_dir() {
            langs.push(flow_name(&path));
        }
    }
    langs.sort();
    Ok(langs)
}

struct Checker<'f> {
    flow: &'f Flow,
    out: Vec<Finding>,
}

impl<'f> Checker<'f> {
    fn push(&mut self, line: u32, severity: Severity, message: String) {
        self.out.push(Finding {
            file: self.flow.file.clone(),
            line,
            severity,
            message,
        });
    }

    fn exists(&self, name: &str) -> bool {
        self.flow.nodes.contains_key(name)
    }

    /// Existing nodes a node can continue at, with how.
    fn edges(&self, node: &'f Node) -> impl Iterator<Item = (&'f str, Edge)> + '_ {
        node.step
            .targets()
            .into_iter()
            .filter(|(t, _)| self.exists(&t.node))
            .map(|(t, e)| (t.node.as_str(), e))
    }

    fn targets(&mut self) {
        let flow = self.flow;
        if !self.exists(&flow.start.node) {
            let msg = format!("the start node `{}` does not exist", flow.start.node);
            self.push(flow.start.line, Severity::Error, msg);
        }
        for node in flow.nodes.values() {
            for (t, _) in node.step.targets() {
                if !self.exists(&t.node) {
                    let msg = format!(
                        "node `{}` ({}) goes to `{}`, which does not exist",
                        node.name,
                        node.step.kind(),
                        t.node
                    );
                    self.push(t.line, Severity::Error, msg);
                }
            }
        }
    }

    fn prompts(&mut self, exists: &dyn Fn(&str, &str) -> bool, languages: &[&str]) {
        let flow = self.flow;
        let mut langs: Vec<&str> = languages.to_vec();
        for node in flow.nodes.values() {
            if let Step::Language(l) = &node.step
                && !has_reference(&l.language)
                && !langs.contains(&l.language.as_str())
            {
                langs.push(&l.language);
            }
        }
        let missing_in = |name: &str| -> Vec<&str> {
            langs.iter().copied().filter(|l| !exists(l, name)).collect()
        };
        for node in flow.nodes.values() {
            for p in node.step.prompts() {
                if has_reference(&p.name) {
                    continue;
                }
                let missing = missing_in(&p.name);
                if !missing.is_empty() {
                    let msg = format!(
                        "prompt `{}` has no recording in {}",
                        p.name,
                        missing.join(", ")
                    );
                    self.push(p.line, Severity::Error, msg);
                }
            }
            let mut implied: Vec<(String, u32)> = Vec::new();
            match &node.step {
                Step::Say(s) => {
                    for lang in &langs {
                        for name in say::prompt_names(s.kind, lang) {
                            if !exists(lang, &name) {
                                implied.push((format!("{name} ({lang})"), s.line));
                            }
                        }
                    }
                }
                Step::Record(r) if r.beep => {
                    for lang in missing_in("beep") {
                        implied.push((format!("beep ({lang})"), node.line));
                    }
                }
                _ => {}
            }
            if let Some((_, line)) = implied.first() {
                let names: Vec<_> = implied.iter().map(|(n, _)| n.as_str()).collect();
                let msg = format!(
                    "node `{}` ({}) needs prompts that have no recording: {}",
                    node.name,
                    node.step.kind(),
                    names.join(", ")
                );
                self.push(*line, Severity::Error, msg);
            }
        }
    }

    fn reachable(&mut self) -> BTreeSet<&'f str> {
        let flow = self.flow;
        let mut seen = BTreeSet::new();
        let mut todo = VecDeque::new();
        if let Some((name, _)) = flow.nodes.get_key_value(&flow.start.node) {
            todo.push_back(name.as_str());
        }
        while let Some(name) = todo.pop_front() {
            if !seen.insert(name) {
                continue;
            }
            if let Some(node) = flow.nodes.get(name) {
                todo.extend(self.edges(node).map(|(t, _)| t));
            }
        }
        for node in flow.nodes.values() {
            if !seen.contains(node.name.as_str()) {
                let msg = format!("node `{}` can never be reached", node.name);
                self.push(node.line, Severity::Warning, msg);
            }
        }
        seen
    }

    /// Reachable nodes from which no way out (hangup, queue, end of flow) can be reached.
    fn trapped(&mut self, reached: &BTreeSet<&'f str>) -> BTreeSet<&'f str> {
        let flow = self.flow;
        let mut can_exit: BTreeSet<&str> = flow
            .nodes
            .values()
            .filter(|n| {
                n.step.can_end() || n.step.targets().iter().any(|(t, _)| !self.exists(&t.node))
            })
            .map(|n| n.name.as_str())
            .collect();
        loop {
            let before = can_exit.len();
            for node in flow.nodes.values() {
                if self.edges(node).any(|(t, _)| can_exit.contains(t)) {
                    can_exit.insert(&node.name);
                }
            }
            if can_exit.len() == before {
                break;
            }
        }
        let trapped: BTreeSet<&str> = reached
            .iter()
            .copied()
            .filter(|n| !can_exit.contains(n))
            .collect();
        for name in &trapped {
            if let Some(node) = flow.nodes.get(*name) {
                let msg = format!(
                    "node `{name}` is in a loop with no way out: no hangup, queue or end of the \
                     flow can be reached from it"
                );
                self.push(node.line, Severity::Error, msg);
            }
        }
        trapped
    }

    /// Cycles a caller who presses nothing goes round forever (a menu whose failure path leads
    /// back to it gives it unlimited retries), and cycles that never wait at all.
    fn silent_loops(&mut self, reached: &BTreeSet<&'f str>, trapped: &BTreeSet<&'f str>) {
        let flow = self.flow;
        let silent = |node: &'f Node| {
            self.edges(node)
                .filter(|(_, e)| *e != Edge::Input)
                .map(|(t, _)| t)
                .collect::<Vec<_>>()
        };
        let graph: BTreeMap<&str, Vec<&str>> = flow
            .nodes
            .values()
            .map(|n| (n.name.as_str(), silent(n)))
            .collect();
        let reach = |from: &str| -> BTreeSet<&str> {
            let mut seen = BTreeSet::new();
            let mut todo: Vec<&str> = graph.get(from).cloned().unwrap_or_default();
            while let Some(n) = todo.pop() {
                if seen.insert(n) {
                    todo.extend(graph.get(n).into_iter().flatten().copied());
                }
            }
            seen
        };
        let reaches: BTreeMap<&str, BTreeSet<&str>> = graph
            .keys()
            .filter(|n| reached.contains(*n) && !trapped.contains(*n))
            .map(|n| (*n, reach(n)))
            .collect();
        let mut grouped = BTreeSet::new();
        for (&name, from) in &reaches {
            if !from.contains(name) || grouped.contains(name) {
                continue;
            }
            // The strongly connected group: nodes that reach `name` and are reached from it.
            let mut group: Vec<&Node> = reaches
                .iter()
                .filter(|(other, r)| from.contains(*other) && r.contains(name))
                .filter_map(|(other, _)| flow.nodes.get(*other))
                .collect();
            group.sort_by_key(|n| n.line);
            grouped.extend(group.iter().map(|n| n.name.as_str()));
            let Some(first) = group.first() else { continue };
            let path: Vec<&str> = group.iter().map(|n| n.name.as_str()).collect();
            let path = path.join(" → ");
            let conditional = group.iter().any(|n| matches!(n.step, Step::Branch(_)));
            let severity = if conditional {
                Severity::Warning
            } else {
                Severity::Error
            };
            let msg = if group.iter().any(|n| n.step.waits()) {
                format!(
                    "a caller who presses nothing goes round {path} forever: give the loop a \
                     way out (e.g. an `on_failure` that leaves it)"
                )
            } else {
                format!("{path} loop without waiting for anything; a call is cut after 1000 steps")
            };
            self.push(first.line, severity, msg);
        }
    }
}

#[cfg(test)]
mod tests;
