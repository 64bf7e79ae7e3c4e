//! The model of one call flow: named nodes, each one step.
//!
//! Everything keeps the source line it came from so the checker and the interpreter's log can
//! point the admin at the right line of the TOML file. Targets stay names (not indices) so a
//! flow with a dangling target still loads and `ivr check` can report it with its line.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// A loaded flow file.
#[derive(Debug, Clone, PartialEq)]
pub struct Flow {
    /// The flow's name: the file stem (`12345` for `12345.toml`).
    pub name: String,
    pub file: PathBuf,
    pub description: String,
    /// The node a call starts at.
    pub start: Target,
    pub nodes: BTreeMap<String, Node>,
}

impl Flow {
    pub fn node(&self, name: &str) -> Option<&Node> {
        self.nodes.get(name)
    }
}

/// One named node of a flow.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub name: String,
    /// Line of the node's header (`[node.name]`).
    pub line: u32,
    pub step: Step,
}

/// A reference to another node, with the line where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub node: String,
    pub line: u32,
}

/// A prompt name (may contain `${var}`), with the line where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub name: String,
    pub line: u32,
}

/// What a node does.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Play(Play),
    Menu(Menu),
    Collect(Collect),
    Branch(Branch),
    Goto(Target),
    Set(Set),
    Language(Language),
    Record(Record),
    Say(Say),
    Hangup(Hangup),
    Queue(Queue),
    /// Self-service work done by the driver (a ticket, a status look-up, a survey answer).
    Service(Service),
}

/// Every step kind, as written in a flow file (the key that makes a node that step).
pub const STEP_KINDS: [&str; 12] = [
    "play", "menu", "collect", "branch", "goto", "set", "language", "record", "say", "hangup",
    "queue", "service",
];

