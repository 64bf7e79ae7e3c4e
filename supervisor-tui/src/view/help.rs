//! The help overlay, generated from the keymap: every binding of the contexts the current
//! screen uses, described in the interface language.

use hotline_tui::t;
use hotline_tui::width::fit;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph};

use super::{Ui, popup, styled};
use crate::app::state::{State, Tab};

/// The contexts whose keys the help lists for the current tab.
fn contexts(s: &State) -> Vec<&'static str> {
    let mut v = Vec::new();
    match s.tab {
        Tab::Wallboard if !s.read_only() => v.push("seat"),
        Tab::Wallboard => {}
        Tab::Tickets => v.push("tickets"),
        Tab::Reports => v.push("reports"),
    }
    v.extend(["list", "main", "global"]);
    v
}

pub fn render(s: &State, ui: &Ui, f: &mut Frame, area: Rect) {
    let th = &ui.theme;
    let width = 64u16.min(area.width.saturating_sub(2));
    let inner_w = width.saturating_sub(2) as usize;
    let key_w = 18.min(inner_w / 2);
    // Cut to the height, most specific context first.
    let rows = area.height.saturating_sub(2) as usize;
    let mut lines: Vec<Line> = Vec::new();
    'contexts: for ctx in contexts(s) {
        let bound = crate::keys::bound(&ui.keymap, ctx);
        if bound.is_empty() {
            continue;
        }
        let key = format!("sup.context.{ctx}");
        lines.push(Line::from(styled(
            t(s.lang, &key).to_owned(),
            th.style("title"),
        )));
        for (action, keys) in bound {
            if lines.len() >= rows {
                break 'contexts;
            }
            let key = format!("sup.action.{action}");
            lines.push(Line::from(vec![
                styled(fit(&format!("  {keys}"), key_w), th.style("key")),
                styled(
                    fit(t(s.lang, &key), inner_w.saturating_sub(key_w)),
                    th.style("value"),
                ),
            ]));
        }
    }
    let r = popup(f, area, width, lines.len() as u16 + 2);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(th.style("border_focus"))
        .title(styled(
            format!(" {} ", t(s.lang, "sup.help.title")),
            th.style("title"),
        ));
    let inner = block.inner(r);
    f.render_widget(block, r);
    f.render_widget(Paragraph::new(lines), inner);
}
