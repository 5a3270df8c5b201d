-- +goose Up
CREATE TABLE members (
    id            INTEGER PRIMARY KEY,
    email         TEXT     NOT NULL UNIQUE,
    name          TEXT     NOT NULL,
    password_hash TEXT     NOT NULL DEFAULT '',
    is_admin      BOOLEAN  NOT NULL DEFAULT 0,
    suspended_at  DATETIME,
    created_at    DATETIME NOT NULL
);

CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    token_hash   TEXT     NOT NULL UNIQUE,
    member_id    INTEGER  NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    csrf_token   TEXT     NOT NULL,
    user_agent   TEXT     NOT NULL DEFAULT '',
    ip           TEXT     NOT NULL DEFAULT '',
    created_at   DATETIME NOT NULL,
    last_seen_at DATETIME NOT NULL,
    expires_at   DATETIME NOT NULL
);
CREATE INDEX sessions_member ON sessions(member_id);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    member_id    INTEGER  NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    token_hash   TEXT     NOT NULL UNIQUE,
    name         TEXT     NOT NULL DEFAULT '',
    created_at   DATETIME NOT NULL,
    last_used_at DATETIME
);
CREATE INDEX api_tokens_member ON api_tokens(member_id);

CREATE TABLE spaces (
    id              INTEGER PRIMARY KEY,
    slug            TEXT     NOT NULL UNIQUE,
    name            TEXT     NOT NULL,
    visibility      TEXT     NOT NULL CHECK (visibility IN ('open', 'request', 'invite')),
    purpose         TEXT     NOT NULL,
    purpose_version INTEGER  NOT NULL DEFAULT 1,
    founder_id      INTEGER  REFERENCES members(id) ON DELETE SET NULL,
    member_count    INTEGER  NOT NULL DEFAULT 0,
    thread_count    INTEGER  NOT NULL DEFAULT 0,
    created_at      DATETIME NOT NULL,
    archived_at     DATETIME
);

CREATE TABLE purpose_versions (
    id         INTEGER PRIMARY KEY,
    space_id   INTEGER  NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    version    INTEGER  NOT NULL,
    text       TEXT     NOT NULL,
    adopted_at DATETIME NOT NULL,
    UNIQUE (space_id, version)
);

CREATE TABLE memberships (
    id               INTEGER PRIMARY KEY,
    space_id         INTEGER  NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    member_id        INTEGER  NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    affirmed_version INTEGER  NOT NULL,
    steward          BOOLEAN  NOT NULL DEFAULT 0,
    joined_at        DATETIME NOT NULL,
    UNIQUE (space_id, member_id)
);
CREATE INDEX memberships_member ON memberships(member_id);

CREATE TABLE join_requests (
    id               INTEGER PRIMARY KEY,
    space_id         INTEGER  NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    member_id        INTEGER  NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    affirmed_version INTEGER  NOT NULL,
    note             TEXT     NOT NULL DEFAULT '',
    status           TEXT     NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'denied', 'withdrawn')),
    created_at       DATETIME NOT NULL,
    decided_at       DATETIME,
    decided_by       INTEGER  REFERENCES members(id) ON DELETE SET NULL
);
CREATE UNIQUE INDEX join_requests_one_pending ON join_requests(space_id, member_id) WHERE status = 'pending';

CREATE TABLE threads (
    id             INTEGER PRIMARY KEY,
    space_id       INTEGER  NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    author_id      INTEGER  REFERENCES members(id) ON DELETE SET NULL,
    title          TEXT     NOT NULL,
    kind           TEXT     NOT NULL DEFAULT 'discussion' CHECK (kind IN ('discussion', 'question')),
    post_count     INTEGER  NOT NULL DEFAULT 0,
    last_post_id   INTEGER  NOT NULL DEFAULT 0,
    last_posted_at DATETIME NOT NULL,
    locked         BOOLEAN  NOT NULL DEFAULT 0,
    created_at     DATETIME NOT NULL
);
CREATE INDEX threads_space_activity ON threads(space_id, last_post_id DESC);
CREATE INDEX threads_activity ON threads(last_post_id DESC);

CREATE TABLE posts (
    id               INTEGER PRIMARY KEY,
    thread_id        INTEGER  NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    space_id         INTEGER  NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    author_id        INTEGER  REFERENCES members(id) ON DELETE SET NULL,
    reply_to_post_id INTEGER  REFERENCES posts(id) ON DELETE SET NULL,
    body             TEXT     NOT NULL,
    html             TEXT     NOT NULL,
    created_at       DATETIME NOT NULL,
    edited_at        DATETIME,
    hidden_at        DATETIME
);
CREATE INDEX posts_thread ON posts(thread_id, id);
CREATE INDEX posts_author ON posts(author_id);

CREATE TABLE post_revisions (
    id         INTEGER PRIMARY KEY,
    post_id    INTEGER  NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    editor_id  INTEGER  REFERENCES members(id) ON DELETE SET NULL,
    body       TEXT     NOT NULL,
    html       TEXT     NOT NULL,
    created_at DATETIME NOT NULL
);
CREATE INDEX post_revisions_post ON post_revisions(post_id, id);

CREATE TABLE interactions (
    id         INTEGER PRIMARY KEY,
    space_id   INTEGER  NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    from_id    INTEGER  NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    to_id      INTEGER  NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    kind       TEXT     NOT NULL CHECK (kind IN ('reply', 'mention', 'quote', 'acknowledgement')),
    post_id    INTEGER  REFERENCES posts(id) ON DELETE SET NULL,
    created_at DATETIME NOT NULL
);
CREATE INDEX interactions_space_pair ON interactions(space_id, from_id, to_id);

-- The audit log is append-only: nothing may change or remove an entry.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    actor_id   INTEGER,
    subject_id INTEGER,
    space_id   INTEGER,
    action     TEXT     NOT NULL,
    reason     TEXT     NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL
);
CREATE INDEX audit_log_space ON audit_log(space_id, id);

-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE audit_log;
DROP TABLE interactions;
DROP TABLE post_revisions;
DROP TABLE posts;
DROP TABLE threads;
DROP TABLE join_requests;
DROP TABLE memberships;
DROP TABLE purpose_versions;
DROP TABLE spaces;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE members;