#[derive(Debug, Clone, PartialEq)]
pub struct Play {
    pub prompts: Vec<Prompt>,
    /// A digit stops the prompt and is kept as type-ahead for the next menu or collect.
    pub interruptible: bool,
    pub next: Option<Target>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Menu {
    pub prompts: Vec<Prompt>,
    pub choices: BTreeMap<char, Target>,
    /// Line of the `choices` table (for "menu has no choices").
    pub choices_line: u32,
    pub timeout_ms: u64,
    /// Re-prompts after a failed attempt; the failure after the last retry goes to `on_failure`.
    pub retries: u32,
    pub invalid: Vec<Prompt>,
    pub no_input: Vec<Prompt>,
    /// `None`: hang up when the caller fails every attempt.
    pub on_failure: Option<Target>,
    /// Variable that receives the chosen digit.
    pub into: Option<String>,
    pub interruptible: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Collect {
    pub prompts: Vec<Prompt>,
    pub into: String,
    /// The digits are a secret (a PIN): logs and the call record show `*` for each.
    pub secret: bool,
    pub min_digits: u32,
    pub max_digits: u32,
    pub terminator: Option<char>,
    pub first_timeout_ms: u64,
    pub inter_timeout_ms: u64,
    pub retries: u32,
    pub invalid: Vec<Prompt>,
    pub no_input: Vec<Prompt>,
    pub next: Option<Target>,
    pub on_failure: Option<Target>,
    pub interruptible: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Branch {
    pub cases: Vec<Case>,
    pub otherwise: Option<Target>,
}

/// One `when` entry of a branch: the first case whose test holds is taken.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    pub var: String,
    pub test: Test,
    pub goto: Target,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Test {
    /// Value equals this (after `${var}` substitution).
    Equals(String),
    /// Value is one of these.
    In(Vec<String>),
    /// Value has exactly this many characters.
    Len(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Set {
    /// In file order; values may contain `${var}`.
    pub values: Vec<(String, String)>,
    pub next: Option<Target>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Language {
    /// `zh`, `en`, … (may contain `${var}`).
    pub language: String,
    pub line: u32,
    pub next: Option<Target>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub prompts: Vec<Prompt>,
    /// Variable that receives the recorded file's name.
    pub into: Option<String>,
    /// Hint for the driver's file name (may contain `${var}`).
    pub name: String,
    pub max_secs: u32,
    pub beep: bool,
    pub finish_on: Option<char>,
    pub next: Option<Target>,
    /// Taken when nothing was recorded; `None`: continue with `next`.
    pub on_failure: Option<Target>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SayKind {
    Digits,
    Number,
    Date,
}

impl SayKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SayKind::Digits => "digits",
            SayKind::Number => "number",
            SayKind::Date => "date",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Say {
    pub kind: SayKind,
    /// A literal or `${var}`; dates are `YYYY-MM-DD`.
    pub value: String,
    pub line: u32,
    /// Played before the value.
    pub prompts: Vec<Prompt>,
    /// Played after the value.
    pub after: Vec<Prompt>,
    pub interruptible: bool,
    pub next: Option<Target>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Hangup {
    pub cause: String,
    /// Played before hanging up (e.g. "goodbye").
    pub prompts: Vec<Prompt>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Queue {
    pub queue: String,
    pub skills: Vec<String>,
    pub priority: i32,
    /// Played before the call is handed to the ACD (e.g. "please hold").
    pub prompts: Vec<Prompt>,
}

/// Asks the driver for one of the [`crate::ivr::service`] services; its answer sets variables.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    pub service: String,
    pub line: u32,
    /// In file order; values may contain `${var}`.
    pub args: Vec<(String, String)>,
    pub next: Option<Target>,
    /// Taken when the driver could not do it (database down); `None`: continue with `next`.
    pub on_failure: Option<Target>,
}

/// How a step leaves for another node; the checker reasons about loops with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    /// Taken without any input from the caller (after a prompt, on silence, or at once).
    Silent,
    /// Taken at once, depending on variables (a branch): may or may not loop.
    Conditional,
    /// Taken only when the caller presses something.
    Input,
}

impl Step {
    /// The step kind as written in the flow file.
    pub fn kind(&self) -> &'static str {
        match self {
            Step::Play(_) => "play",
            Step::Menu(_) => "menu",
            Step::Collect(_) => "collect",
            Step::Branch(_) => "branch",
            Step::Goto(_) => "goto",
            Step::Set(_) => "set",
            Step::Language(_) => "language",
            Step::Record(_) => "record",
            Step::Say(_) => "say",
            Step::Hangup(_) => "hangup",
            Step::Queue(_) => "queue",
            Step::Service(_) => "service",
        }
    }

    /// Whether the step waits for the driver (a prompt, input or a recording).
    pub fn waits(&self) -> bool {
        match self {
            Step::Play(p) => !p.prompts.is_empty(),
            Step::Menu(_)
            | Step::Collect(_)
            | Step::Record(_)
            | Step::Say(_)
            | Step::Service(_) => true,
            _ => false,
        }
    }

    /// Every node this step can continue at, with how it gets there.
    pub fn targets(&self) -> Vec<(&Target, Edge)> {
        fn one(t: Option<&Target>, e: Edge) -> impl Iterator<Item = (&Target, Edge)> {
            t.into_iter().map(move |t| (t, e))
        }
        match self {
            Step::Play(p) => one(p.next.as_ref(), Edge::Silent).collect(),
            Step::Menu(m) => one(m.on_failure.as_ref(), Edge::Silent)
                .chain(m.choices.values().map(|t| (t, Edge::Input)))
                .collect(),
            Step::Collect(c) => one(c.on_failure.as_ref(), Edge::Silent)
                .chain(one(c.next.as_ref(), Edge::Input))
                .collect(),
            Step::Branch(b) => b
                .cases
                .iter()
                .map(|c| (&c.goto, Edge::Conditional))
                .chain(one(b.otherwise.as_ref(), Edge::Conditional))
                .collect(),
            Step::Goto(t) => vec![(t, Edge::Silent)],
            Step::Set(s) => one(s.next.as_ref(), Edge::Silent).collect(),
            Step::Language(l) => one(l.next.as_ref(), Edge::Silent).collect(),
            // A recording ends on silence or at max_secs without any key.
            Step::Record(r) => one(r.next.as_ref(), Edge::Silent)
                .chain(one(r.on_failure.as_ref(), Edge::Silent))
                .collect(),
            Step::Say(s) => one(s.next.as_ref(), Edge::Silent).collect(),
            Step::Service(s) => one(s.next.as_ref(), Edge::Silent)
                .chain(one(s.on_failure.as_ref(), Edge::Silent))
                .collect(),
            Step::Hangup(_) | Step::Queue(_) => Vec::new(),
        }
    }

    /// Whether the flow can end at this step: hangup, queue, or a missing `next`/`on_failure`.
    pub fn can_end(&self) -> bool {
        match self {
            Step::Hangup(_) | Step::Queue(_) => true,
            Step::Play(Play { next, .. })
            | Step::Set(Set { next, .. })
            | Step::Language(Language { next, .. })
            | Step::Say(Say { next, .. }) => next.is_none(),
            Step::Menu(m) => m.on_failure.is_none(),
            Step::Collect(c) => c.on_failure.is_none() || c.next.is_none(),
            Step::Record(r) => r.next.is_none(),
            Step::Service(s) => s.next.is_none(),
            Step::Branch(b) => b.otherwise.is_none(),
            Step::Goto(_) => false,
        }
    }

    /// Every prompt named by the step (the `say` value's own prompts are not included).
    pub fn prompts(&self) -> Vec<&Prompt> {
        match self {
            Step::Play(p) => p.prompts.iter().collect(),
            Step::Menu(m) => m
                .prompts
                .iter()
                .chain(&m.invalid)
                .chain(&m.no_input)
                .collect(),
            Step::Collect(c) => c
                .prompts
                .iter()
                .chain(&c.invalid)
                .chain(&c.no_input)
                .collect(),
            Step::Record(r) => r.prompts.iter().collect(),
            Step::Say(s) => s.prompts.iter().chain(&s.after).collect(),
            Step::Hangup(h) => h.prompts.iter().collect(),
            Step::Queue(q) => q.prompts.iter().collect(),
            Step::Branch(_)
            | Step::Goto(_)
            | Step::Set(_)
            | Step::Language(_)
            | Step::Service(_) => Vec::new(),
        }
    }
}
