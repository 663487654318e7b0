-- The index of sqlite/0009_open_uploads_by_uploader.sql: the cap on open resumable uploads counts one uploader's
-- videos still uploading at every creation (ADR 17).
CREATE INDEX videos_uploading_by_uploader ON videos (uploader) WHERE status = 'uploading';
