-- 0005: where a caller's number belongs (归属地) on every call and CDR; the indexes the
-- screen-pop reads by; reminders and escalations already sent by the deadline task; ticket
-- attachments.

ALTER TABLE calls ADD COLUMN caller_location TEXT NOT NULL DEFAULT '';
ALTER TABLE cdrs ADD COLUMN caller_location TEXT NOT NULL DEFAULT '';

-- A caller record's tickets (the screen-pop lists them by caller as well as by number).
CREATE INDEX tickets_caller_id ON tickets (caller_id, created_at) WHERE caller_id IS NOT NULL;
-- The agent of a past call: its `connected` event, without reading the call's whole log.
CREATE INDEX call_events_connected ON call_events (call_id, id) WHERE kind = 'connected';

-- One row per reminder (催办) or escalation sent; the key names the due time and the step
-- (`2026-10-08T09:30:00Z/before:1d`), so a restarted or late task never sends one twice.
CREATE TABLE ticket_reminders (
    ticket_id INTEGER NOT NULL REFERENCES tickets (id),
    key       TEXT NOT NULL,
    sent_at   INTEGER NOT NULL,
    PRIMARY KEY (ticket_id, key)
) STRICT, WITHOUT ROWID;

-- Files attached to a ticket (photos, letters, scans). The bytes live under
-- <data_dir>/attachments/<ticket id>/; `path` is relative to the data directory.
CREATE TABLE ticket_attachments (
    id           INTEGER PRIMARY KEY,
    ticket_id    INTEGER NOT NULL REFERENCES tickets (id),
    file_name    TEXT NOT NULL CHECK (file_name != ''),
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL CHECK (size >= 0),
    sha256       TEXT NOT NULL,
    path         TEXT NOT NULL,
    uploaded_at  INTEGER NOT NULL,
    uploaded_by  TEXT NOT NULL
) STRICT;

CREATE INDEX ticket_attachments_ticket ON ticket_attachments (ticket_id, id);
