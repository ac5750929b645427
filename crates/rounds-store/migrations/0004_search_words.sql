-- Rounds client cache, version 4: the search index gains a `words` column.
--
-- Bigram phrases find every substring, but a ticket number or an English word is made of
-- bigrams that occur in most tickets (`R-2026-0…` is in every one), so FTS5 walked huge
-- doclists to check a few matches. `words` holds, for every run of ASCII letters and digits
-- of at least 5 characters in any field, each of its suffixes of at least 5 characters
-- (cut to 32): `printer` gives `printer rinter inter`. A query term holding such a run is
-- then a prefix query on that run, which is rare and implied by the term (see src/search.rs).
-- Same title and body token streams as version 3; the upgrade re-indexes every ticket.
DROP TABLE ticket_search;
CREATE VIRTUAL TABLE ticket_search USING fts5(
    title, body, words,
    content = '', contentless_delete = 1,
    tokenize = 'ascii', detail = full, prefix = '1'
);
