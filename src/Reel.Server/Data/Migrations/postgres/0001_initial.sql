-- The schema of sqlite/0001_initial.sql in PostgreSQL types: times are Unix milliseconds in BIGINT on both.
CREATE TABLE videos (
    id               TEXT             PRIMARY KEY,
    title            TEXT             NOT NULL,
    status           TEXT             NOT NULL,
    visibility       TEXT             NOT NULL DEFAULT 'unlisted',
    progress         DOUBLE PRECISION NOT NULL DEFAULT 0,
    error_code       TEXT,
    error_message    TEXT,
    duration_seconds DOUBLE PRECISION NOT NULL,
    width            INTEGER          NOT NULL,
    height           INTEGER          NOT NULL,
    size_bytes       BIGINT           NOT NULL,
    source_key       TEXT,
    probe_json       TEXT             NOT NULL,
    renditions       TEXT             NOT NULL DEFAULT '[]',
    playable         BOOLEAN          NOT NULL DEFAULT FALSE,
    has_thumbnail    BOOLEAN          NOT NULL DEFAULT FALSE,
    has_storyboard   BOOLEAN          NOT NULL DEFAULT FALSE,
    has_download     BOOLEAN          NOT NULL DEFAULT FALSE,
    created_at       BIGINT           NOT NULL,
    ready_at         BIGINT,
    updated_at       BIGINT           NOT NULL
);
CREATE INDEX videos_newest_first ON videos (created_at DESC, id DESC);

CREATE TABLE jobs (
    id          BIGSERIAL PRIMARY KEY,
    video_id    TEXT      NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    kind        TEXT      NOT NULL,
    state       TEXT      NOT NULL,
    attempts    INTEGER   NOT NULL DEFAULT 0,
    run_after   BIGINT    NOT NULL,
    lease_owner TEXT,
    lease_until BIGINT,
    last_error  TEXT,
    created_at  BIGINT    NOT NULL,
    updated_at  BIGINT    NOT NULL
);
CREATE INDEX jobs_claimable ON jobs (kind, state, run_after);
CREATE INDEX jobs_by_video ON jobs (video_id);
