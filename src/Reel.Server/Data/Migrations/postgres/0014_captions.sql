-- The schema of sqlite/0013_captions.sql in PostgreSQL types.
CREATE TABLE captions (
    id              TEXT    PRIMARY KEY,
    video_id        TEXT    NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    language        TEXT    NOT NULL,
    label           TEXT    NOT NULL,
    is_default      BOOLEAN NOT NULL DEFAULT FALSE,
    origin          TEXT    NOT NULL,
    file_key        TEXT    NOT NULL,
    cue_count       INTEGER NOT NULL,
    published_media TEXT,
    created_at      BIGINT  NOT NULL
);
CREATE INDEX captions_by_video ON captions (video_id, created_at);

ALTER TABLE videos ADD COLUMN chapters TEXT;
