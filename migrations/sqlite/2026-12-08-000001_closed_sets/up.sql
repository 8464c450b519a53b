-- Closed sets (#21). Every column that holds a member of a closed set lists the set's
-- names in a check. The lists of grant types and authentication methods (an application's
-- grant types, a token's allowance, a policy's self-registration limits) had none here.
-- SQLite cannot add a check to a column of an existing table, and rebuilding
-- oauth_applications would delete every row that refers to it (its secrets, trail and
-- deliveries cascade): triggers check them instead, on every insert and on every update
-- of the column, and fail as a check does. A list is one name a line; each line of a
-- non-empty list must be one of the names. Taking every name off a copy whose lines are
-- each wrapped in their own line breaks leaves nothing exactly when it holds no other
-- line (and no empty one).
CREATE TRIGGER oauth_applications_grant_types_insert
    BEFORE INSERT ON oauth_applications
    WHEN NEW.grant_types <> '' AND replace(replace(replace(replace(
        char(10) || replace(NEW.grant_types, char(10), char(10) || char(10)) || char(10),
        char(10) || 'authorization_code' || char(10), ''),
        char(10) || 'refresh_token' || char(10), ''),
        char(10) || 'client_credentials' || char(10), ''),
        char(10) || 'urn:ietf:params:oauth:grant-type:device_code' || char(10), '') <> ''
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: grant_types');
END;
CREATE TRIGGER oauth_applications_grant_types_update
    BEFORE UPDATE OF grant_types ON oauth_applications
    WHEN NEW.grant_types <> '' AND replace(replace(replace(replace(
        char(10) || replace(NEW.grant_types, char(10), char(10) || char(10)) || char(10),
        char(10) || 'authorization_code' || char(10), ''),
        char(10) || 'refresh_token' || char(10), ''),
        char(10) || 'client_credentials' || char(10), ''),
        char(10) || 'urn:ietf:params:oauth:grant-type:device_code' || char(10), '') <> ''
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: grant_types');
END;
CREATE TRIGGER initial_access_tokens_allowed_grant_types_insert
    BEFORE INSERT ON initial_access_tokens
    WHEN NEW.allowed_grant_types <> '' AND replace(replace(replace(replace(
        char(10) || replace(NEW.allowed_grant_types, char(10), char(10) || char(10)) || char(10),
        char(10) || 'authorization_code' || char(10), ''),
        char(10) || 'refresh_token' || char(10), ''),
        char(10) || 'client_credentials' || char(10), ''),
        char(10) || 'urn:ietf:params:oauth:grant-type:device_code' || char(10), '') <> ''
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: allowed_grant_types');
END;
CREATE TRIGGER initial_access_tokens_allowed_grant_types_update
    BEFORE UPDATE OF allowed_grant_types ON initial_access_tokens
    WHEN NEW.allowed_grant_types <> '' AND replace(replace(replace(replace(
        char(10) || replace(NEW.allowed_grant_types, char(10), char(10) || char(10)) || char(10),
        char(10) || 'authorization_code' || char(10), ''),
        char(10) || 'refresh_token' || char(10), ''),
        char(10) || 'client_credentials' || char(10), ''),
        char(10) || 'urn:ietf:params:oauth:grant-type:device_code' || char(10), '') <> ''
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: allowed_grant_types');
END;
CREATE TRIGGER initial_access_tokens_allowed_auth_methods_insert
    BEFORE INSERT ON initial_access_tokens
    WHEN NEW.allowed_auth_methods <> '' AND replace(replace(replace(replace(
        char(10) || replace(NEW.allowed_auth_methods, char(10), char(10) || char(10)) || char(10),
        char(10) || 'client_secret_basic' || char(10), ''),
        char(10) || 'client_secret_post' || char(10), ''),
        char(10) || 'private_key_jwt' || char(10), ''),
        char(10) || 'none' || char(10), '') <> ''
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: allowed_auth_methods');
END;
CREATE TRIGGER initial_access_tokens_allowed_auth_methods_update
    BEFORE UPDATE OF allowed_auth_methods ON initial_access_tokens
    WHEN NEW.allowed_auth_methods <> '' AND replace(replace(replace(replace(
        char(10) || replace(NEW.allowed_auth_methods, char(10), char(10) || char(10)) || char(10),
        char(10) || 'client_secret_basic' || char(10), ''),
        char(10) || 'client_secret_post' || char(10), ''),
        char(10) || 'private_key_jwt' || char(10), ''),
        char(10) || 'none' || char(10), '') <> ''
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: allowed_auth_methods');
END;
CREATE TRIGGER organization_policies_self_registration_grant_types_insert
    BEFORE INSERT ON organization_policies
    WHEN NEW.self_registration_grant_types <> '' AND replace(replace(replace(replace(
        char(10) || replace(NEW.self_registration_grant_types, char(10), char(10) || char(10)) || char(10),
        char(10) || 'authorization_code' || char(10), ''),
        char(10) || 'refresh_token' || char(10), ''),
        char(10) || 'client_credentials' || char(10), ''),
        char(10) || 'urn:ietf:params:oauth:grant-type:device_code' || char(10), '') <> ''
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: self_registration_grant_types');
END;
CREATE TRIGGER organization_policies_self_registration_grant_types_update
    BEFORE UPDATE OF self_registration_grant_types ON organization_policies
    WHEN NEW.self_registration_grant_types <> '' AND replace(replace(replace(replace(
        char(10) || replace(NEW.self_registration_grant_types, char(10), char(10) || char(10)) || char(10),
        char(10) || 'authorization_code' || char(10), ''),
        char(10) || 'refresh_token' || char(10), ''),
        char(10) || 'client_credentials' || char(10), ''),
        char(10) || 'urn:ietf:params:oauth:grant-type:device_code' || char(10), '') <> ''
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: self_registration_grant_types');
END;
CREATE TRIGGER organization_policies_self_registration_auth_methods_insert
    BEFORE INSERT ON organization_policies
    WHEN NEW.self_registration_auth_methods <> '' AND replace(replace(replace(replace(
        char(10) || replace(NEW.self_registration_auth_methods, char(10), char(10) || char(10)) || char(10),
        char(10) || 'client_secret_basic' || char(10), ''),
        char(10) || 'client_secret_post' || char(10), ''),
        char(10) || 'private_key_jwt' || char(10), ''),
        char(10) || 'none' || char(10), '') <> ''
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: self_registration_auth_methods');
END;
CREATE TRIGGER organization_policies_self_registration_auth_methods_update
    BEFORE UPDATE OF self_registration_auth_methods ON organization_policies
    WHEN NEW.self_registration_auth_methods <> '' AND replace(replace(replace(replace(
        char(10) || replace(NEW.self_registration_auth_methods, char(10), char(10) || char(10)) || char(10),
        char(10) || 'client_secret_basic' || char(10), ''),
        char(10) || 'client_secret_post' || char(10), ''),
        char(10) || 'private_key_jwt' || char(10), ''),
        char(10) || 'none' || char(10), '') <> ''
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: self_registration_auth_methods');
END;

-- The event types a webhook hears, a row each (none: every type), instead of a
-- comma-joined column. The fan-out that writes an event's deliveries finds the webhooks
-- that hear it by the primary key. The lists move over, split by a recursive query.
CREATE TABLE webhook_event_types (
    webhook_id  TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_type  TEXT NOT NULL CHECK (event_type IN (
        'application.created', 'application.updated', 'application.disabled',
        'application.enabled', 'secret.rotated', 'secret.previous_revoked',
        'keys.rotated', 'secret.expiring', 'secret.leaked')),
    PRIMARY KEY (webhook_id, event_type)
) STRICT, WITHOUT ROWID;
WITH RECURSIVE listed (webhook_id, event_type, rest) AS (
    SELECT id, NULL, substr(event_types, 2) FROM webhooks WHERE event_types IS NOT NULL
    UNION ALL
    SELECT webhook_id, substr(rest, 1, instr(rest, ',') - 1), substr(rest, instr(rest, ',') + 1)
    FROM listed WHERE rest <> ''
)
INSERT INTO webhook_event_types (webhook_id, event_type)
    SELECT DISTINCT webhook_id, event_type FROM listed WHERE event_type IS NOT NULL;
ALTER TABLE webhooks DROP COLUMN event_types;
