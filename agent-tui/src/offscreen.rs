//! The screen drawn into memory instead of a terminal: the same `render` as the workstation,
//! for benchmarks and whole-system tests that need to know when something was on screen.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::app::State;
use crate::view::{self, Ui};

/// A fixed-size in-memory terminal with the built-in theme and keymap.
pub struct Offscreen {
    terminal: Terminal<TestBackend>,
    ui: Ui,
}

impl Offscreen {
    pub fn new(width: u16, height: u16) -> Result<Offscreen, hotline_tui::TuiError> {
        let ui = Ui::builtin()?;
        // A TestBackend cannot fail to build; the error type is `Infallible`.
        let Ok(terminal) = Terminal::new(TestBackend::new(width, height));
        Ok(Offscreen { terminal, ui })
    }

    /// Renders `state` exactly as the terminal runtime does (render, diff, flush).
    pub fn draw(&mut self, state: &State) {
        let ui = &self.ui;
        // The in-memory backend never fails, so there is nothing to report.
        let _ = self.terminal.draw(|f| view::render(state, ui, f));
    }

    /// What is on screen, one line per row (wide characters once, padding cells dropped).
    pub fn text(&self) -> String {
        let buf = self.terminal.backend().buffer();
        let width = usize::from(buf.area.width.max(1));
        let mut out = String::new();
        for row in buf.content.chunks(width) {
            let line: String = row.iter().map(ratatui::buffer::Cell::symbol).collect();
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::sample;
    use hotline_tui::Lang;

    #[test]
    fn draws_the_ringing_banner() {
        let mut o = Offscreen::new(160, 48).unwrap();
        o.draw(&sample::ringing(Lang::En));
        assert!(o.text().contains("Incoming call"), "{}", o.text());
    }
}
