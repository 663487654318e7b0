-- The schema of sqlite/0012_replacements.sql in PostgreSQL types.
ALTER TABLE videos ADD COLUMN media_id TEXT;
ALTER TABLE videos ADD COLUMN replaces_id TEXT REFERENCES videos (id) ON DELETE CASCADE;
CREATE INDEX videos_replaces ON videos (replaces_id) WHERE replaces_id IS NOT NULL;

ALTER TABLE file_deletions ADD COLUMN not_before BIGINT NOT NULL DEFAULT 0;
