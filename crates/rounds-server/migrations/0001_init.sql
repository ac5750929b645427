-- Rounds server schema, version 1. Never edit a shipped migration: add a new numbered file.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
-- Names this database's change history. A restore gives it a new one, which tells clients
-- that their sync cursor no longer means anything here.
INSERT INTO meta (key, value) VALUES ('epoch', lower(hex(randomblob(16))));

CREATE TABLE campuses (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL
) STRICT;

CREATE TABLE departments (
    code   TEXT PRIMARY KEY,
    name   TEXT NOT NULL,
    campus TEXT NOT NULL REFERENCES campuses(code)
) STRICT;

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('reporter','engineer','dispatcher','admin')),
    campus        TEXT REFERENCES campuses(code),
    department    TEXT REFERENCES departments(code),
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0
) STRICT;

-- Session tokens, stored as SHA-256 of the token: a copy of this table logs nobody in.
CREATE TABLE tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
) STRICT;
CREATE INDEX tokens_user ON tokens(user_id);

CREATE TABLE login_failures (
    username TEXT NOT NULL COLLATE NOCASE,
    at       TEXT NOT NULL
) STRICT;
CREATE INDEX login_failures_user_at ON login_failures(username, at);

CREATE TABLE ticket_numbers (
    year INTEGER PRIMARY KEY,
    last INTEGER NOT NULL
) STRICT;

CREATE TABLE tickets (
    id               TEXT PRIMARY KEY,
    number           TEXT NOT NULL UNIQUE,
    title            TEXT NOT NULL,
    description      TEXT NOT NULL,
    campus           TEXT NOT NULL REFERENCES campuses(code),
    department       TEXT NOT NULL REFERENCES departments(code),
    location         TEXT,
    reporter         TEXT NOT NULL REFERENCES users(id),
    assignee         TEXT REFERENCES users(id),
    severity         INTEGER NOT NULL CHECK (severity BETWEEN 1 AND 4),
    status           TEXT NOT NULL,
    work_type        TEXT NOT NULL,
    maintenance_type TEXT NOT NULL,
    channel          TEXT NOT NULL,
    attachments      TEXT NOT NULL DEFAULT '[]',  -- JSON array of sha256, sorted
    field_clocks     TEXT NOT NULL DEFAULT '{}',  -- JSON {field: op_id} for the merge rule
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    acknowledged_at  TEXT,
    resolved_at      TEXT,
    closed_at        TEXT
) STRICT;
CREATE INDEX tickets_created ON tickets(created_at DESC, id DESC);
CREATE INDEX tickets_campus ON tickets(campus, created_at DESC);
CREATE INDEX tickets_department ON tickets(department, created_at DESC);
CREATE INDEX tickets_assignee ON tickets(assignee);

CREATE TABLE comments (
    id         TEXT PRIMARY KEY,
    ticket_id  TEXT NOT NULL REFERENCES tickets(id),
    author     TEXT NOT NULL REFERENCES users(id),
    body       TEXT NOT NULL,
    internal   INTEGER NOT NULL,
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX comments_ticket ON comments(ticket_id, created_at);

CREATE TABLE attachments (
    sha256       TEXT PRIMARY KEY,
    size         INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    filename     TEXT,
    uploaded_by  TEXT NOT NULL REFERENCES users(id),
    uploaded_at  TEXT NOT NULL
) STRICT;

-- Everyone who uploaded the same bytes may read them back before a ticket uses them.
CREATE TABLE attachment_uploaders (
    sha256  TEXT NOT NULL REFERENCES attachments(sha256),
    user_id TEXT NOT NULL REFERENCES users(id),
    PRIMARY KEY (sha256, user_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE ticket_attachments (
    ticket_id TEXT NOT NULL REFERENCES tickets(id),
    sha256    TEXT NOT NULL REFERENCES attachments(sha256),
    PRIMARY KEY (ticket_id, sha256)
) STRICT, WITHOUT ROWID;
CREATE INDEX ticket_attachments_sha ON ticket_attachments(sha256);

-- The change log, compacted: one row per entity holding the sequence of its latest change.
-- A pull reads rows above its cursor; since SQLite commits one writer at a time, sequences
-- become visible in order and a reader never skips one. Sequences come from meta.last_seq,
-- so one is never reused even when the highest row moves on.
CREATE TABLE changes (
    seq        INTEGER PRIMARY KEY,
    entity     TEXT NOT NULL,          -- ticket | comment | campus | department | user
    entity_id  TEXT NOT NULL,
    event      TEXT NOT NULL,          -- the event kind of the latest change
    campus     TEXT,                   -- scope of the ticket concerned, for visibility
    department TEXT,
    internal   INTEGER NOT NULL DEFAULT 0,
    UNIQUE (entity, entity_id)
) STRICT;

-- Ops already applied, with their result, so that a repeated push has one effect.
CREATE TABLE applied_ops (
    op_id      TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    result     TEXT NOT NULL,
    applied_at TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE idempotency_keys (
    user_id      TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    ticket_id    TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (user_id, key)
) STRICT, WITHOUT ROWID;

CREATE TABLE audit (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        TEXT NOT NULL,
    actor     TEXT,
    action    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before    TEXT,
    after     TEXT
) STRICT;
CREATE INDEX audit_entity ON audit(entity, entity_id);
