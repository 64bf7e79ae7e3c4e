-- 0001: calls, their event log, call detail records and recordings.
-- Times are milliseconds since the Unix epoch (UTC).

CREATE TABLE calls (
    id          TEXT PRIMARY KEY NOT NULL,
    started_at  INTEGER NOT NULL,
    caller      TEXT NOT NULL,
    caller_e164 TEXT NOT NULL,
    dnis        TEXT NOT NULL,
    profile     TEXT NOT NULL,
    flow        TEXT NOT NULL,
    trunk       TEXT NOT NULL,
    transport   TEXT NOT NULL,
    remote      TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'ringing'
                CHECK (state IN ('ringing', 'answered', 'ended')),
    answered_at INTEGER,
    ended_at    INTEGER,
    end_cause   TEXT
) STRICT;

CREATE INDEX calls_started_at ON calls (started_at);
CREATE INDEX calls_caller ON calls (caller, started_at);
CREATE INDEX calls_caller_e164 ON calls (caller_e164, started_at);
-- Few rows are open at any time: restart recovery and the live count read only those.
CREATE INDEX calls_open ON calls (state) WHERE state != 'ended';

-- Append-only; `detail` is a JSON object.
CREATE TABLE call_events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    call_id TEXT NOT NULL REFERENCES calls (id),
    at      INTEGER NOT NULL,
    kind    TEXT NOT NULL,
    detail  TEXT NOT NULL DEFAULT '{}'
) STRICT;

CREATE INDEX call_events_call ON call_events (call_id, id);
CREATE INDEX call_events_at ON call_events (at);

-- One row per finished call, written when it ends; what reports and exports read.
CREATE TABLE cdrs (
    call_id     TEXT PRIMARY KEY NOT NULL REFERENCES calls (id),
    caller      TEXT NOT NULL,
    dnis        TEXT NOT NULL,
    profile     TEXT NOT NULL,
    started_at  INTEGER NOT NULL,
    answered_at INTEGER,
    ended_at    INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    talk_ms     INTEGER NOT NULL,
    end_cause   TEXT NOT NULL,
    digits      TEXT NOT NULL DEFAULT '',
    queue       TEXT
) STRICT;

CREATE INDEX cdrs_started_at ON cdrs (started_at);
CREATE INDEX cdrs_caller ON cdrs (caller, started_at);
CREATE INDEX cdrs_dnis ON cdrs (dnis, started_at);

CREATE TABLE recordings (
    id         INTEGER PRIMARY KEY,
    call_id    TEXT NOT NULL REFERENCES calls (id),
    path       TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at   INTEGER,
    channels   INTEGER NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('call', 'message', 'prompt-capture'))
) STRICT;

CREATE INDEX recordings_call ON recordings (call_id);
CREATE INDEX recordings_started_at ON recordings (started_at);
