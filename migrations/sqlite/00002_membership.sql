-- +goose Up
-- Voluntary membership in full: invitations, decisions on join requests,
-- removals for conduct, stewardship as an accepted duty, purpose by consent,
-- successor spaces and the notifications inbox.

ALTER TABLE join_requests ADD COLUMN response TEXT NOT NULL DEFAULT '';

ALTER TABLE spaces ADD COLUMN predecessor_id INTEGER REFERENCES spaces(id) ON DELETE SET NULL;
ALTER TABLE spaces ADD COLUMN successor_id INTEGER REFERENCES spaces(id) ON DELETE SET NULL;

CREATE TABLE invitations (
    id          INTEGER PRIMARY KEY,
    space_id    INTEGER  NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    inviter_id  INTEGER  REFERENCES members(id) ON DELETE SET NULL,
    invitee_id  INTEGER  NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    status      TEXT     NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'declined', 'withdrawn')),
    created_at  DATETIME NOT NULL,
    expires_at  DATETIME NOT NULL,
    answered_at DATETIME
);
CREATE UNIQUE INDEX invitations_one_pending ON invitations(space_id, invitee_id) WHERE status = 'pending';
CREATE INDEX invitations_invitee ON invitations(invitee_id, status);

CREATE TABLE removals (
    id         INTEGER PRIMARY KEY,
    space_id   INTEGER  NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    member_id  INTEGER  NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    removed_by INTEGER  REFERENCES members(id) ON DELETE SET NULL,
    reason     TEXT     NOT NULL,
    created_at DATETIME NOT NULL,
    lifted_at  DATETIME,
    lifted_by  INTEGER  REFERENCES members(id) ON DELETE SET NULL
);
CREATE UNIQUE INDEX removals_one_active ON removals(space_id, member_id) WHERE lifted_at IS NULL;

CREATE TABLE steward_offers (
    id          INTEGER PRIMARY KEY,
    space_id    INTEGER  NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    member_id   INTEGER  NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    offered_by  INTEGER  REFERENCES members(id) ON DELETE SET NULL,
    status      TEXT     NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'declined', 'withdrawn')),
    created_at  DATETIME NOT NULL,
    answered_at DATETIME
);
CREATE UNIQUE INDEX steward_offers_one_pending ON steward_offers(space_id, member_id) WHERE status = 'pending';

CREATE TABLE purpose_proposals (
    id           INTEGER PRIMARY KEY,
    space_id     INTEGER  NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    proposer_id  INTEGER  REFERENCES members(id) ON DELETE SET NULL,
    thread_id    INTEGER  REFERENCES threads(id) ON DELETE SET NULL,
    base_version INTEGER  NOT NULL,
    text         TEXT     NOT NULL,
    rationale    TEXT     NOT NULL,
    status       TEXT     NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'adopted', 'declined')),
    created_at   DATETIME NOT NULL,
    closes_at    DATETIME NOT NULL,
    closed_at    DATETIME,
    consents     INTEGER  NOT NULL DEFAULT 0,
    objections   INTEGER  NOT NULL DEFAULT 0,
    members_at_close INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX purpose_proposals_one_open ON purpose_proposals(space_id) WHERE status = 'open';
CREATE INDEX purpose_proposals_closing ON purpose_proposals(status, closes_at);

CREATE TABLE proposal_responses (
    id          INTEGER PRIMARY KEY,
    proposal_id INTEGER  NOT NULL REFERENCES purpose_proposals(id) ON DELETE CASCADE,
    member_id   INTEGER  NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    consent     BOOLEAN  NOT NULL,
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL,
    UNIQUE (proposal_id, member_id)
);

ALTER TABLE purpose_versions ADD COLUMN proposal_id INTEGER REFERENCES purpose_proposals(id) ON DELETE SET NULL;

CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    member_id  INTEGER  NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    kind       TEXT     NOT NULL,
    space_id   INTEGER  REFERENCES spaces(id) ON DELETE CASCADE,
    data       TEXT     NOT NULL DEFAULT '{}',
    read_at    DATETIME,
    created_at DATETIME NOT NULL
);
CREATE INDEX notifications_member ON notifications(member_id, id DESC);
CREATE INDEX notifications_unread ON notifications(member_id) WHERE read_at IS NULL;

-- +goose Down
DROP TABLE notifications;
ALTER TABLE purpose_versions DROP COLUMN proposal_id;
DROP TABLE proposal_responses;
DROP TABLE purpose_proposals;
DROP TABLE steward_offers;
DROP TABLE removals;
DROP TABLE invitations;
ALTER TABLE spaces DROP COLUMN successor_id;
ALTER TABLE spaces DROP COLUMN predecessor_id;
ALTER TABLE join_requests DROP COLUMN response;
