DROP TRIGGER oauth_applications_announce_change ON oauth_applications;
DROP FUNCTION oauth_apps_announce_change();
