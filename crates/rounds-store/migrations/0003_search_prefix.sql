-- Rounds client cache, version 3: the search index gains a one-character prefix index.
--
-- A one-character term `c` is the prefix query `c*`. Without a prefix index FTS5 merges the
-- doclists of every token starting with `c` (hundreds of bigrams) before returning the first
-- row; with `prefix = '1'` each token is also indexed under its first character, so the
-- query reads one doclist and streams newest first like any other term. Same columns and
-- token streams as version 2 (see 0002_search.sql); the upgrade re-indexes every ticket.
DROP TABLE ticket_search;
CREATE VIRTUAL TABLE ticket_search USING fts5(
    title, body,
    content = '', contentless_delete = 1,
    tokenize = 'ascii', detail = full, prefix = '1'
);
