//! Menus and digit collection: prompts, barge-in, timeouts, retries, failure.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

use super::{Failure, Input, Interpreter, Next, State, hangup, input_timeout, log, to};
use crate::ivr::action::Action;
use crate::ivr::flow::{Collect, Menu, Node, Prompt, Step, Target};

/// The parts of a menu and a collect that retries need.
struct Retry<'a> {
    prompts: &'a [Prompt],
    invalid: &'a [Prompt],
    no_input: &'a [Prompt],
    retries: u32,
    on_failure: Option<&'a Target>,
    interruptible: bool,
}

fn retry(node: &Node) -> Option<Retry<'_>> {
    match &node.step {
        Step::Menu(m) => Some(Retry {
            prompts: &m.prompts,
            invalid: &m.invalid,
            no_input: &m.no_input,
            retries: m.retries,
            on_failure: m.on_failure.as_ref(),
            interruptible: m.interruptible,
        }),
        Step::Collect(c) => Some(Retry {
            prompts: &c.prompts,
            invalid: &c.invalid,
            no_input: &c.no_input,
            retries: c.retries,
            on_failure: c.on_failure.as_ref(),
            interruptible: c.interruptible,
        }),
        _ => None,
    }
}

impl Interpreter {
    /// Enters a menu or collect: type-ahead first, else the prompt.
    pub(super) fn enter_input(&mut self, node: &Node, now: Instant, out: &mut Vec<Action>) -> Next {
        let mut input = Input {
            node: node.name.clone(),
            failures: 0,
            prompt_playing: false,
            deadline: None,
            entered: String::new(),
        };
        if !self.typeahead.is_empty() {
            log(
                out,
                node,
                json!({"event": "typeahead", "digits": self.typeahead.iter().collect::<String>()}),
            );
        }
        match &node.step {
            // A menu takes one key; the rest stays for the next menu (callers who key "1 2"
            // through two levels).
            Step::Menu(_) => {
                if let Some(d) = self.typeahead.pop_front() {
                    return self.input_digit(input, d, now, out);
                }
            }
            Step::Collect(_) if !self.typeahead.is_empty() => {
                while let Some(d) = self.typeahead.pop_front() {
                    match self.input_digit(input, d, now, out) {
                        Next::Wait => {}
                        next => return next,
                    }
                    match std::mem::replace(&mut self.state, State::NotStarted) {
                        State::Input(i) => input = i,
                        other => {
                            self.state = other;
                            return Next::Wait;
                        }
                    }
                }
                self.state = State::Input(input);
                return Next::Wait;
            }
            _ => {}
        }
        let prompts = retry(node)
            .map(|r| self.resolve(r.prompts))
            .unwrap_or_default();
        self.prompt_input(node, input, prompts, now, out)
    }

    /// Plays the (re-)prompt; the timer starts when it is done, or now if there is none.
    fn prompt_input(
        &mut self,
        node: &Node,
        mut input: Input,
        prompts: Vec<crate::ivr::prompt::PromptRef>,
        now: Instant,
        out: &mut Vec<Action>,
    ) -> Next {
        if prompts.is_empty() {
            input.deadline = Some(now + input_timeout(node, &input));
        } else {
            let interruptible = retry(node).is_none_or(|r| r.interruptible);
            self.play(prompts, interruptible, out);
            input.prompt_playing = true;
            input.deadline = None;
        }
        self.state = State::Input(input);
        Next::Wait
    }

