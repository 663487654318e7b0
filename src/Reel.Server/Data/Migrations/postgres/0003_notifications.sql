-- Other nodes hear of work and of revoked links at once (LISTEN/NOTIFY), not at their next poll.
-- A notification is sent when its transaction commits, so a listener never hears of a row it cannot read yet.
CREATE FUNCTION reel_notify_job() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('reel_jobs', NEW.kind);
    RETURN NEW;
END $$;

CREATE TRIGGER jobs_queued_notify AFTER INSERT OR UPDATE OF state ON jobs
    FOR EACH ROW WHEN (NEW.state = 'queued') EXECUTE FUNCTION reel_notify_job();

CREATE FUNCTION reel_notify_revocation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('reel_revocations', NEW.id);
    RETURN NEW;
END $$;

CREATE TRIGGER videos_links_revoked_notify AFTER UPDATE OF links_revoked_at ON videos
    FOR EACH ROW WHEN (NEW.links_revoked_at IS DISTINCT FROM OLD.links_revoked_at) EXECUTE FUNCTION reel_notify_revocation();
