-- Share links (issue 16): a key that shows one video to whoever holds it, with an optional expiry and password.
-- A revoked share keeps its row (revoked_at set, generation raised) so every stream node learns of it by its next read
-- of revocations; the rows go with their video.
CREATE TABLE shares (
    id             TEXT    PRIMARY KEY,
    video_id       TEXT    NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    share_key      TEXT    NOT NULL UNIQUE,
    label          TEXT,
    expires_at     BIGINT,
    password_hash  TEXT,
    allow_download BOOLEAN NOT NULL,
    views          INTEGER NOT NULL DEFAULT 0,
    created_at     BIGINT  NOT NULL,
    generation     INTEGER NOT NULL DEFAULT 0,
    changed_at     BIGINT,
    revoked_at     BIGINT
);
CREATE INDEX shares_by_video ON shares (video_id, created_at);
CREATE INDEX shares_changed ON shares (changed_at);

ALTER TABLE videos ADD COLUMN views INTEGER NOT NULL DEFAULT 0;

-- A share's tokens stop on other nodes at once: the revocation channel makes stream nodes re-read revocations.
CREATE FUNCTION reel_notify_share_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('reel_revocations', NEW.video_id);
    RETURN NULL;
END $$;
CREATE TRIGGER shares_changed_notify AFTER UPDATE OF changed_at ON shares
    FOR EACH ROW WHEN (NEW.changed_at IS DISTINCT FROM OLD.changed_at) EXECUTE FUNCTION reel_notify_share_change();
