-- 0010: callback in queue (排队回拨). A waiting caller asked to be called back and hung up; the
-- queue kept their place. One row per request (keyed by the original call), one per dialling
-- attempt (its outbound leg has its own call row and CDR, `flow` = 'callback').
-- Times are milliseconds since the Unix epoch (UTC).

CREATE TABLE callbacks (
    id                INTEGER PRIMARY KEY,
    call_id           TEXT NOT NULL UNIQUE REFERENCES calls (id),
    queue             TEXT NOT NULL,
    number            TEXT NOT NULL,
    requested_at      INTEGER NOT NULL,
    status            TEXT NOT NULL DEFAULT 'waiting'
                      CHECK (status IN ('waiting', 'dialling', 'retrying', 'done')),
    attempts          INTEGER NOT NULL DEFAULT 0,
    -- The last attempt's result while retrying; the final one once done: 'answered', 'busy',
    -- 'no answer', 'rejected', 'invalid number', 'failed', 'cancelled'.
    result            TEXT NOT NULL DEFAULT '',
    -- The agent of the last attempt, and the outbound leg that reached the caller.
    agent             TEXT NOT NULL DEFAULT '',
    connected_call_id TEXT NOT NULL DEFAULT '',
    next_at           INTEGER,
    updated_at        INTEGER NOT NULL
) STRICT;

CREATE INDEX callbacks_open ON callbacks (status) WHERE status != 'done';

CREATE TABLE callback_attempts (
    id          INTEGER PRIMARY KEY,
    callback_id INTEGER NOT NULL REFERENCES callbacks (id),
    attempt     INTEGER NOT NULL,
    -- The outbound leg (a row in calls once placed).
    call_id     TEXT NOT NULL,
    agent       TEXT NOT NULL,
    started_at  INTEGER NOT NULL,
    ended_at    INTEGER,
    result      TEXT NOT NULL DEFAULT '',
    cause       TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX callback_attempts_callback ON callback_attempts (callback_id, attempt);
CREATE INDEX callback_attempts_call ON callback_attempts (call_id);
