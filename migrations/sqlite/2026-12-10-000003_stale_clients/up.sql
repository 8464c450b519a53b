-- Clients that registered themselves and went quiet (#22). A self-registered client's
-- registration keeps its latest registration read (an RFC 7592 use of its registration
-- access token, a metadata document resolution; written at most once a minute) and when
-- it was last warned of going quiet; the audit trail records the warning
-- (`stale_warning`), and webhooks may hear it (`application.stale_warning`).
-- SQLite cannot change a CHECK constraint: both tables are rebuilt, as in
-- 2026-11-29-000001_webhooks.
ALTER TABLE client_registrations ADD COLUMN last_read_at INTEGER;
ALTER TABLE client_registrations ADD COLUMN stale_warned_at INTEGER;

-- The deliveries refer to the events with ON DELETE CASCADE: dropping the old table would
-- delete them, so they are kept aside and put back, each with its id.
CREATE TABLE webhook_deliveries_kept AS SELECT * FROM webhook_deliveries;

CREATE TABLE audit_events_new (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id      INTEGER NOT NULL REFERENCES oauth_applications (id) ON DELETE CASCADE,
    action              TEXT NOT NULL CHECK (action IN (
        'created', 'updated', 'disabled', 'enabled', 'secret_rotated',
        'previous_secret_revoked', 'keys_rotated', 'secret_expiring', 'secret_leaked',
        'stale_warning')),
    actor               TEXT NOT NULL CHECK (length(actor) BETWEEN 1 AND 256),
    request_id          TEXT CHECK (request_id IS NULL OR length(request_id) <= 256),
    changed_fields      TEXT NOT NULL DEFAULT '',
    occurred_at         INTEGER NOT NULL,
    client_request_id   TEXT
        CHECK (client_request_id IS NULL OR length(client_request_id) BETWEEN 1 AND 128)
) STRICT;

INSERT INTO audit_events_new (id, application_id, action, actor, request_id, changed_fields,
                              occurred_at, client_request_id)
    SELECT id, application_id, action, actor, request_id, changed_fields, occurred_at,
           client_request_id
    FROM audit_events;

DELETE FROM sqlite_sequence WHERE name = 'audit_events_new';
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'audit_events_new', seq FROM sqlite_sequence WHERE name = 'audit_events';

DROP TABLE audit_events;
ALTER TABLE audit_events_new RENAME TO audit_events;
CREATE INDEX audit_events_application_idx ON audit_events (application_id, id DESC);

INSERT INTO webhook_deliveries (id, webhook_id, event_id, application_id, status, attempts,
                                next_attempt_at, lease_until, last_status, last_error,
                                created_at, delivered_at)
    SELECT id, webhook_id, event_id, application_id, status, attempts, next_attempt_at,
           lease_until, last_status, last_error, created_at, delivered_at
    FROM webhook_deliveries_kept
    WHERE event_id IN (SELECT id FROM audit_events);
DROP TABLE webhook_deliveries_kept;

-- The changed-fields checks (2026-12-09-000001_changed_fields_check) went with the old
-- table: the same again.
CREATE TRIGGER audit_events_changed_fields_insert
    BEFORE INSERT ON audit_events
    WHEN NEW.changed_fields <> '' AND replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(
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
        char(10) || 'software_version' || char(10), ''),
        char(10) || 'dpop_bound_access_tokens' || char(10), ''),
        char(10) || 'tls_client_certificate_bound_access_tokens' || char(10), ''),
        char(10) || 'require_pushed_authorization_requests' || char(10), ''),
        char(10) || 'tls_client_auth_subject' || char(10), '') <> ''
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: changed_fields');
END;
CREATE TRIGGER audit_events_changed_fields_update
    BEFORE UPDATE OF changed_fields ON audit_events
    WHEN NEW.changed_fields <> '' AND replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(
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
        char(10) || 'software_version' || char(10), ''),
        char(10) || 'dpop_bound_access_tokens' || char(10), ''),
        char(10) || 'tls_client_certificate_bound_access_tokens' || char(10), ''),
        char(10) || 'require_pushed_authorization_requests' || char(10), ''),
        char(10) || 'tls_client_auth_subject' || char(10), '') <> ''
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: changed_fields');
END;

CREATE TABLE webhook_event_types_new (
    webhook_id  TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_type  TEXT NOT NULL CHECK (event_type IN (
        'application.created', 'application.updated', 'application.disabled',
        'application.enabled', 'secret.rotated', 'secret.previous_revoked', 'keys.rotated',
        'secret.expiring', 'secret.leaked', 'application.stale_warning')),
    PRIMARY KEY (webhook_id, event_type)
) STRICT, WITHOUT ROWID;
INSERT INTO webhook_event_types_new (webhook_id, event_type)
    SELECT webhook_id, event_type FROM webhook_event_types
    WHERE event_type IN ('application.created', 'application.updated', 'application.disabled', 'application.enabled', 'secret.rotated', 'secret.previous_revoked', 'keys.rotated', 'secret.expiring', 'secret.leaked', 'application.stale_warning');
DROP TABLE webhook_event_types;
ALTER TABLE webhook_event_types_new RENAME TO webhook_event_types;
