-- +goose Up
-- SQLite's migration 00008 adds the vocabulary of its posts index, for
-- prefixes; PostgreSQL answers a prefix (word:*) from its GIN index and needs
-- none. This keeps the versions of both folders the same.
SELECT 1;

-- +goose Down
SELECT 1;
