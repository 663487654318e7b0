-- Emails are stored lower-cased by the application, so a plain unique index does what NOCASE does in SQLite.
CREATE TABLE users (
    id            TEXT   PRIMARY KEY,
    email         TEXT   NOT NULL UNIQUE,
    display_name  TEXT   NOT NULL,
    password_hash TEXT   NOT NULL,
    roles         TEXT   NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX users_newest_first ON users (created_at DESC, id DESC);

CREATE TABLE refresh_tokens (
    token_hash TEXT   PRIMARY KEY,
    family     TEXT   NOT NULL,
    user_id    TEXT   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT,
    revoked_at BIGINT
);
CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family);

CREATE TABLE api_keys (
    id         TEXT   PRIMARY KEY,
    name       TEXT   NOT NULL,
    key_hash   TEXT   NOT NULL UNIQUE,
    created_by TEXT,
    created_at BIGINT NOT NULL
);

CREATE TABLE watch_progress (
    user_id          TEXT             NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    video_id         TEXT             NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    position_seconds DOUBLE PRECISION NOT NULL,
    updated_at       BIGINT           NOT NULL,
    PRIMARY KEY (user_id, video_id)
);

ALTER TABLE videos ADD COLUMN owner_id TEXT REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE videos ADD COLUMN manage_token_hash TEXT;
ALTER TABLE videos ADD COLUMN links_generation INTEGER NOT NULL DEFAULT 0;
ALTER TABLE videos ADD COLUMN links_revoked_at BIGINT;
CREATE INDEX videos_by_owner ON videos (owner_id, created_at DESC, id DESC);
CREATE INDEX videos_public ON videos (visibility, created_at DESC, id DESC);
CREATE INDEX videos_links_revoked ON videos (links_revoked_at);
