-- 0011: the voicemail inbox at the workstations (SPEC C3) and links between tickets (F1:
-- related tickets chosen while a ticket is entered). Times are milliseconds since the Unix
-- epoch (UTC).

-- Who marked a message handled, and when ('answered' then means handled at the centre).
ALTER TABLE voicemails ADD COLUMN handled_by TEXT NOT NULL DEFAULT '';
ALTER TABLE voicemails ADD COLUMN handled_at INTEGER;
-- Who listened to it first, and when (status 'heard').
ALTER TABLE voicemails ADD COLUMN heard_by TEXT NOT NULL DEFAULT '';
ALTER TABLE voicemails ADD COLUMN heard_at INTEGER;

CREATE INDEX voicemails_kind ON voicemails (kind, status, at);

-- A ticket marked as related to another when it was filed (关联工单). Stored once, from the
-- newer ticket to the older one; readers look both ways.
CREATE TABLE ticket_links (
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id),
    related_id INTEGER NOT NULL REFERENCES tickets (id),
    linked_by  TEXT NOT NULL DEFAULT '',
    linked_at  INTEGER NOT NULL,
    PRIMARY KEY (ticket_id, related_id),
    CHECK (ticket_id <> related_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX ticket_links_related ON ticket_links (related_id);
