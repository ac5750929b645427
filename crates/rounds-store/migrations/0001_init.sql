-- Rounds client cache, version 1. Never edit a shipped migration: add a new numbered file.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- A ticket as the server last sent it (server_data, NULL until the server has it) and as the
-- user sees it (data: the server state with the pending ops replayed on top). The scalar
-- columns copy `data` for filtering and sorting.
CREATE TABLE tickets (
    id          TEXT PRIMARY KEY,
    number      TEXT,
    status      TEXT NOT NULL,
    severity    INTEGER NOT NULL,
    campus      TEXT NOT NULL,
    department  TEXT NOT NULL,
    assignee    TEXT,
    reporter    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    data        TEXT NOT NULL,
    server_data TEXT
) STRICT;
CREATE INDEX tickets_created ON tickets(created_at DESC, id DESC);
CREATE UNIQUE INDEX tickets_number ON tickets(number) WHERE number IS NOT NULL;

-- No foreign key to tickets: a pull may deliver a comment before its ticket.
CREATE TABLE comments (
    id         TEXT PRIMARY KEY,
    ticket_id  TEXT NOT NULL,
    created_at TEXT NOT NULL,
    data       TEXT NOT NULL,
    -- the op that added it while it is not yet acknowledged by the server
    pending_op TEXT
) STRICT;
CREATE INDEX comments_ticket ON comments(ticket_id, created_at);

CREATE TABLE directory (
    kind TEXT NOT NULL,   -- campus | department | user
    key  TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (kind, key)
) STRICT, WITHOUT ROWID;

-- Offline changes waiting to be pushed, in the order they were made.
CREATE TABLE outbox (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    op_id     TEXT NOT NULL UNIQUE,
    ticket_id TEXT,
    op        TEXT NOT NULL,
    attempts  INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX outbox_ticket ON outbox(ticket_id);

-- Ops the server refused, with its reason; kept until the user retries or discards them.
CREATE TABLE conflicts (
    op_id      TEXT PRIMARY KEY,
    ticket_id  TEXT,
    op         TEXT NOT NULL,
    code       TEXT NOT NULL,
    message    TEXT NOT NULL,
    at         TEXT NOT NULL
) STRICT;

-- Files attached offline, kept content-addressed beside the database until uploaded.
CREATE TABLE attachments (
    sha256       TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    filename     TEXT,
    size         INTEGER NOT NULL,
    uploaded     INTEGER NOT NULL DEFAULT 0
) STRICT;
