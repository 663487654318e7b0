-- A resumable upload is addressed by a secret URL of its own (/api/uploads/{key}), never by its video's id, which is
-- in every share link (ADR 15). Only the SHA-256 of the key is kept, so a reader of the database cannot take an
-- upload over. The row lives as long as the video, so a client that lost the last answer can still ask HEAD.
-- Uploads begun before this migration have no key: they cannot be resumed and expire as usual.
CREATE TABLE upload_urls (
    key_hash TEXT PRIMARY KEY,
    video_id TEXT NOT NULL REFERENCES videos (id) ON DELETE CASCADE
);
CREATE INDEX upload_urls_video ON upload_urls (video_id);

-- Files of deleted videos still to remove. Written in the transaction that deletes the video's row, so a delete that
-- storage could not finish (S3 unreachable, a crash) is finished by the worker's sweep once storage answers again.
-- resumable_state is the storage state of an unfinished resumable upload (an S3 multipart upload to abort).
CREATE TABLE file_deletions (
    video_id        TEXT    PRIMARY KEY,
    resumable_state TEXT,
    requested_at    INTEGER NOT NULL
);

-- Set by a request that wants the upload while another holds its lock (a client resuming after its connection went
-- dead): the holder, which checks every second, stores what it received, lets go and ends its request.
ALTER TABLE uploads ADD COLUMN lock_stop INTEGER NOT NULL DEFAULT 0;
