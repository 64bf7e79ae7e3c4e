-- Blocked caller numbers (黑名单): a warning before service, or a refusal, until a time or forever.
CREATE TABLE blacklist (
    number      TEXT PRIMARY KEY,
    reason      TEXT NOT NULL,
    mode        TEXT NOT NULL CHECK (mode IN ('warn', 'refuse')),
    until_ms    INTEGER,            -- NULL = permanent
    created_at  INTEGER NOT NULL,
    created_by  TEXT NOT NULL
);
