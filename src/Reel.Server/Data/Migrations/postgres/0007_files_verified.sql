-- The updated_at of a ready video whose derived files were last found whole (ADR 14): recovery checks only videos
-- changed since, instead of every ready video at every start.
ALTER TABLE videos ADD COLUMN files_verified_at BIGINT;
CREATE INDEX videos_files_unverified ON videos (id) WHERE status = 'ready' AND (files_verified_at IS NULL OR files_verified_at <> updated_at);
