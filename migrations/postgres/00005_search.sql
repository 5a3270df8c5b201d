-- +goose Up
-- Full-text search: a generated tsvector column on each searchable table, with
-- a GIN index. PostgreSQL computes the column in the writing statement, so an
-- edit or a deletion changes what is found in the same transaction. Titles and
-- names weigh most (A), a space's purpose next (B), post bodies least (D).
ALTER TABLE threads ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (setweight(to_tsvector('english'::regconfig, title), 'A')) STORED;
CREATE INDEX threads_search ON threads USING GIN (search_vector);

ALTER TABLE posts ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (to_tsvector('english'::regconfig, body)) STORED;
CREATE INDEX posts_search ON posts USING GIN (search_vector);

ALTER TABLE spaces ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (setweight(to_tsvector('english'::regconfig, name), 'A') ||
                         setweight(to_tsvector('english'::regconfig, purpose), 'B')) STORED;
CREATE INDEX spaces_search ON spaces USING GIN (search_vector);

-- +goose Down
DROP INDEX spaces_search;
ALTER TABLE spaces DROP COLUMN search_vector;
DROP INDEX posts_search;
ALTER TABLE posts DROP COLUMN search_vector;
DROP INDEX threads_search;
ALTER TABLE threads DROP COLUMN search_vector;
