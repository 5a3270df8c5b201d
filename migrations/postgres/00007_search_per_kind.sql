-- +goose Up
-- SQLite's search moved to one FTS5 index per kind; PostgreSQL's search
-- vectors were per table from the start. The version is kept in step.
SELECT 1;

-- +goose Down
SELECT 1;
