-- 0002: users and roles, log-in sessions, the audit log.
-- Times are milliseconds since the Unix epoch (UTC).

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    -- Log-in names are case-insensitive: "Agent1" and "agent1" are one user.
    name          TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name  TEXT NOT NULL DEFAULT '',
    -- 工号: announced to callers ("工号 1001 为您服务").
    work_number   TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL
                  CHECK (role IN ('agent', 'supervisor', 'director', 'department', 'admin')),
    department_id INTEGER,
    -- JSON object: skill name → level 1..10, e.g. {"complaint":5,"consult":3}.
    skills        TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(skills)),
    -- Argon2id PHC string.
    password_hash TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;

-- Only the SHA-256 of a token is kept: a copy of the database does not let anyone log in.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY NOT NULL,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    client       TEXT NOT NULL DEFAULT '',
    address      TEXT NOT NULL DEFAULT '',
    revoked      INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1))
) STRICT, WITHOUT ROWID;

CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

-- Append-only: the triggers below refuse any change to a written row.
CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      INTEGER NOT NULL,
    user    TEXT NOT NULL,
    role    TEXT,
    action  TEXT NOT NULL,
    target  TEXT NOT NULL DEFAULT '',
    -- JSON object.
    detail  TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(detail)),
    address TEXT
) STRICT;

CREATE INDEX audit_log_at ON audit_log (at);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
