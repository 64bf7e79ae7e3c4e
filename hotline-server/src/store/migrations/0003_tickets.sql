-- 0003: departments, callers, tickets with their history and linked calls, the knowledge base,
-- full-text search (FTS5, trigram tokenizer: Chinese has no spaces between words, so substrings
-- of three characters are the unit that works without a segmenter).
-- Times are milliseconds since the Unix epoch (UTC).

-- 承办单位: city → district → street → office (level 1..4).
CREATE TABLE departments (
    id         INTEGER PRIMARY KEY,
    parent_id  INTEGER REFERENCES departments (id),
    name       TEXT NOT NULL CHECK (name != ''),
    level      INTEGER NOT NULL CHECK (level BETWEEN 1 AND 4),
    contact    TEXT NOT NULL DEFAULT '',
    phone      TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    CHECK ((parent_id IS NULL) = (level = 1))
) STRICT;

CREATE INDEX departments_parent ON departments (parent_id);

CREATE TABLE callers (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL DEFAULT '',
    id_number  TEXT NOT NULL DEFAULT '',
    address    TEXT NOT NULL DEFAULT '',
    company    TEXT NOT NULL DEFAULT '',
    category   TEXT NOT NULL DEFAULT 'resident'
               CHECK (category IN ('resident', 'company', 'vip')),
    -- JSON object of site-defined fields.
    custom     TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(custom)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE INDEX callers_name ON callers (name);
CREATE INDEX callers_id_number ON callers (id_number) WHERE id_number != '';

-- A number belongs to one caller; a caller may have several (mobile, home, office).
CREATE TABLE caller_numbers (
    number    TEXT PRIMARY KEY NOT NULL,
    caller_id INTEGER NOT NULL REFERENCES callers (id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

CREATE INDEX caller_numbers_caller ON caller_numbers (caller_id);

-- Ticket numbers are <profile>-<yyyymmdd>-<seq>: one counter per profile and local day.
CREATE TABLE ticket_sequences (
    profile TEXT NOT NULL,
    day     TEXT NOT NULL,
    last    INTEGER NOT NULL,
    PRIMARY KEY (profile, day)
) STRICT, WITHOUT ROWID;

CREATE TABLE tickets (
    id                 INTEGER PRIMARY KEY,
    number             TEXT NOT NULL UNIQUE,
    -- SHA-256 of number and PIN: a copy of the database does not reveal PINs.
    pin_hash           TEXT NOT NULL,
    type               TEXT NOT NULL,
    channel            TEXT NOT NULL,
    category           TEXT NOT NULL,
    subject            TEXT NOT NULL,
    description        TEXT NOT NULL DEFAULT '',
    address            TEXT NOT NULL DEFAULT '',
    region             TEXT NOT NULL DEFAULT '',
    urgency            TEXT NOT NULL,
    status             TEXT NOT NULL,
    caller_id          INTEGER REFERENCES callers (id),
    caller_number      TEXT NOT NULL DEFAULT '',
    lead_department_id INTEGER REFERENCES departments (id),
    -- JSON array of department ids.
    co_handlers        TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(co_handlers)),
    supervised         INTEGER NOT NULL DEFAULT 0 CHECK (supervised IN (0, 1)),
    -- The latest 督办 instruction.
    instruction        TEXT NOT NULL DEFAULT '',
    due_at             INTEGER,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    created_by         TEXT NOT NULL,
    -- The whole workflow state (JSON); the columns above are its searchable projection.
    state              TEXT NOT NULL CHECK (json_valid(state)),
    -- Bumped by every transition: the optimistic check that two cannot both apply.
    version            INTEGER NOT NULL DEFAULT 1
) STRICT;

CREATE INDEX tickets_created_at ON tickets (created_at);
CREATE INDEX tickets_status ON tickets (status, created_at);
CREATE INDEX tickets_lead ON tickets (lead_department_id, created_at);
CREATE INDEX tickets_caller_number ON tickets (caller_number, created_at);
CREATE INDEX tickets_category ON tickets (category, created_at);
CREATE INDEX tickets_due_at ON tickets (due_at) WHERE due_at IS NOT NULL;

-- Append-only: the triggers below refuse any change to a written row.
CREATE TABLE ticket_history (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id   INTEGER NOT NULL REFERENCES tickets (id),
    at          INTEGER NOT NULL,
    actor       TEXT NOT NULL,
    role        TEXT NOT NULL,
    department  TEXT,
    action      TEXT NOT NULL,
    from_status TEXT,
    to_status   TEXT NOT NULL,
    -- JSON object: {"text": free text, "step": the workflow action as sent}.
    note        TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(note))
) STRICT;

CREATE INDEX ticket_history_ticket ON ticket_history (ticket_id, id);

CREATE TRIGGER ticket_history_no_update BEFORE UPDATE ON ticket_history
BEGIN
    SELECT RAISE(ABORT, 'ticket_history is append-only');
END;

CREATE TRIGGER ticket_history_no_delete BEFORE DELETE ON ticket_history
BEGIN
    SELECT RAISE(ABORT, 'ticket_history is append-only');
END;

-- No foreign key to calls: a ticket may be filed before the writer task has stored its call.
CREATE TABLE ticket_calls (
    ticket_id INTEGER NOT NULL REFERENCES tickets (id),
    call_id   TEXT NOT NULL,
    linked_at INTEGER NOT NULL,
    PRIMARY KEY (ticket_id, call_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX ticket_calls_call ON ticket_calls (call_id);

-- External-content index: the text lives once, in tickets.
CREATE VIRTUAL TABLE tickets_fts USING fts5 (
    subject, description, address,
    content = 'tickets', content_rowid = 'id', tokenize = 'trigram'
);

CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets
BEGIN
    INSERT INTO tickets_fts (rowid, subject, description, address)
    VALUES (new.id, new.subject, new.description, new.address);
END;

-- Only text edits re-index; workflow steps update other columns.
CREATE TRIGGER tickets_fts_update AFTER UPDATE OF subject, description, address ON tickets
BEGIN
    INSERT INTO tickets_fts (tickets_fts, rowid, subject, description, address)
    VALUES ('delete', old.id, old.subject, old.description, old.address);
    INSERT INTO tickets_fts (rowid, subject, description, address)
    VALUES (new.id, new.subject, new.description, new.address);
END;

CREATE TRIGGER tickets_fts_delete AFTER DELETE ON tickets
BEGIN
    INSERT INTO tickets_fts (tickets_fts, rowid, subject, description, address)
    VALUES ('delete', old.id, old.subject, old.description, old.address);
END;

-- 知识库: the current version of each item; every version is kept in knowledge_versions.
CREATE TABLE knowledge_items (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL CHECK (kind IN ('policy', 'regulation', 'faq', 'guide')),
    title            TEXT NOT NULL CHECK (title != ''),
    body             TEXT NOT NULL DEFAULT '',
    reference_answer TEXT NOT NULL DEFAULT '',
    version          INTEGER NOT NULL DEFAULT 1,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    updated_by       TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE TABLE knowledge_versions (
    item_id          INTEGER NOT NULL REFERENCES knowledge_items (id),
    version          INTEGER NOT NULL,
    kind             TEXT NOT NULL,
    title            TEXT NOT NULL,
    body             TEXT NOT NULL,
    reference_answer TEXT NOT NULL,
    at               INTEGER NOT NULL,
    by               TEXT NOT NULL,
    PRIMARY KEY (item_id, version)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER knowledge_versions_no_update BEFORE UPDATE ON knowledge_versions
BEGIN
    SELECT RAISE(ABORT, 'knowledge_versions is append-only');
END;

CREATE VIRTUAL TABLE knowledge_fts USING fts5 (
    title, body, reference_answer,
    content = 'knowledge_items', content_rowid = 'id', tokenize = 'trigram'
);

CREATE TRIGGER knowledge_fts_insert AFTER INSERT ON knowledge_items
BEGIN
    INSERT INTO knowledge_fts (rowid, title, body, reference_answer)
    VALUES (new.id, new.title, new.body, new.reference_answer);
END;

CREATE TRIGGER knowledge_fts_update AFTER UPDATE OF title, body, reference_answer
    ON knowledge_items
BEGIN
    INSERT INTO knowledge_fts (knowledge_fts, rowid, title, body, reference_answer)
    VALUES ('delete', old.id, old.title, old.body, old.reference_answer);
    INSERT INTO knowledge_fts (rowid, title, body, reference_answer)
    VALUES (new.id, new.title, new.body, new.reference_answer);
END;

CREATE TRIGGER knowledge_fts_delete AFTER DELETE ON knowledge_items
BEGIN
    INSERT INTO knowledge_fts (knowledge_fts, rowid, title, body, reference_answer)
    VALUES ('delete', old.id, old.title, old.body, old.reference_answer);
END;
