-- Replacing a video's file under the same id and links (issue 16). The new file is a hidden video row of its own
-- (replaces_id names the video it is for) until it is playable; then the video takes its state and its files, which
-- stay in the replacement's folder: media_id names the folder of a video's files when it is not the video's own id.
ALTER TABLE videos ADD COLUMN media_id TEXT;
ALTER TABLE videos ADD COLUMN replaces_id TEXT REFERENCES videos (id) ON DELETE CASCADE;
CREATE INDEX videos_replaces ON videos (replaces_id) WHERE replaces_id IS NOT NULL;

-- The files of a replaced version are removed only once viewers who started on it have had time to finish.
ALTER TABLE file_deletions ADD COLUMN not_before INTEGER NOT NULL DEFAULT 0;
