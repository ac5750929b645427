-- Rounds server schema, version 3: one timer row per ticket instead of one per ladder point.
--
-- A new ticket has up to eight ladder points ahead (response and resolution, four each), and
-- every ticket write replaced them: sixteen B-tree changes per create with the due-time index,
-- which cost a sync push about a quarter of its speed. Now a ticket has at most one row: its
-- points still ahead as JSON ([[target, percent, step, due_at], ...], soonest first) and the
-- soonest due time, indexed, which is what the worker wakes for.
CREATE TABLE sla_timers_v3 (
    ticket_id TEXT PRIMARY KEY REFERENCES tickets(id),
    due_at    TEXT NOT NULL,
    points    TEXT NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO sla_timers_v3 (ticket_id, due_at, points)
    SELECT ticket_id, min(due_at),
           json_group_array(json_array(target, percent, step, due_at) ORDER BY due_at, target, percent)
    FROM sla_timers GROUP BY ticket_id;
DROP TABLE sla_timers;
ALTER TABLE sla_timers_v3 RENAME TO sla_timers;
CREATE INDEX sla_timers_due ON sla_timers(due_at);
