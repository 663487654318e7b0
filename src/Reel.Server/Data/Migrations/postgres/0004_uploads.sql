-- The schema of sqlite/0003_uploads.sql in PostgreSQL types.
CREATE TABLE uploads (
    video_id      TEXT   PRIMARY KEY REFERENCES videos (id) ON DELETE CASCADE,
    length        BIGINT NOT NULL,
    offset_bytes  BIGINT NOT NULL DEFAULT 0,
    storage_state TEXT   NOT NULL,
    expires_at    BIGINT NOT NULL,
    lock_owner    TEXT,
    lock_until    BIGINT
);
CREATE INDEX uploads_expiring ON uploads (expires_at);
