-- The schema of sqlite/0007_upload_urls_and_file_deletions.sql in PostgreSQL types.
CREATE TABLE upload_urls (
    key_hash TEXT PRIMARY KEY,
    video_id TEXT NOT NULL REFERENCES videos (id) ON DELETE CASCADE
);
CREATE INDEX upload_urls_video ON upload_urls (video_id);

CREATE TABLE file_deletions (
    video_id        TEXT   PRIMARY KEY,
    resumable_state TEXT,
    requested_at    BIGINT NOT NULL
);

ALTER TABLE uploads ADD COLUMN lock_stop INTEGER NOT NULL DEFAULT 0;
