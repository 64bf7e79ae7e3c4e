//! The voicemail inbox (留言 / 局长信箱, C3) as plain data: the listed messages, the filter,
//! what is playing, and the count of messages nobody has listened to (the status bar badge).

use crate::rest::VoicemailRow;

/// The inbox's filters, by the statuses they ask the server for ("" = all).
pub const FILTERS: [(&str, &str); 3] =
    [("open", "new,heard"), ("handled", "answered"), ("all", "")];

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Inbox {
    pub items: Vec<VoicemailRow>,
    /// All matches on the server (the list shows the newest ones).
    pub total: u64,
    pub sel: usize,
    /// Index into [`FILTERS`].
    pub filter: usize,
    /// A list request is out.
    pub pending: bool,
    /// The list has been fetched at least once.
    pub loaded: bool,
    /// Messages nobody has listened to yet.
    pub unheard: u64,
    /// The message whose audio is being fetched.
    pub fetching: Option<i64>,
    /// The message on the speaker now.
    pub playing: Option<i64>,
    /// A handled request is out for this message.
    pub saving: Option<i64>,
}

impl Inbox {
    pub fn selected(&self) -> Option<&VoicemailRow> {
        self.items.get(self.sel)
    }

    /// The statuses the current filter lists.
    pub fn statuses(&self) -> &'static str {
        FILTERS[self.filter % FILTERS.len()].1
    }

    /// Next or previous filter.
    pub fn cycle(&mut self, by: isize) {
        let n = FILTERS.len() as isize;
        self.filter = (self.filter as isize + by).rem_euclid(n) as usize;
    }

    pub fn move_sel(&mut self, by: isize) {
        let last = self.items.len().saturating_sub(1) as isize;
        self.sel = (self.sel as isize + by).clamp(0, last.max(0)) as usize;
    }

    /// A fresh list from the server; the highlight stays on the same message when it is
    /// still there.
    pub fn replace(&mut self, items: Vec<VoicemailRow>, total: u64) {
        let keep = self.selected().map(|v| v.id);
        self.items = items;
        self.total = total;
        self.sel = keep
            .and_then(|id| self.items.iter().position(|v| v.id == id))
            .unwrap_or(0);
        self.pending = false;
        self.loaded = true;
    }

    /// The server marks a message heard when its audio is fetched: the same here.
    pub fn heard(&mut self, id: i64) {
        if let Some(v) = self.items.iter_mut().find(|v| v.id == id)
            && v.status == "new"
        {
            v.status = "heard".into();
            self.unheard = self.unheard.saturating_sub(1);
        }
    }

    /// The message as the server now has it.
    pub fn saved(&mut self, row: VoicemailRow) {
        if let Some(v) = self.items.iter_mut().find(|v| v.id == row.id) {
            if v.status == "new" && row.status != "new" {
                self.unheard = self.unheard.saturating_sub(1);
            }
            *v = row;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, status: &str) -> VoicemailRow {
        VoicemailRow {
            id,
            kind: "voicemail".into(),
            caller: "13800000001".into(),
            callback: "13800000001".into(),
            reply_wanted: false,
            ticket_id: None,
            ticket_number: None,
            parts: Vec::new(),
            duration_ms: 0,
            status: status.into(),
            at_ms: 0,
            handled_by: String::new(),
        }
    }

    #[test]
    fn the_highlight_follows_its_message_and_the_badge_counts_down() {
        let mut inbox = Inbox {
            unheard: 2,
            ..Inbox::default()
        };
        inbox.replace(vec![row(3, "new"), row(2, "new")], 2);
        inbox.move_sel(1);
        inbox.replace(vec![row(4, "new"), row(3, "new"), row(2, "new")], 3);
        assert_eq!(inbox.selected().map(|v| v.id), Some(2));
        inbox.heard(2);
        inbox.heard(2);
        assert_eq!(inbox.unheard, 1, "a second listen changes nothing");
        inbox.saved(row(3, "answered"));
        assert_eq!(inbox.unheard, 0);
        inbox.cycle(-1);
        assert_eq!(inbox.statuses(), "");
    }
}
