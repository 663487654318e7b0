-- Captions (issue 17). A caption belongs to its video, not to the video's files: an uploaded one stays when the file is
-- replaced. One taken from the source (origin 'source') goes with the file it came from. file_key is its clean WebVTT
-- in storage; published_media is the files' folder whose HLS copies of it were last written (so its URL is known).
CREATE TABLE captions (
    id              TEXT    PRIMARY KEY,
    video_id        TEXT    NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    language        TEXT    NOT NULL,
    label           TEXT    NOT NULL,
    is_default      INTEGER NOT NULL DEFAULT 0,
    origin          TEXT    NOT NULL,
    file_key        TEXT    NOT NULL,
    cue_count       INTEGER NOT NULL,
    published_media TEXT,
    created_at      INTEGER NOT NULL
);
CREATE INDEX captions_by_video ON captions (video_id, created_at);

-- Chapters the owner uploaded, as JSON [{ "startSeconds", "title" }]; null: the source's, read from its probe.
ALTER TABLE videos ADD COLUMN chapters TEXT;