    pub(super) fn input_digit(
        &mut self,
        mut input: Input,
        d: char,
        now: Instant,
        out: &mut Vec<Action>,
    ) -> Next {
        let flow = Arc::clone(&self.flow);
        let Some(node) = flow.node(&input.node) else {
            return hangup("flow error");
        };
        if input.prompt_playing {
            if retry(node).is_some_and(|r| !r.interruptible) {
                log(
                    out,
                    node,
                    json!({"event": "ignored", "digit": d.to_string()}),
                );
                self.state = State::Input(input);
                return Next::Wait;
            }
            out.push(Action::StopPlayback);
            input.prompt_playing = false;
        }
        match &node.step {
            Step::Menu(m) => self.menu_digit(node, m, input, d, now, out),
            Step::Collect(c) => {
                if c.terminator == Some(d) {
                    return self.collect_done(node, c, input, now, out);
                }
                input.entered.push(d);
                if input.entered.chars().count() >= c.max_digits as usize {
                    return self.collect_done(node, c, input, now, out);
                }
                input.deadline = Some(now + Duration::from_millis(c.inter_timeout_ms));
                self.state = State::Input(input);
                Next::Wait
            }
            _ => hangup("flow error"),
        }
    }

    fn menu_digit(
        &mut self,
        node: &Node,
        m: &Menu,
        input: Input,
        d: char,
        now: Instant,
        out: &mut Vec<Action>,
    ) -> Next {
        let Some(target) = m.choices.get(&d) else {
            log(
                out,
                node,
                json!({"event": "invalid", "digit": d.to_string()}),
            );
            return self.fail(node, input, Failure::Invalid, now, out);
        };
        log(
            out,
            node,
            json!({"event": "choice", "digit": d.to_string(), "goto": target.node}),
        );
        if let Some(var) = &m.into {
            self.vars.insert(var.clone(), d.to_string());
        }
        Next::Goto(target.node.clone())
    }

    fn collect_done(
        &mut self,
        node: &Node,
        c: &Collect,
        input: Input,
        now: Instant,
        out: &mut Vec<Action>,
    ) -> Next {
        let count = input.entered.chars().count();
        if count < c.min_digits as usize {
            log(
                out,
                node,
                json!({"event": "invalid", "digits": input.entered}),
            );
            return self.fail(node, input, Failure::Invalid, now, out);
        }
        log(
            out,
            node,
            json!({"event": "collected", "var": c.into, "digits": input.entered}),
        );
        self.vars.insert(c.into.clone(), input.entered);
        to(c.next.as_ref())
    }

    pub(super) fn on_timeout(&mut self, input: Input, now: Instant, out: &mut Vec<Action>) -> Next {
        let flow = Arc::clone(&self.flow);
        let Some(node) = flow.node(&input.node) else {
            return hangup("flow error");
        };
        match &node.step {
            Step::Collect(c) if !input.entered.is_empty() => {
                log(out, node, json!({"event": "inter_digit_timeout"}));
                self.collect_done(node, c, input, now, out)
            }
            _ => {
                log(out, node, json!({"event": "no_input"}));
                self.fail(node, input, Failure::NoInput, now, out)
            }
        }
    }

    /// A failed attempt: re-prompt with the invalid / no-input prompt, or after the last retry
    /// leave for `on_failure` (hang up without one).
    fn fail(
        &mut self,
        node: &Node,
        mut input: Input,
        failure: Failure,
        now: Instant,
        out: &mut Vec<Action>,
    ) -> Next {
        // Keys typed ahead of a failed attempt are not meant for the re-prompt.
        self.typeahead.clear();
        let Some(r) = retry(node) else {
            return hangup("flow error");
        };
        input.failures += 1;
        input.entered.clear();
        input.deadline = None;
        if input.failures > r.retries {
            let goto = r.on_failure.map(|t| t.node.as_str());
            log(
                out,
                node,
                json!({"event": "failure", "failures": input.failures, "goto": goto}),
            );
            return match r.on_failure {
                Some(_) => to(r.on_failure),
                None => hangup("no valid input"),
            };
        }
        let reason = match failure {
            Failure::Invalid => r.invalid,
            Failure::NoInput => r.no_input,
        };
        let mut prompts = self.resolve(reason);
        prompts.extend(self.resolve(r.prompts));
        self.prompt_input(node, input, prompts, now, out)
    }
}
