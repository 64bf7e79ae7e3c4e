//! The interactive event loop shared by the workstations: terminal events (crossterm's
//! `EventStream`), actions reported by background tasks over a bounded channel, and a clock
//! tick come in as actions; each runs through `update`, and the effects it asks for are run
//! at once, any action they give back going through `update` in turn. The screen is drawn
//! only when something may have changed. Nothing here waits on the network.

use std::future::Future;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crossterm::event::{Event as TermEvent, EventStream, KeyEvent};
use futures_util::StreamExt;
use tokio::sync::mpsc;

use crate::TuiError;
use crate::terminal::Term;

/// The wall clock in ms since the epoch (0 before 1970).
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// What the loop needs from a workstation (its state, view and effect runner together).
pub trait Workstation {
    type Action;
    type Effect;

    fn draw(&self, frame: &mut ratatui::Frame<'_>);
    fn on_key(&self, key: &KeyEvent) -> Vec<Self::Action>;
    fn on_paste(&self, text: String) -> Vec<Self::Action>;
    /// The actions of one clock tick (ticks alone redraw only when
    /// [`needs_redraw`](Self::needs_redraw) says so).
    fn on_tick(&self, now_ms: u64) -> Vec<Self::Action>;
    /// The action when the terminal's input ends.
    fn quit_action(&self) -> Self::Action;
    /// The pure update.
    fn update(&mut self, action: Self::Action) -> Vec<Self::Effect>;
    /// Runs one effect; an action it gives back (a failure to start it) is updated next.
    fn run_effect(&mut self, effect: Self::Effect) -> Option<Self::Action>;
    /// After an action (`tick_only`: a clock tick): whether the screen must be redrawn.
    fn needs_redraw(&mut self, tick_only: bool) -> bool;
    fn quit(&self) -> bool;
}

/// Runs one action through `update` and the effects, with the actions they give back.
pub fn dispatch<W: Workstation>(w: &mut W, action: W::Action) {
    let mut queue = vec![action];
    while let Some(a) = queue.pop() {
        for effect in w.update(a) {
            if let Some(back) = w.run_effect(effect) {
                queue.push(back);
            }
        }
    }
}

/// Runs the loop until the workstation quits. `actions` is the receiving end of the bounded
/// channel the workstation's tasks report on.
pub async fn run<W: Workstation>(
    w: &mut W,
    terminal: &mut Term,
    mut actions: mpsc::Receiver<W::Action>,
    tick: Duration,
) -> Result<(), TuiError> {
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(tick);
    let mut dirty = true;
    loop {
        if dirty {
            terminal.draw(|f| w.draw(f)).map_err(TuiError::Draw)?;
            dirty = false;
        }
        let mut tick_only = false;
        let batch: Vec<W::Action> = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(TermEvent::Key(k))) => w.on_key(&k),
                Some(Ok(TermEvent::Paste(text))) => w.on_paste(text),
                Some(Ok(TermEvent::Resize(..))) => {
                    dirty = true;
                    Vec::new()
                }
                Some(Ok(_)) => Vec::new(),
                Some(Err(e)) => return Err(TuiError::Input(e)),
                None => vec![w.quit_action()],
            },
            a = actions.recv() => a.into_iter().collect(),
            _ = tick.tick() => {
                tick_only = true;
                w.on_tick(now_ms())
            }
        };
        for action in batch {
            dispatch(w, action);
            if w.needs_redraw(tick_only) {
                dirty = true;
            }
        }
        if w.quit() {
            return Ok(());
        }
    }
}

/// Runs `work` in a task and sends the action it ends with to `actions`.
pub fn spawn_reporting<A, F>(actions: &mpsc::Sender<A>, work: F)
where
    A: Send + 'static,
    F: Future<Output = A> + Send + 'static,
{
    let tx = actions.clone();
    tokio::spawn(async move {
        let _ = tx.send(work.await).await;
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts to three through effects that give actions back.
    #[derive(Default)]
    struct Counter {
        seen: Vec<u32>,
    }

    impl Workstation for Counter {
        type Action = u32;
        type Effect = u32;

        fn draw(&self, _: &mut ratatui::Frame<'_>) {}
        fn on_key(&self, _: &KeyEvent) -> Vec<u32> {
            Vec::new()
        }
        fn on_paste(&self, _: String) -> Vec<u32> {
            Vec::new()
        }
        fn on_tick(&self, _: u64) -> Vec<u32> {
            Vec::new()
        }
        fn quit_action(&self) -> u32 {
            0
        }
        fn update(&mut self, action: u32) -> Vec<u32> {
            self.seen.push(action);
            if action < 3 {
                vec![action + 1]
            } else {
                Vec::new()
            }
        }
        fn run_effect(&mut self, effect: u32) -> Option<u32> {
            Some(effect)
        }
        fn needs_redraw(&mut self, _: bool) -> bool {
            true
        }
        fn quit(&self) -> bool {
            false
        }
    }

    #[test]
    fn dispatch_runs_actions_given_back() {
        let mut c = Counter::default();
        dispatch(&mut c, 1);
        assert_eq!(c.seen, [1, 2, 3]);
    }
}
