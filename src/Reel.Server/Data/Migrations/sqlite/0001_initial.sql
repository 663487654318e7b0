CREATE TABLE videos (
    id               TEXT    PRIMARY KEY,
    title            TEXT    NOT NULL,
    status           TEXT    NOT NULL,
    visibility       TEXT    NOT NULL DEFAULT 'unlisted',
    progress         REAL    NOT NULL DEFAULT 0,
    error_code       TEXT,
    error_message    TEXT,
    duration_seconds REAL    NOT NULL,
    width            INTEGER NOT NULL,
    height           INTEGER NOT NULL,
    size_bytes       INTEGER NOT NULL,
    source_key       TEXT,
    probe_json       TEXT    NOT NULL,
    renditions       TEXT    NOT NULL DEFAULT '[]',
    playable         INTEGER NOT NULL DEFAULT 0,
    has_thumbnail    INTEGER NOT NULL DEFAULT 0,
    has_storyboard   INTEGER NOT NULL DEFAULT 0,
    has_download     INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    ready_at         INTEGER,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX videos_newest_first ON videos (created_at DESC, id DESC);

CREATE TABLE jobs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    video_id    TEXT    NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL,
    state       TEXT    NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    run_after   INTEGER NOT NULL,
    lease_owner TEXT,
    lease_until INTEGER,
    last_error  TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX jobs_claimable ON jobs (kind, state, run_after);
CREATE INDEX jobs_by_video ON jobs (video_id);
