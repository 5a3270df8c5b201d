-- +goose Up
-- FTS5 writes what it holds in memory to disk as a new segment at every
-- savepoint of the transaction it has joined, statement savepoints included
-- (fts5SavepointMethod). Group commit runs each write in a savepoint of its
-- own, and nearly every statement opens one, so a post indexed by its
-- INSERT's trigger became a segment of its own, soon merged again: a fifth of
-- the writer's SQLite time. A new post is therefore queued here by its
-- trigger, and kith adds the queued posts to search_posts at the end of the
-- writing transaction, after every savepoint (models/search_queue.go): one
-- segment per transaction. The vocabulary of the index (00008) gains their
-- words then too, all of them tokenized in one aggregate. Edits, hiding and
-- deletion are rare and keep changing the index at once; they take the post
-- out of the queue, since they index it as it now is.
CREATE TABLE search_posts_queue (
    id INTEGER PRIMARY KEY
);

DROP TRIGGER search_post_terms_insert;
DROP TRIGGER search_post_insert;
DROP TRIGGER search_post_update;
DROP TRIGGER search_post_delete;

-- +goose StatementBegin
CREATE TRIGGER search_post_insert AFTER INSERT ON posts WHEN new.hidden_at IS NULL BEGIN
    INSERT INTO search_posts_queue (id) VALUES (new.id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER search_post_update AFTER UPDATE OF body, hidden_at ON posts BEGIN
    DELETE FROM search_posts_queue WHERE id = old.id;
    DELETE FROM search_posts WHERE rowid = old.id;
    INSERT INTO search_posts (rowid, body) SELECT new.id, new.body WHERE new.hidden_at IS NULL;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER search_post_delete AFTER DELETE ON posts BEGIN
    DELETE FROM search_posts_queue WHERE id = old.id;
    DELETE FROM search_posts WHERE rowid = old.id;
END;
-- +goose StatementEnd

-- +goose Down
INSERT INTO search_posts (rowid, body) SELECT p.id, p.body FROM search_posts_queue q JOIN posts p ON p.id = q.id;
INSERT OR IGNORE INTO search_post_terms (stem, word)
    SELECT key, value FROM json_each((SELECT kith_fts_terms(p.body) FROM search_posts_queue q JOIN posts p ON p.id = q.id));
DROP TRIGGER search_post_delete;
DROP TRIGGER search_post_update;
DROP TRIGGER search_post_insert;
DROP TABLE search_posts_queue;

-- +goose StatementBegin
CREATE TRIGGER search_post_insert AFTER INSERT ON posts WHEN new.hidden_at IS NULL BEGIN
    INSERT INTO search_posts (rowid, body) VALUES (new.id, new.body);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER search_post_update AFTER UPDATE OF body, hidden_at ON posts BEGIN
    DELETE FROM search_posts WHERE rowid = old.id;
    INSERT INTO search_posts (rowid, body) SELECT new.id, new.body WHERE new.hidden_at IS NULL;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER search_post_delete AFTER DELETE ON posts BEGIN
    DELETE FROM search_posts WHERE rowid = old.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER search_post_terms_insert AFTER INSERT ON posts WHEN new.hidden_at IS NULL BEGIN
    INSERT OR IGNORE INTO search_post_terms (stem, word) SELECT key, value FROM json_each((SELECT kith_fts_terms(new.body)));
END;
-- +goose StatementEnd
