-- Every agent state change as the ACD decided it, for reports (log-in and not-ready time) and
-- for reconstructing a seat's day. Append-only.
CREATE TABLE agent_states (
    id     INTEGER PRIMARY KEY,
    agent  TEXT NOT NULL,
    at_ms  INTEGER NOT NULL,
    -- logged_out | ready | not_ready | ringing | on_call | wrap_up
    state  TEXT NOT NULL,
    -- The not-ready reason code ('' for other states).
    reason TEXT NOT NULL DEFAULT '',
    -- Why it changed: request, answered, ring_timeout, forced, …
    cause  TEXT NOT NULL
);
CREATE INDEX agent_states_at ON agent_states (at_ms, agent);
