-- +goose Up
-- Full-text search (FTS5; kith is built with the sqlite_fts5 tag). One index
-- holds every searchable document: a thread's title, a post's markdown, a
-- space's name and purpose. The rowid says what a document is, so triggers
-- find it again without a scan: id*4+1 a thread, id*4+2 a post, id*4+3 a
-- space. The triggers run inside the writing transaction, so an edit, a hidden
-- post or a deletion changes the index in the same commit. Hidden posts are not
-- indexed at all.
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
DROP TABLE search_index;
