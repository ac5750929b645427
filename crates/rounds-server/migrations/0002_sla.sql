-- Rounds server schema, version 2: SLA clocks, escalation timers, on-call roster, alerts.

-- The SLA record (rounds_core::sla::TicketSla as JSON) and the status history it is
-- computed from ([[at, status], ...] as JSON), kept with the ticket.
ALTER TABLE tickets ADD COLUMN sla TEXT;
ALTER TABLE tickets ADD COLUMN status_history TEXT NOT NULL DEFAULT '[]';

-- One row per ladder point still ahead of a ticket. Firing deletes the row in the same
-- transaction that records the escalation, so a point fires once, even across restarts.
CREATE TABLE sla_timers (
    ticket_id TEXT NOT NULL REFERENCES tickets(id),
    target    TEXT NOT NULL CHECK (target IN ('response', 'resolution')),
    percent   INTEGER NOT NULL,
    step      INTEGER NOT NULL,
    due_at    TEXT NOT NULL,
    PRIMARY KEY (ticket_id, target, percent)
) STRICT, WITHOUT ROWID;
CREATE INDEX sla_timers_due ON sla_timers(due_at);

-- The on-call roster: shifts per campus, [starts_at, ends_at), a primary and a backup.
CREATE TABLE oncall_shifts (
    id           TEXT PRIMARY KEY,
    campus       TEXT NOT NULL REFERENCES campuses(code),
    starts_at    TEXT NOT NULL,
    ends_at      TEXT NOT NULL,
    primary_user TEXT NOT NULL REFERENCES users(id),
    backup_user  TEXT REFERENCES users(id),
    created_at   TEXT NOT NULL
) STRICT;
CREATE INDEX oncall_campus_start ON oncall_shifts(campus, starts_at);

-- Outgoing alert endpoints: WeCom and DingTalk group robots, signed JSON webhooks.
CREATE TABLE alert_endpoints (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('wecom', 'dingtalk', 'webhook')),
    url        TEXT NOT NULL,
    secret     TEXT,
    campus     TEXT REFERENCES campuses(code),   -- NULL: every campus
    levels     TEXT NOT NULL DEFAULT '[1,2,3,4]', -- JSON array of fault levels
    created_at TEXT NOT NULL
) STRICT;

-- The persistent delivery queue and its log: one row per (endpoint, alert).
CREATE TABLE alert_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint_id     TEXT NOT NULL REFERENCES alert_endpoints(id),
    ticket_id       TEXT NOT NULL,
    body            TEXT NOT NULL,      -- the alert as JSON, rendered per kind when sent
    state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    delivered_at    TEXT
) STRICT;
CREATE INDEX alert_deliveries_due ON alert_deliveries(state, next_attempt_at);
