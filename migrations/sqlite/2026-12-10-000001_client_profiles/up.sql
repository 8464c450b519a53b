-- What an authorization server asks of a client in 2026 (#22): sender-constrained access
-- tokens (DPoP, RFC 9449 §5.2; mutual TLS, RFC 8705 §3.4), pushed authorization requests
-- (RFC 9126 §6), mutual-TLS client authentication (RFC 8705 §2: `tls_client_auth` with the
-- certificate subject it expects, `self_signed_tls_client_auth`), and the policy profile
-- an organisation holds its clients to (`baseline`, `fapi2`, `mcp`). Every existing
-- application requires nothing more and every organisation keeps `baseline`; the closed
-- sets of authentication methods and changed fields grow by the new names.
-- SQLite cannot change a column's check: the method column is replaced by one with the
-- wider check (a column whose check concerns only itself may be dropped), and the lists'
-- triggers (2026-12-08-000001_closed_sets, 2026-12-09-000001_changed_fields_check) are
-- made again with the new names.
-- The authentication method, with the mutual-TLS methods.
ALTER TABLE oauth_applications ADD COLUMN token_endpoint_auth_method_next TEXT NOT NULL
    DEFAULT 'client_secret_basic'
    CHECK (token_endpoint_auth_method_next IN (
        'client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none',
        'tls_client_auth', 'self_signed_tls_client_auth'));
UPDATE oauth_applications SET token_endpoint_auth_method_next = token_endpoint_auth_method;
ALTER TABLE oauth_applications DROP COLUMN token_endpoint_auth_method;
ALTER TABLE oauth_applications RENAME COLUMN token_endpoint_auth_method_next
    TO token_endpoint_auth_method;
ALTER TABLE oauth_applications ADD COLUMN dpop_bound_access_tokens INTEGER NOT NULL
    DEFAULT 0 CHECK (dpop_bound_access_tokens IN (0, 1));
ALTER TABLE oauth_applications ADD COLUMN tls_client_certificate_bound_access_tokens INTEGER
    NOT NULL DEFAULT 0 CHECK (tls_client_certificate_bound_access_tokens IN (0, 1));
ALTER TABLE oauth_applications ADD COLUMN require_pushed_authorization_requests INTEGER
    NOT NULL DEFAULT 0 CHECK (require_pushed_authorization_requests IN (0, 1));
ALTER TABLE oauth_applications ADD COLUMN tls_client_auth_subject_kind TEXT
    CHECK (tls_client_auth_subject_kind IN (
        'subject_dn', 'san_dns', 'san_uri', 'san_ip', 'san_email'));
ALTER TABLE oauth_applications ADD COLUMN tls_client_auth_subject TEXT
    CHECK (tls_client_auth_subject IS NULL
        OR (length(tls_client_auth_subject) BETWEEN 1 AND 1000
            AND tls_client_auth_subject_kind IS NOT NULL));
ALTER TABLE organization_policies ADD COLUMN profile TEXT NOT NULL DEFAULT 'baseline'
    CHECK (profile IN ('baseline', 'fapi2', 'mcp'));
DROP TRIGGER organization_policies_self_registration_auth_methods_update;
DROP TRIGGER organization_policies_self_registration_auth_methods_insert;
DROP TRIGGER initial_access_tokens_allowed_auth_methods_update;
DROP TRIGGER initial_access_tokens_allowed_auth_methods_insert;
DROP TRIGGER audit_events_changed_fields_update;
DROP TRIGGER audit_events_changed_fields_insert;
CREATE TRIGGER organization_policies_self_registration_auth_methods_insert
    BEFORE INSERT ON organization_policies
    WHEN NEW.self_registration_auth_methods <> '' AND replace(replace(replace(replace(replace(replace(
        char(10) || replace(NEW.self_registration_auth_methods, char(10), char(10) || char(10)) || char(10),
        char(10) || 'client_secret_basic' || char(10), ''),
        char(10) || 'client_secret_post' || char(10), ''),
        char(10) || 'private_key_jwt' || char(10), ''),
        char(10) || 'none' || char(10), ''),
        char(10) || 'tls_client_auth' || char(10), ''),
        char(10) || 'self_signed_tls_client_auth' || char(10), '') <> ''
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: self_registration_auth_methods');
END;
CREATE TRIGGER organization_policies_self_registration_auth_methods_update
    BEFORE UPDATE OF self_registration_auth_methods ON organization_policies
    WHEN NEW.self_registration_auth_methods <> '' AND replace(replace(replace(replace(replace(replace(
        char(10) || replace(NEW.self_registration_auth_methods, char(10), char(10) || char(10)) || char(10),
        char(10) || 'client_secret_basic' || char(10), ''),
        char(10) || 'client_secret_post' || char(10), ''),
        char(10) || 'private_key_jwt' || char(10), ''),
        char(10) || 'none' || char(10), ''),
        char(10) || 'tls_client_auth' || char(10), ''),
        char(10) || 'self_signed_tls_client_auth' || char(10), '') <> ''
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: self_registration_auth_methods');
END;
CREATE TRIGGER initial_access_tokens_allowed_auth_methods_insert
    BEFORE INSERT ON initial_access_tokens
    WHEN NEW.allowed_auth_methods <> '' AND replace(replace(replace(replace(replace(replace(
        char(10) || replace(NEW.allowed_auth_methods, char(10), char(10) || char(10)) || char(10),
        char(10) || 'client_secret_basic' || char(10), ''),
        char(10) || 'client_secret_post' || char(10), ''),
        char(10) || 'private_key_jwt' || char(10), ''),
        char(10) || 'none' || char(10), ''),
        char(10) || 'tls_client_auth' || char(10), ''),
        char(10) || 'self_signed_tls_client_auth' || char(10), '') <> ''
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: allowed_auth_methods');
END;
CREATE TRIGGER initial_access_tokens_allowed_auth_methods_update
    BEFORE UPDATE OF allowed_auth_methods ON initial_access_tokens
    WHEN NEW.allowed_auth_methods <> '' AND replace(replace(replace(replace(replace(replace(
        char(10) || replace(NEW.allowed_auth_methods, char(10), char(10) || char(10)) || char(10),
        char(10) || 'client_secret_basic' || char(10), ''),
        char(10) || 'client_secret_post' || char(10), ''),
        char(10) || 'private_key_jwt' || char(10), ''),
        char(10) || 'none' || char(10), ''),
        char(10) || 'tls_client_auth' || char(10), ''),
        char(10) || 'self_signed_tls_client_auth' || char(10), '') <> ''
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: allowed_auth_methods');
END;
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
