-- An audit event's changed fields are the domain's ChangedFields (a closed set since the
-- change record was typed): the list holds only their names. As for the other closed
-- lists (2026-12-08-000001_closed_sets), SQLite cannot add a check to the column of an
-- existing table, and rebuilding audit_events would delete the deliveries that refer to
-- its rows: triggers check it instead, on every insert and on every update of the
-- column, and fail as a check does. The list is one name a line; each line of a
-- non-empty list must be one of the names. Taking every name off a copy whose lines are
-- each wrapped in their own line breaks leaves nothing exactly when it holds no other
-- line (and no empty one). Rows already stored are not checked (a trigger sees writes
-- only).
CREATE TRIGGER audit_events_changed_fields_insert
    BEFORE INSERT ON audit_events
    WHEN NEW.changed_fields <> '' AND replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(
        char(10) || replace(NEW.changed_fields, char(10), char(10) || char(10)) || char(10),
        char(10) || 'owner_org_id' || char(10), ''),
        char(10) || 'name' || char(10), ''),
        char(10) || 'description' || char(10), ''),
        char(10) || 'type' || char(10), ''),
        char(10) || 'redirect_urls' || char(10), ''),
        char(10) || 'allowed_scopes' || char(10), ''),
        char(10) || 'grant_types' || char(10), ''),
        char(10) || 'access_level' || char(10), ''),
        char(10) || 'is_first_party' || char(10), ''),
        char(10) || 'status' || char(10), ''),
        char(10) || 'token_endpoint_auth_method' || char(10), ''),
        char(10) || 'jwks' || char(10), ''),
        char(10) || 'jwks_uri' || char(10), ''),
        char(10) || 'secret' || char(10), ''),
        char(10) || 'registration' || char(10), ''),
        char(10) || 'client_uri' || char(10), ''),
        char(10) || 'logo_uri' || char(10), ''),
        char(10) || 'tos_uri' || char(10), ''),
        char(10) || 'policy_uri' || char(10), ''),
        char(10) || 'contacts' || char(10), ''),
        char(10) || 'software_id' || char(10), ''),
        char(10) || 'software_version' || char(10), '') <> ''
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: changed_fields');
END;
CREATE TRIGGER audit_events_changed_fields_update
    BEFORE UPDATE OF changed_fields ON audit_events
    WHEN NEW.changed_fields <> '' AND replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(
        char(10) || replace(NEW.changed_fields, char(10), char(10) || char(10)) || char(10),
        char(10) || 'owner_org_id' || char(10), ''),
        char(10) || 'name' || char(10), ''),
        char(10) || 'description' || char(10), ''),
        char(10) || 'type' || char(10), ''),
        char(10) || 'redirect_urls' || char(10), ''),
        char(10) || 'allowed_scopes' || char(10), ''),
        char(10) || 'grant_types' || char(10), ''),
        char(10) || 'access_level' || char(10), ''),
        char(10) || 'is_first_party' || char(10), ''),
        char(10) || 'status' || char(10), ''),
        char(10) || 'token_endpoint_auth_method' || char(10), ''),
        char(10) || 'jwks' || char(10), ''),
        char(10) || 'jwks_uri' || char(10), ''),
        char(10) || 'secret' || char(10), ''),
        char(10) || 'registration' || char(10), ''),
        char(10) || 'client_uri' || char(10), ''),
        char(10) || 'logo_uri' || char(10), ''),
        char(10) || 'tos_uri' || char(10), ''),
        char(10) || 'policy_uri' || char(10), ''),
        char(10) || 'contacts' || char(10), ''),
        char(10) || 'software_id' || char(10), ''),
        char(10) || 'software_version' || char(10), '') <> ''
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: changed_fields');
END;
