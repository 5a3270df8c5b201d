-- +goose Up
-- The vocabulary of the posts index: every token search_posts holds (the
-- stem porter leaves), with a word it was read from. FTS5 answers a prefix
-- (deploy*) by merging the list of every token that begins with it before it
-- yields a match, 25-40 ms at a million posts, whatever the LIMIT; kith looks
-- the prefix's tokens up here instead and searches for an OR of their words,
-- which FTS5 walks newest first and stops early (models/search_engine.go).
-- kith_fts_terms (models/ftsterms) tokenizes with the index's own tokenizer.
-- Tokens are added whenever the index gains a post and never removed: a
-- token no post holds any more matches nothing.
CREATE TABLE search_post_terms (
    stem TEXT PRIMARY KEY,
    word TEXT NOT NULL
) WITHOUT ROWID;

-- One aggregate over every post collects the distinct tokens in memory, so
-- the table is written once per token rather than once per post and token.
INSERT INTO search_post_terms (stem, word)
    SELECT key, value FROM json_each((SELECT kith_fts_terms(body) FROM posts WHERE hidden_at IS NULL)) ORDER BY key;

-- The same conditions as search_posts' triggers (00007): a post is indexed
-- when it is written shown, and again when its body changes or it is shown.
-- +goose StatementBegin
CREATE TRIGGER search_post_terms_insert AFTER INSERT ON posts WHEN new.hidden_at IS NULL BEGIN
    INSERT OR IGNORE INTO search_post_terms (stem, word) SELECT key, value FROM json_each((SELECT kith_fts_terms(new.body)));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER search_post_terms_update AFTER UPDATE OF body, hidden_at ON posts
    WHEN new.hidden_at IS NULL AND (old.hidden_at IS NOT NULL OR new.body IS NOT old.body) BEGIN
    INSERT OR IGNORE INTO search_post_terms (stem, word) SELECT key, value FROM json_each((SELECT kith_fts_terms(new.body)));
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER search_post_terms_update;
DROP TRIGGER search_post_terms_insert;
DROP TABLE search_post_terms;
