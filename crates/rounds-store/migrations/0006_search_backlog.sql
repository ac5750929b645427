-- Rounds client cache, version 6: tickets a long pull stored without indexing them.
--
-- A pull of many pages (a first sync) writes each ticket it changes here, in the page's
-- transaction, instead of indexing it there: indexing is most of the cost of such a pull. A
-- ticket is in the index or in this table, never neither; a search first indexes whatever is
-- here, and the app indexes it in the background after the sync. `seq` keeps arrival order,
-- which for a first sync is creation order, the order the index writes fastest.
CREATE TABLE search_backlog (
    seq       INTEGER PRIMARY KEY,
    ticket_id TEXT NOT NULL UNIQUE
) STRICT;
