//! Drives one call through a flow: sans-IO, events and `now` in, [`Action`]s out.
//!
//! The interpreter never sleeps: timers are deadlines the driver asks for with
//! [`Interpreter::next_deadline`] and fires with [`Interpreter::poll`]. Input timers start when
//! the prompt has played (the driver answers every play with `PlaybackDone`), or at once when
//! there is no prompt. Digits during an interruptible prompt stop it and count as input
//! (barge-in); digits during an interruptible `play` are kept as type-ahead for the next menu or
//! collect, so a caller who knows the menu can key through the welcome.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::ivr::action::{Action, Event};
use crate::ivr::flow::{Flow, Node, Prompt, Record, Say, SayKind, Step, Target, Test};
use crate::ivr::prompt::PromptRef;
use crate::ivr::say;
use crate::ivr::vars::substitute;

/// Nodes entered without waiting for the driver before the call is cut (`goto` loops).
const MAX_STEPS: u32 = 1000;

/// One call's run through a flow.
#[derive(Debug)]
pub struct Interpreter {
    flow: Arc<Flow>,
    language: String,
    vars: BTreeMap<String, String>,
    digits: String,
    state: State,
    /// Plays not yet answered by `PlaybackDone`; any but the last are stopped ones.
    plays_pending: u32,
    typeahead: VecDeque<char>,
    /// Nodes entered since the last wait.
    steps: u32,
}

#[derive(Debug)]
enum State {
    NotStarted,
    /// A `play` or `say` node's prompts, then `next`.
    Playing {
        node: String,
        interruptible: bool,
        next: Option<Target>,
    },
    /// A menu or a collect waiting for its prompt or digits.
    Input(Input),
    RecordPrompt {
        node: String,
    },
    Recording {
        node: String,
    },
    /// Waiting for the driver's `ServiceDone`.
    Service {
        node: String,
    },
    /// The prompt before the final queue or hangup.
    Ending {
        action: Action,
    },
    Done,
}

#[derive(Debug)]
struct Input {
    node: String,
    failures: u32,
    prompt_playing: bool,
    deadline: Option<Instant>,
    entered: String,
}

/// What to do after a step or an event.
enum Next {
    Wait,
    Goto(String),
    End(Action),
}

#[derive(Clone, Copy)]
enum Failure {
    Invalid,
    NoInput,
}

fn to(target: Option<&Target>) -> Next {
    target.map_or_else(|| hangup("flow ended"), |t| Next::Goto(t.node.clone()))
}

fn hangup(cause: &str) -> Next {
    Next::End(Action::Hangup {
        cause: cause.to_owned(),
    })
}

fn log(out: &mut Vec<Action>, node: &Node, detail: Value) {
    out.push(Action::Log {
        node: node.name.clone(),
        step: node.step.kind(),
        detail,
    });
}

impl Interpreter {
    /// `vars` are the call's variables (caller, dnis, profile …); `language` is also available
    /// as the variable `language`.
    pub fn new(flow: Arc<Flow>, language: &str, mut vars: BTreeMap<String, String>) -> Self {
        vars.insert("language".into(), language.to_owned());
        Self {
            flow,
            language: language.to_owned(),
            vars,
            digits: String::new(),
            state: State::NotStarted,
            plays_pending: 0,
            typeahead: VecDeque::new(),
            steps: 0,
        }
    }

    pub fn start(&mut self, now: Instant) -> Vec<Action> {
        let mut out = Vec::new();
        if matches!(self.state, State::NotStarted) {
            self.steps = 0;
            let start = self.flow.start.node.clone();
            self.proceed(Next::Goto(start), now, &mut out);
        }
        out
    }

    pub fn on_event(&mut self, event: Event, now: Instant) -> Vec<Action> {
        let mut out = Vec::new();
        self.steps = 0;
        if matches!(self.state, State::Done) {
            return out;
        }
        let next = match event {
            Event::Hangup => {
                self.log_current(&mut out, json!({"event": "caller_hangup"}));
                self.state = State::Done;
                self.typeahead.clear();
                Next::Wait
            }
            Event::Digit(d) => {
                if !is_dtmf(d) {
                    return out;
                }
                let shown = if self.hides_digits() { '*' } else { d };
                self.digits.push(shown);
                self.log_current(
                    &mut out,
                    json!({"event": "digit", "digit": shown.to_string()}),
                );
                self.on_digit(d, now, &mut out)
            }
            Event::PlaybackDone => {
                if self.plays_pending == 0 {
                    return out;
                }
                self.plays_pending -= 1;
                if self.plays_pending > 0 {
                    return out; // the answer to a play that was stopped
                }
                self.on_playback_done(now, &mut out)
            }
            Event::RecordDone { file, duration_ms } => {
                self.on_record_done(file, duration_ms, &mut out)
            }
            Event::ServiceDone { ok, vars } => self.on_service_done(ok, vars, &mut out),
        };
        self.proceed(next, now, &mut out);
        out
    }

