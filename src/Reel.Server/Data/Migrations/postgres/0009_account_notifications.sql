-- Every node hears at once that an account's roles changed or that it was deleted, and stops authorising its
-- requests with what it knew before (ADR 0016). Sent on commit, so a listener that reads again sees the change.
CREATE FUNCTION reel_notify_account() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('reel_accounts', OLD.id);
        RETURN OLD;
    END IF;
    PERFORM pg_notify('reel_accounts', NEW.id);
    RETURN NEW;
END $$;

CREATE TRIGGER users_roles_changed_notify AFTER UPDATE OF roles ON users
    FOR EACH ROW WHEN (NEW.roles IS DISTINCT FROM OLD.roles) EXECUTE FUNCTION reel_notify_account();

CREATE TRIGGER users_deleted_notify AFTER DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION reel_notify_account();
