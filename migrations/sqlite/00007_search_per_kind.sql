-- +goose Up
-- Search gets one FTS5 index per kind of document instead of one for all
-- three. In the shared index a common word's list of matches held every post
-- with it, so finding the 669 thread titles among 276,000 matches at a million
-- posts walked the whole list (8-17 ms), as did finding spaces; bm25 also
-- counted every match of the word, of every kind, before scoring. Each index's
-- rowid is its row's id. The triggers still run inside the writing
-- transaction, and hidden posts are still not indexed.
DROP TRIGGER search_space_delete;
DROP TRIGGER search_space_update;
DROP TRIGGER search_space_insert;
DROP TRIGGER search_post_delete;
DROP TRIGGER search_post_update;
DROP TRIGGER search_post_insert;
DROP TRIGGER search_thread_delete;
DROP TRIGGER search_thread_update;
DROP TRIGGER search_thread_insert;
DROP TABLE search_index;

CREATE VIRTUAL TABLE search_threads USING fts5(title, tokenize = 'porter unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE search_posts USING fts5(body, tokenize = 'porter unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE search_spaces USING fts5(name, purpose, tokenize = 'porter unicode61 remove_diacritics 2');

INSERT INTO search_threads (rowid, title) SELECT id, title FROM threads;
INSERT INTO search_posts (rowid, body) SELECT id, body FROM posts WHERE hidden_at IS NULL;
INSERT INTO search_spaces (rowid, name, purpose) SELECT id, name, purpose FROM spaces;
-- A bulk load leaves segments for FTS5 to merge a little at every later
-- write (2.5 ms a post at a million, until done); merge them now instead.
INSERT INTO search_threads (search_threads) VALUES ('optimize');
INSERT INTO search_posts (search_posts) VALUES ('optimize');
INSERT INTO search_spaces (search_spaces) VALUES ('optimize');

-- +goose StatementBegin
CREATE TRIGGER search_thread_insert AFTER INSERT ON threads BEGIN
    INSERT INTO search_threads (rowid, title) VALUES (new.id, new.title);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER search_thread_update AFTER UPDATE OF title ON threads BEGIN
    DELETE FROM search_threads WHERE rowid = old.id;
    INSERT INTO search_threads (rowid, title) VALUES (new.id, new.title);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER search_thread_delete AFTER DELETE ON threads BEGIN
    DELETE FROM search_threads WHERE rowid = old.id;
END;
-- +goose StatementEnd

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
CREATE TRIGGER search_space_insert AFTER INSERT ON spaces BEGIN
    INSERT INTO search_spaces (rowid, name, purpose) VALUES (new.id, new.name, new.purpose);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER search_space_update AFTER UPDATE OF name, purpose ON spaces BEGIN
    DELETE FROM search_spaces WHERE rowid = old.id;
    INSERT INTO search_spaces (rowid, name, purpose) VALUES (new.id, new.name, new.purpose);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER search_space_delete AFTER DELETE ON spaces BEGIN
    DELETE FROM search_spaces WHERE rowid = old.id;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER search_space_delete;
DROP TRIGGER search_space_update;
DROP TRIGGER search_space_insert;
DROP TRIGGER search_post_delete;
DROP TRIGGER search_post_update;
DROP TRIGGER search_post_insert;
DROP TRIGGER search_thread_delete;
DROP TRIGGER search_thread_update;
DROP TRIGGER search_thread_insert;
DROP TABLE search_spaces;
DROP TABLE search_posts;
DROP TABLE search_threads;

CREATE VIRTUAL TABLE search_index USING fts5(
    title, body, kind UNINDEXED, ref_id UNINDEXED,
    tokenize = 'porter unicode61 remove_diacritics 2'
);

INSERT INTO search_index (rowid, title, body, kind, ref_id)
    SELECT id * 4 + 1, title, '', 'thread', id FROM threads;
INSERT INTO search_index (rowid, title, body, kind, ref_id)
    SELECT id * 4 + 2, '', body, 'post', id FROM posts WHERE hidden_at IS NULL;
INSERT INTO search_index (rowid, title, body, kind, ref_id)
    SELECT id * 4 + 3, name, purpose, 'space', id FROM spaces;

-- +goose StatementBegin
CREATE TRIGGER search_thread_insert AFTER INSERT ON threads BEGIN
    INSERT INTO search_index (rowid, title, body, kind, ref_id) VALUES (new.id * 4 + 1, new.title, '', 'thread', new.id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER search_thread_update AFTER UPDATE OF title ON threads BEGIN
    DELETE FROM search_index WHERE rowid = old.id * 4 + 1;
    INSERT INTO search_index (rowid, title, body, kind, ref_id) VALUES (new.id * 4 + 1, new.title, '', 'thread', new.id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER search_thread_delete AFTER DELETE ON threads BEGIN
    DELETE FROM search_index WHERE rowid = old.id * 4 + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER search_post_insert AFTER INSERT ON posts WHEN new.hidden_at IS NULL BEGIN
    INSERT INTO search_index (rowid, title, body, kind, ref_id) VALUES (new.id * 4 + 2, '', new.body, 'post', new.id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER search_post_update AFTER UPDATE OF body, hidden_at ON posts BEGIN
    DELETE FROM search_index WHERE rowid = old.id * 4 + 2;
    INSERT INTO search_index (rowid, title, body, kind, ref_id)
        SELECT new.id * 4 + 2, '', new.body, 'post', new.id WHERE new.hidden_at IS NULL;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER search_post_delete AFTER DELETE ON posts BEGIN
    DELETE FROM search_index WHERE rowid = old.id * 4 + 2;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER search_space_insert AFTER INSERT ON spaces BEGIN
    INSERT INTO search_index (rowid, title, body, kind, ref_id) VALUES (new.id * 4 + 3, new.name, new.purpose, 'space', new.id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER search_space_update AFTER UPDATE OF name, purpose ON spaces BEGIN
    DELETE FROM search_index WHERE rowid = old.id * 4 + 3;
    INSERT INTO search_index (rowid, title, body, kind, ref_id) VALUES (new.id * 4 + 3, new.name, new.purpose, 'space', new.id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER search_space_delete AFTER DELETE ON spaces BEGIN
    DELETE FROM search_index WHERE rowid = old.id * 4 + 3;
END;
-- +goose StatementEnd
