//! Pending consultations (待答咨询) as plain data: the tab in view, its entries, the
//! knowledge-base suggestions of the entry being answered, a typed answer, and the count of
//! answered entries waiting for their callback (the status bar badge).

use crate::rest::{ConsultationRow, KnowledgeItem, Suggestion};

/// The tabs, by the status each lists.
pub const TABS: [&str; 3] = ["waiting", "answered", "done"];

/// The entry being answered: the items that may answer it and the one previewed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answering {
    pub id: i64,
    pub suggestions: Vec<Suggestion>,
    pub sel: usize,
    /// The highlighted item as fetched (`None` while it is on its way).
    pub preview: Option<KnowledgeItem>,
    /// An answer in the agent's own words is being typed (`Some`), else an item is picked.
    pub text: Option<String>,
}

impl Answering {
    pub fn selected(&self) -> Option<&Suggestion> {
        self.suggestions.get(self.sel)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Consultations {
    /// Index into [`TABS`].
    pub tab: usize,
    pub items: Vec<ConsultationRow>,
    pub sel: usize,
    /// A list request is out.
    pub pending: bool,
    pub loaded: bool,
    /// The suggestions pane of a waiting entry (Enter).
    pub answering: Option<Answering>,
    /// The entry's detail is being fetched.
    pub opening: Option<i64>,
    /// An answer or callback result is being saved for this entry.
    pub saving: Option<i64>,
    /// Answered entries waiting for their callback.
    pub to_call: u64,
}

impl Consultations {
    pub fn status(&self) -> &'static str {
        TABS[self.tab % TABS.len()]
    }

    pub fn selected(&self) -> Option<&ConsultationRow> {
        self.items.get(self.sel)
    }

    pub fn cycle(&mut self, by: isize) {
        let n = TABS.len() as isize;
        self.tab = (self.tab as isize + by).rem_euclid(n) as usize;
        self.sel = 0;
        self.items.clear();
        self.loaded = false;
        self.answering = None;
    }

    pub fn move_sel(&mut self, by: isize) {
        let last = self.items.len().saturating_sub(1) as isize;
        self.sel = (self.sel as isize + by).clamp(0, last.max(0)) as usize;
    }

    /// A fresh list for `status`; one for a tab no longer in view is dropped. The highlight
    /// stays on the same entry when it is still there.
    pub fn replace(&mut self, status: &str, items: Vec<ConsultationRow>) {
        if status != self.status() {
            return;
        }
        let keep = self.selected().map(|c| c.id);
        self.items = items;
        self.sel = keep
            .and_then(|id| self.items.iter().position(|c| c.id == id))
            .unwrap_or(0);
        self.pending = false;
        self.loaded = true;
        if status == "answered" {
            // The answered tab is the whole of what the badge counts.
            self.to_call = self.items.len() as u64;
        }
    }

    /// The entry as the server now has it; it leaves a tab whose status it no longer has.
    pub fn saved(&mut self, row: ConsultationRow) {
        if self.saving == Some(row.id) {
            self.saving = None;
        }
        if self.answering.as_ref().is_some_and(|a| a.id == row.id) {
            self.answering = None;
        }
        if row.status == self.status() {
            if let Some(c) = self.items.iter_mut().find(|c| c.id == row.id) {
                *c = row;
            }
        } else {
            self.items.retain(|c| c.id != row.id);
            self.move_sel(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn row(id: i64, status: &str) -> ConsultationRow {
        ConsultationRow {
            id,
            number: format!("12345-20261124-{id:06}"),
            question: "居住证办理要带什么材料".into(),
            callback: "13900001111".into(),
            status: status.into(),
            created_at_ms: 0,
            answer: None,
            knowledge_id: None,
            attempts: 0,
            last_result: None,
        }
    }

    #[test]
    fn an_answered_entry_leaves_the_waiting_tab_and_stale_lists_are_dropped() {
        let mut c = Consultations::default();
        c.replace("waiting", vec![row(1, "waiting"), row(2, "waiting")]);
        c.move_sel(1);
        c.replace("answered", vec![row(9, "answered")]);
        assert_eq!(c.items.len(), 2, "a list for another tab is not shown");
        c.saving = Some(2);
        c.saved(row(2, "answered"));
        assert_eq!(c.items.len(), 1);
        assert_eq!(c.sel, 0);
        assert_eq!(c.saving, None);
        c.cycle(1);
        c.replace("answered", vec![row(2, "answered"), row(3, "answered")]);
        assert_eq!(c.to_call, 2);
        c.cycle(-2);
        assert_eq!(c.status(), "done");
    }
}