    /// Fires a due input timeout.
    pub fn poll(&mut self, now: Instant) -> Vec<Action> {
        let mut out = Vec::new();
        self.steps = 0;
        if self.next_deadline().is_some_and(|d| d <= now)
            && let State::Input(input) = std::mem::replace(&mut self.state, State::NotStarted)
        {
            let next = self.on_timeout(input, now, &mut out);
            self.proceed(next, now, &mut out);
        }
        out
    }

    pub fn next_deadline(&self) -> Option<Instant> {
        match &self.state {
            State::Input(input) => input.deadline,
            _ => None,
        }
    }

    pub fn variables(&self) -> &BTreeMap<String, String> {
        &self.vars
    }

    pub fn language(&self) -> &str {
        &self.language
    }

    /// Every key the caller pressed, for the call record.
    pub fn digits(&self) -> &str {
        &self.digits
    }

    /// Whether the flow is over (queued, hung up, or the caller left).
    pub fn is_finished(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// Whether a key pressed now is part of a secret (a PIN being collected): it is then
    /// logged and recorded as `*`.
    pub fn hides_digits(&self) -> bool {
        self.current_node()
            .and_then(|n| self.flow.node(n))
            .is_some_and(|node| matches!(&node.step, Step::Collect(c) if c.secret))
    }

    fn current_node(&self) -> Option<&str> {
        match &self.state {
            State::Playing { node, .. }
            | State::RecordPrompt { node }
            | State::Recording { node }
            | State::Service { node } => Some(node),
            State::Input(input) => Some(&input.node),
            State::NotStarted | State::Ending { .. } | State::Done => None,
        }
    }

    fn log_current(&self, out: &mut Vec<Action>, detail: Value) {
        let flow = Arc::clone(&self.flow);
        match self.current_node().and_then(|n| flow.node(n)) {
            Some(node) => log(out, node, detail),
            None => out.push(Action::Log {
                node: String::new(),
                step: "flow",
                detail,
            }),
        }
    }

    /// Enters nodes until one waits for the driver or the flow ends.
    fn proceed(&mut self, mut next: Next, now: Instant, out: &mut Vec<Action>) {
        let flow = Arc::clone(&self.flow);
        loop {
            match next {
                Next::Wait => return,
                Next::End(action) => {
                    out.push(action);
                    self.typeahead.clear();
                    self.state = State::Done;
                    return;
                }
                Next::Goto(name) => {
                    self.steps += 1;
                    let Some(node) = flow.node(&name) else {
                        let detail = json!({"event": "error", "missing_node": name});
                        out.push(Action::Log {
                            node: name,
                            step: "flow",
                            detail,
                        });
                        next = hangup("flow error");
                        continue;
                    };
                    if self.steps > MAX_STEPS {
                        log(out, node, json!({"event": "loop", "steps": MAX_STEPS}));
                        next = hangup("flow loop");
                        continue;
                    }
                    log(out, node, json!({"event": "enter"}));
                    next = self.enter(node, now, out);
                }
            }
        }
    }

    fn enter(&mut self, node: &Node, now: Instant, out: &mut Vec<Action>) -> Next {
        match &node.step {
            Step::Play(p) => {
                let prompts = self.resolve(&p.prompts);
                self.play_then(node, prompts, p.interruptible, p.next.as_ref(), out)
            }
            Step::Say(s) => {
                let prompts = self.say(node, s, out);
                self.play_then(node, prompts, s.interruptible, s.next.as_ref(), out)
            }
            Step::Menu(_) | Step::Collect(_) => self.enter_input(node, now, out),
            Step::Branch(b) => {
                let hit = b.cases.iter().find(|case| {
                    let value = self.vars.get(&case.var).map_or("", String::as_str);
                    match &case.test {
                        Test::Equals(s) => value == substitute(s, &self.vars),
                        Test::In(list) => list.iter().any(|s| value == substitute(s, &self.vars)),
                        Test::Len(n) => value.chars().count() == *n,
                    }
                });
                let target = hit.map(|c| &c.goto).or(b.otherwise.as_ref());
                let to_node = target.map(|t| t.node.as_str());
                log(out, node, json!({"event": "branch", "goto": to_node}));
                to(target)
            }
            Step::Goto(t) => Next::Goto(t.node.clone()),
            Step::Set(s) => {
                for (name, value) in &s.values {
                    let value = substitute(value, &self.vars);
                    self.vars.insert(name.clone(), value);
                }
                to(s.next.as_ref())
            }
            Step::Language(l) => {
                let language = substitute(&l.language, &self.vars);
                if !language.is_empty() {
                    self.vars.insert("language".into(), language.clone());
                    self.language = language;
                }
                to(l.next.as_ref())
            }
            Step::Record(r) => {
                self.typeahead.clear();
                let prompts = self.resolve(&r.prompts);
                if prompts.is_empty() {
                    self.start_record(node, r, out);
                } else {
                    self.play(prompts, false, out);
                    self.state = State::RecordPrompt {
                        node: node.name.clone(),
                    };
                }
                Next::Wait
            }
            Step::Hangup(h) => {
                let cause = substitute(&h.cause, &self.vars);
                let cause = if cause.is_empty() {
                    "normal".to_owned()
                } else {
                    cause
                };
                self.end_after(&h.prompts, Action::Hangup { cause }, out)
            }
            Step::Service(s) => {
                self.typeahead.clear();
                let args = s
                    .args
                    .iter()
                    .map(|(k, v)| (k.clone(), substitute(v, &self.vars)))
                    .collect();
                out.push(Action::Service {
                    name: s.service.clone(),
                    args,
                });
                self.state = State::Service {
                    node: node.name.clone(),
                };
                Next::Wait
            }
            Step::Queue(q) => {
                let action = Action::Queue {
                    queue: substitute(&q.queue, &self.vars),
                    skills: q.skills.iter().map(|s| substitute(s, &self.vars)).collect(),
                    priority: q.priority,
                };
                self.end_after(&q.prompts, action, out)
            }
        }
    }

    fn play_then(
        &mut self,
        node: &Node,
        prompts: Vec<PromptRef>,
        interruptible: bool,
        next: Option<&Target>,
        out: &mut Vec<Action>,
    ) -> Next {
        if prompts.is_empty() {
            return to(next);
        }
        self.play(prompts, interruptible, out);
        self.state = State::Playing {
            node: node.name.clone(),
            interruptible,
            next: next.cloned(),
        };
        Next::Wait
    }

    fn end_after(&mut self, prompts: &[Prompt], action: Action, out: &mut Vec<Action>) -> Next {
        self.typeahead.clear();
        let prompts = self.resolve(prompts);
        if prompts.is_empty() {
            return Next::End(action);
        }
        self.play(prompts, false, out);
        self.state = State::Ending { action };
        Next::Wait
    }

    fn play(&mut self, prompts: Vec<PromptRef>, interruptible: bool, out: &mut Vec<Action>) {
        self.plays_pending += 1;
        out.push(Action::Play {
            prompts,
            interruptible,
        });
    }

    fn resolve(&self, prompts: &[Prompt]) -> Vec<PromptRef> {
        prompts
            .iter()
            .map(|p| substitute(&p.name, &self.vars))
            .filter(|name| !name.is_empty())
            .map(|name| PromptRef {
                language: self.language.clone(),
                name,
            })
            .collect()
    }

    fn say(&self, node: &Node, s: &Say, out: &mut Vec<Action>) -> Vec<PromptRef> {
        let value = substitute(&s.value, &self.vars);
        let lang = self.language.as_str();
        let spoken = match s.kind {
            SayKind::Digits => Some(say::say_digits(lang, &value)),
            SayKind::Number => value
                .trim()
                .parse::<u64>()
                .ok()
                .map(|n| say::say_number(lang, n)),
            SayKind::Date => value
                .trim()
                .parse::<jiff::civil::Date>()
                .ok()
                .map(|d| say::say_date(lang, d)),
        };
        let spoken = spoken.unwrap_or_else(|| {
            let detail = json!({"event": "error", "say": s.kind.as_str(), "unreadable": value});
            log(out, node, detail);
            Vec::new()
        });
        let mut prompts = self.resolve(&s.prompts);
        prompts.extend(spoken);
        prompts.extend(self.resolve(&s.after));
        prompts
    }

    fn on_digit(&mut self, d: char, now: Instant, out: &mut Vec<Action>) -> Next {
        match std::mem::replace(&mut self.state, State::NotStarted) {
            State::Playing {
                interruptible: true,
                next,
                ..
            } => {
                out.push(Action::StopPlayback);
                self.typeahead.push_back(d);
                to(next.as_ref())
            }
            State::Input(input) => self.input_digit(input, d, now, out),
            other => {
                // Not listening (a prompt that must be heard, or recording): the key is only
                // kept in `digits` for the call record.
                self.state = other;
                Next::Wait
            }
        }
    }

    fn on_playback_done(&mut self, now: Instant, out: &mut Vec<Action>) -> Next {
        let flow = Arc::clone(&self.flow);
        match std::mem::replace(&mut self.state, State::NotStarted) {
            State::Playing { next, .. } => to(next.as_ref()),
            State::Input(mut input) => {
                if input.prompt_playing {
                    input.prompt_playing = false;
                    if let Some(node) = flow.node(&input.node) {
                        input.deadline = Some(now + input_timeout(node, &input));
                    }
                }
                self.state = State::Input(input);
                Next::Wait
            }
            State::RecordPrompt { node } => {
                if let Some(n) = flow.node(&node)
                    && let Step::Record(r) = &n.step
                {
                    self.start_record(n, r, out);
                    return Next::Wait;
                }
                hangup("flow error")
            }
            State::Ending { action } => Next::End(action),
            other => {
                self.state = other;
                Next::Wait
            }
        }
    }

    fn start_record(&mut self, node: &Node, r: &Record, out: &mut Vec<Action>) {
        out.push(Action::Record {
            name_hint: substitute(&r.name, &self.vars),
            max_secs: r.max_secs,
            beep: r.beep,
            finish_on: r.finish_on,
        });
        self.state = State::Recording {
            node: node.name.clone(),
        };
    }

    fn on_record_done(&mut self, file: String, duration_ms: u64, out: &mut Vec<Action>) -> Next {
        let flow = Arc::clone(&self.flow);
        let State::Recording { node } = &self.state else {
            return Next::Wait;
        };
        let Some(node) = flow.node(node) else {
            return hangup("flow error");
        };
        let Step::Record(r) = &node.step else {
            return hangup("flow error");
        };
        let detail = json!({"event": "recorded", "file": file, "duration_ms": duration_ms});
        log(out, node, detail);
        if file.is_empty() || duration_ms == 0 {
            return to(r.on_failure.as_ref().or(r.next.as_ref()));
        }
        if let Some(var) = &r.into {
            self.vars.insert(var.clone(), file);
        }
        to(r.next.as_ref())
    }
}

impl Interpreter {
    fn on_service_done(
        &mut self,
        ok: bool,
        vars: BTreeMap<String, String>,
        out: &mut Vec<Action>,
    ) -> Next {
        let flow = Arc::clone(&self.flow);
        let State::Service { node } = &self.state else {
            return Next::Wait;
        };
        let Some(node) = flow.node(node) else {
            return hangup("flow error");
        };
        let Step::Service(s) = &node.step else {
            return hangup("flow error");
        };
        let result = vars.get("result").cloned().unwrap_or_default();
        log(
            out,
            node,
            json!({"event": "service_done", "ok": ok, "result": result}),
        );
        self.vars.extend(vars);
        if ok {
            to(s.next.as_ref())
        } else {
            to(s.on_failure.as_ref().or(s.next.as_ref()))
        }
    }
}

fn is_dtmf(d: char) -> bool {
    d.is_ascii_digit() || matches!(d, '*' | '#' | 'A'..='D')
}

/// The timer of an input node: menu timeout, or a collect's first-digit / inter-digit timeout.
fn input_timeout(node: &Node, input: &Input) -> Duration {
    let ms = match &node.step {
        Step::Menu(m) => m.timeout_ms,
        Step::Collect(c) if input.entered.is_empty() => c.first_timeout_ms,
        Step::Collect(c) => c.inter_timeout_ms,
        _ => 0,
    };
    Duration::from_millis(ms)
}

mod input;

#[cfg(test)]
mod tests;

#[cfg(test)]
mod service_tests;
