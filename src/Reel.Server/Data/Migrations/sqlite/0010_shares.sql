-- Share links (issue 16): a key that shows one video to whoever holds it, with an optional expiry and password.
-- A revoked share keeps its row (revoked_at set, generation raised) so every stream node learns of it by its next read
-- of revocations; the rows go with their video.
CREATE TABLE shares (
    id             TEXT    PRIMARY KEY,
    video_id       TEXT    NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    share_key      TEXT    NOT NULL UNIQUE,
    label          TEXT,
    expires_at     INTEGER,
    password_hash  TEXT,
    allow_download INTEGER NOT NULL,
    views          INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    generation     INTEGER NOT NULL DEFAULT 0,
    changed_at     INTEGER,
    revoked_at     INTEGER
);
CREATE INDEX shares_by_video ON shares (video_id, created_at);
CREATE INDEX shares_changed ON shares (changed_at);

ALTER TABLE videos ADD COLUMN views INTEGER NOT NULL DEFAULT 0;
