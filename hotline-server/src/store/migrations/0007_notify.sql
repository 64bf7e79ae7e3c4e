-- 0007: notifications (G1, G2), inbound messages (G3) and outbound campaigns (G5).
-- Times are milliseconds since the Unix epoch (UTC).

-- The durable outbox: a notification is written here first and sent by the outbox task, so
-- it survives a gateway or server that is down; its final state stays visible on the ticket.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    channel     TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
    -- The template's event (received, dispatched, replied, ...).
    event       TEXT NOT NULL,
    language    TEXT NOT NULL,
    recipient   TEXT NOT NULL CHECK (recipient != ''),
    subject     TEXT NOT NULL DEFAULT '',
    body        TEXT NOT NULL,
    html        TEXT NOT NULL DEFAULT '',
    -- JSON array of {"kind": "letter" | "knowledge", "id": n}.
    attachments TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(attachments)),
    -- A value (the PIN) put into the body only when sending; erased once the row is final.
    secret      TEXT,
    ticket_id   INTEGER REFERENCES tickets (id),
    status      TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'sent', 'delivered', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     INTEGER NOT NULL,
    last_error  TEXT NOT NULL DEFAULT '',
    -- The gateway's message id, for delivery reports and replies.
    provider_id TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    sent_at     INTEGER
) STRICT;

CREATE INDEX outbox_due ON outbox (next_at) WHERE status = 'pending';
CREATE INDEX outbox_ticket ON outbox (ticket_id, id);
CREATE INDEX outbox_recipient ON outbox (channel, recipient, sent_at);

-- Where a department's notices go (departments have a phone but no e-mail of their own).
CREATE TABLE department_contacts (
    department_id INTEGER PRIMARY KEY REFERENCES departments (id),
    email         TEXT NOT NULL DEFAULT '',
    sms           TEXT NOT NULL DEFAULT '',
    language      TEXT NOT NULL DEFAULT ''
) STRICT;

-- Templates edited in the database win over the files in assets/notify.
CREATE TABLE notify_templates (
    event      TEXT NOT NULL,
    language   TEXT NOT NULL,
    sms        TEXT NOT NULL DEFAULT '',
    subject    TEXT NOT NULL DEFAULT '',
    text       TEXT NOT NULL DEFAULT '',
    html       TEXT NOT NULL DEFAULT '',
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (event, language)
) STRICT, WITHOUT ROWID;

-- SMS and e-mail received; `external_id` (gateway id, Message-ID) makes a redelivery harmless.
CREATE TABLE inbound_messages (
    id          INTEGER PRIMARY KEY,
    channel     TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
    external_id TEXT NOT NULL,
    sender      TEXT NOT NULL,
    subject     TEXT NOT NULL DEFAULT '',
    body        TEXT NOT NULL,
    ticket_id   INTEGER REFERENCES tickets (id),
    -- 'filed' (a new ticket) or 'attached' (a reply to an existing one).
    outcome     TEXT NOT NULL CHECK (outcome IN ('filed', 'attached')),
    received_at INTEGER NOT NULL,
    UNIQUE (channel, external_id)
) STRICT;

CREATE INDEX inbound_messages_ticket ON inbound_messages (ticket_id, id);

-- Follow-up visits (回访) and surveys placed as outbound calls.
CREATE TABLE campaigns (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL CHECK (name != ''),
    -- 'survey' (an IVR flow asks) or 'agent' (the answered call goes to an agent).
    mode         TEXT NOT NULL CHECK (mode IN ('survey', 'agent')),
    flow         TEXT NOT NULL DEFAULT '',
    agent        TEXT NOT NULL DEFAULT '',
    max_attempts INTEGER NOT NULL CHECK (max_attempts >= 1),
    retry_secs   INTEGER NOT NULL CHECK (retry_secs >= 0),
    -- Local calling window, minutes after midnight: no calls outside it.
    window_start INTEGER NOT NULL CHECK (window_start BETWEEN 0 AND 1440),
    window_end   INTEGER NOT NULL CHECK (window_end BETWEEN 0 AND 1440),
    status       TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'paused', 'done')),
    created_by   TEXT NOT NULL,
    created_at   INTEGER NOT NULL
) STRICT;

-- One citizen to call: its attempts, the last result, the answer.
CREATE TABLE campaign_targets (
    id          INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
    ticket_id   INTEGER REFERENCES tickets (id),
    number      TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'calling', 'done', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     INTEGER NOT NULL,
    -- answered, busy, no_answer, rejected, invalid_number, failed, cancelled.
    result      TEXT NOT NULL DEFAULT '',
    -- The survey answer (satisfied, ok, unsatisfied, complaint), '' for none.
    answer      TEXT NOT NULL DEFAULT '',
    last_call   TEXT NOT NULL DEFAULT '',
    updated_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX campaign_targets_due ON campaign_targets (next_at) WHERE status = 'pending';
CREATE INDEX campaign_targets_campaign ON campaign_targets (campaign_id, id);
CREATE INDEX campaign_targets_ticket ON campaign_targets (ticket_id);

-- Every call placed for a target, with its result.
CREATE TABLE campaign_calls (
    id         INTEGER PRIMARY KEY,
    target_id  INTEGER NOT NULL REFERENCES campaign_targets (id),
    call_id    TEXT NOT NULL,
    result     TEXT NOT NULL DEFAULT '',
    cause      TEXT NOT NULL DEFAULT '',
    answer     TEXT NOT NULL DEFAULT '',
    started_at INTEGER NOT NULL,
    ended_at   INTEGER
) STRICT;

CREATE INDEX campaign_calls_target ON campaign_calls (target_id, id);
