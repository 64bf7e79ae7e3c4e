-- 0012: pending consultations (待答咨询). A consultation the agent could not answer on the call
-- waits here with the number to call back; the answer (often a knowledge-base item written for
-- it) becomes the ticket's reply, then an agent calls the citizen. Times are milliseconds since
-- the Unix epoch (UTC).
CREATE TABLE pending_consultations (
    ticket_id         INTEGER PRIMARY KEY REFERENCES tickets (id),
    question          TEXT NOT NULL CHECK (question != ''),
    callback          TEXT NOT NULL CHECK (callback != ''),
    status            TEXT NOT NULL DEFAULT 'waiting'
                      CHECK (status IN ('waiting', 'answered', 'done')),
    created_at        INTEGER NOT NULL,
    created_by        TEXT NOT NULL,
    answered_at       INTEGER,
    answered_by       TEXT,
    -- The knowledge-base item (and its version) the answer came from, if any.
    knowledge_id      INTEGER REFERENCES knowledge_items (id),
    knowledge_version INTEGER,
    attempts          INTEGER NOT NULL DEFAULT 0,
    -- The last callback attempt: reached, no_answer, busy, wrong_number.
    last_result       TEXT,
    last_attempt_at   INTEGER,
    last_attempt_by   TEXT
) STRICT;

CREATE INDEX pending_consultations_status ON pending_consultations (status, created_at);
