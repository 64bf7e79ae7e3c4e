-- 0006: self-service by phone (SPEC A5-A10, C3): messages left in the IVR, post-call
-- satisfaction ratings, opinion-poll answers and wrong status-query PINs. Times are
-- milliseconds since the Unix epoch (UTC).

-- A message left by phone (24-hour voicemail, 局长信箱, a recorded complaint) and its ticket.
CREATE TABLE voicemails (
    id           INTEGER PRIMARY KEY,
    call_id      TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('voicemail', 'director_mail', 'complaint')),
    caller       TEXT NOT NULL DEFAULT '',
    callback     TEXT NOT NULL DEFAULT '',
    reply_wanted INTEGER NOT NULL CHECK (reply_wanted IN (0, 1)),
    ticket_id    INTEGER REFERENCES tickets (id),
    -- JSON array of {"label": …, "path": …}: the WAV files of the message.
    recordings   TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(recordings)),
    status       TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'heard', 'answered')),
    at           INTEGER NOT NULL
) STRICT;

CREATE INDEX voicemails_status ON voicemails (status, at);
CREATE INDEX voicemails_ticket ON voicemails (ticket_id) WHERE ticket_id IS NOT NULL;

-- 满意度: one rating per call, after the agent hung up (1 satisfied, 2 ok, 3 unsatisfied,
-- 0 complaint).
CREATE TABLE call_surveys (
    id        INTEGER PRIMARY KEY,
    call_id   TEXT NOT NULL,
    agent     TEXT NOT NULL DEFAULT '',
    rating    TEXT NOT NULL CHECK (rating IN ('satisfied', 'ok', 'unsatisfied', 'complaint')),
    ticket_id INTEGER REFERENCES tickets (id),
    at        INTEGER NOT NULL
) STRICT;

CREATE INDEX call_surveys_call ON call_surveys (call_id);
CREATE INDEX call_surveys_agent ON call_surveys (agent, at);
CREATE INDEX call_surveys_ticket ON call_surveys (ticket_id) WHERE ticket_id IS NOT NULL;

-- 民意调查: one keypad answer per row.
CREATE TABLE poll_answers (
    id       INTEGER PRIMARY KEY,
    poll     TEXT NOT NULL,
    question TEXT NOT NULL,
    answer   TEXT NOT NULL,
    call_id  TEXT NOT NULL,
    caller   TEXT NOT NULL DEFAULT '',
    at       INTEGER NOT NULL
) STRICT;

CREATE INDEX poll_answers_poll ON poll_answers (poll, question, answer);

-- Wrong PINs of the status query, for the attempt limit and the audit.
CREATE TABLE pin_failures (
    id      INTEGER PRIMARY KEY,
    number  TEXT NOT NULL,
    caller  TEXT NOT NULL DEFAULT '',
    call_id TEXT NOT NULL,
    at      INTEGER NOT NULL
) STRICT;

CREATE INDEX pin_failures_number ON pin_failures (number, at);
CREATE INDEX pin_failures_caller ON pin_failures (caller, at);
