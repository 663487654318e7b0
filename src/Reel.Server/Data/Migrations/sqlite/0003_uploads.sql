-- Resumable (tus) uploads in progress. The video row exists from the start with status 'uploading'; this row holds
-- what the upload needs until its last byte arrives, and goes when it does.
CREATE TABLE uploads (
    video_id      TEXT    PRIMARY KEY REFERENCES videos (id) ON DELETE CASCADE,
    length        INTEGER NOT NULL,
    offset_bytes  INTEGER NOT NULL DEFAULT 0,
    storage_state TEXT    NOT NULL,
    expires_at    INTEGER NOT NULL,
    lock_owner    TEXT,
    lock_until    INTEGER
);
CREATE INDEX uploads_expiring ON uploads (expires_at);
