-- Rounds client cache, version 2: the local search index. Never edit a shipped migration.
--
-- One row per ticket, its rowid the ticket's search_key: the creation time in microseconds
-- times 1024, plus a small number that keeps it unique. FTS5 returns matches in rowid
-- order, so "newest first" streams from the index without sorting the matches. The text is not stored here (content=''): the
-- columns hold token streams made in Rust (src/search.rs), one token per character of each
-- searchable field: the character and the next one (a bigram), or the character alone at the
-- end of a field. The `ascii` tokenizer splits only on the spaces between tokens, because
-- every other ASCII character is encoded as a letter-free private-use character first.
-- Opening the cache after this migration indexes the tickets already there.
CREATE VIRTUAL TABLE ticket_search USING fts5(
    title, body,
    content = '', contentless_delete = 1,
    tokenize = 'ascii', detail = full
);

ALTER TABLE tickets ADD COLUMN search_key INTEGER;
CREATE UNIQUE INDEX tickets_search_key ON tickets(search_key) WHERE search_key IS NOT NULL;

-- For the "recently updated" sort of the ticket list.
CREATE INDEX tickets_updated ON tickets(updated_at DESC, id DESC);
