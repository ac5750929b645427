-- Rounds client cache, version 5: a conflict remembers the attachment the server refused.
--
-- A file the server will not take (its type, its content, its size) turns the ops that carry
-- it into conflicts. Retrying such an op as it is fails the same way; with the refused file
-- named here, the user can retry it without that file instead of losing the whole report.
ALTER TABLE conflicts ADD COLUMN attachment TEXT;
