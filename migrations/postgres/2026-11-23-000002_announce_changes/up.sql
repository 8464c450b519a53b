-- Announce every committed change of an application (its secrets change its row too) to
-- the replicas' read caches: NOTIFY oauth_apps_changes, '<client_id>'.
CREATE FUNCTION oauth_apps_announce_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('oauth_apps_changes', NEW.client_id::text);
    RETURN NEW;
END
$$;

CREATE TRIGGER oauth_applications_announce_change
    AFTER INSERT OR UPDATE ON oauth_applications
    FOR EACH ROW EXECUTE FUNCTION oauth_apps_announce_change();
