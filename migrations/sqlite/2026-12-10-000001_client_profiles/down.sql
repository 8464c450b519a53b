DROP TRIGGER organization_policies_self_registration_auth_methods_update;
DROP TRIGGER organization_policies_self_registration_auth_methods_insert;
DROP TRIGGER initial_access_tokens_allowed_auth_methods_update;
DROP TRIGGER initial_access_tokens_allowed_auth_methods_insert;
DROP TRIGGER audit_events_changed_fields_update;
DROP TRIGGER audit_events_changed_fields_insert;
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
ALTER TABLE organization_policies DROP COLUMN profile;
ALTER TABLE oauth_applications DROP COLUMN tls_client_auth_subject;
ALTER TABLE oauth_applications DROP COLUMN tls_client_auth_subject_kind;
ALTER TABLE oauth_applications DROP COLUMN require_pushed_authorization_requests;
ALTER TABLE oauth_applications DROP COLUMN tls_client_certificate_bound_access_tokens;
ALTER TABLE oauth_applications DROP COLUMN dpop_bound_access_tokens;
-- Back to the four methods (a mutual-TLS client stops the migration).
ALTER TABLE oauth_applications ADD COLUMN token_endpoint_auth_method_next TEXT NOT NULL
    DEFAULT 'client_secret_basic'
    CHECK (token_endpoint_auth_method_next IN (
        'client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'));
UPDATE oauth_applications SET token_endpoint_auth_method_next = token_endpoint_auth_method;
ALTER TABLE oauth_applications DROP COLUMN token_endpoint_auth_method;
ALTER TABLE oauth_applications RENAME COLUMN token_endpoint_auth_method_next
    TO token_endpoint_auth_method;
