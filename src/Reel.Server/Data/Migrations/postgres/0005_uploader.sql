-- The column of sqlite/0004_uploader.sql: who uploaded the video, for fair turns in the job queue.
ALTER TABLE videos ADD COLUMN uploader TEXT;
