-- +goose Up
-- An identity is an account at an outside provider (OpenID Connect, GitHub,
-- ...) linked to a member. A member is found by the provider's subject, never
-- by a name or an email.
CREATE TABLE identities (
    id         INTEGER PRIMARY KEY,
    provider   TEXT     NOT NULL,
    subject    TEXT     NOT NULL,
    email      TEXT     NOT NULL DEFAULT '',
    member_id  INTEGER  NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    created_at DATETIME NOT NULL,
    UNIQUE (provider, subject)
);
CREATE INDEX identities_member ON identities(member_id);

-- +goose Down
DROP TABLE identities;
