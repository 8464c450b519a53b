-- What an authorization server asks of a client in 2026 (#22): sender-constrained access
-- tokens (DPoP, RFC 9449 §5.2; mutual TLS, RFC 8705 §3.4), pushed authorization requests
-- (RFC 9126 §6), mutual-TLS client authentication (RFC 8705 §2: `tls_client_auth` with the
-- certificate subject it expects, `self_signed_tls_client_auth`), and the policy profile
-- an organisation holds its clients to (`baseline`, `fapi2`, `mcp`). Every existing
-- application requires nothing more and every organisation keeps `baseline`; the closed
-- sets of authentication methods and changed fields grow by the new names.
ALTER TABLE oauth_applications
    ADD COLUMN dpop_bound_access_tokens BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN tls_client_certificate_bound_access_tokens BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN require_pushed_authorization_requests BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN tls_client_auth_subject_kind TEXT
        CHECK (tls_client_auth_subject_kind IN (
            'subject_dn', 'san_dns', 'san_uri', 'san_ip', 'san_email')),
    ADD COLUMN tls_client_auth_subject TEXT
        CHECK (length(tls_client_auth_subject) BETWEEN 1 AND 1000),
    ADD CONSTRAINT oauth_applications_tls_client_auth_subject_pair_check
        CHECK ((tls_client_auth_subject_kind IS NULL) = (tls_client_auth_subject IS NULL)),
    DROP CONSTRAINT oauth_applications_token_endpoint_auth_method_check,
    ADD CONSTRAINT oauth_applications_token_endpoint_auth_method_check
        CHECK (token_endpoint_auth_method IN (
            'client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none',
            'tls_client_auth', 'self_signed_tls_client_auth'));
ALTER TABLE organization_policies
    ADD COLUMN profile TEXT NOT NULL DEFAULT 'baseline'
        CHECK (profile IN ('baseline', 'fapi2', 'mcp')),
    DROP CONSTRAINT organization_policies_self_registration_auth_methods_check,
    ADD CONSTRAINT organization_policies_self_registration_auth_methods_check
        CHECK (self_registration_auth_methods <@ ARRAY[
            'client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none',
            'tls_client_auth', 'self_signed_tls_client_auth']::TEXT[]);
ALTER TABLE initial_access_tokens
    DROP CONSTRAINT initial_access_tokens_allowed_auth_methods_check,
    ADD CONSTRAINT initial_access_tokens_allowed_auth_methods_check
        CHECK (allowed_auth_methods <@ ARRAY[
            'client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none',
            'tls_client_auth', 'self_signed_tls_client_auth']::TEXT[]);
ALTER TABLE audit_events
    DROP CONSTRAINT audit_events_changed_fields_check,
    ADD CONSTRAINT audit_events_changed_fields_check
        CHECK (changed_fields <@ ARRAY[
            'owner_org_id', 'name', 'description', 'type', 'redirect_urls',
            'allowed_scopes', 'grant_types', 'access_level', 'is_first_party', 'status',
            'token_endpoint_auth_method', 'jwks', 'jwks_uri', 'secret', 'registration',
            'client_uri', 'logo_uri', 'tos_uri', 'policy_uri', 'contacts', 'software_id',
            'software_version', 'dpop_bound_access_tokens',
            'tls_client_certificate_bound_access_tokens',
            'require_pushed_authorization_requests', 'tls_client_auth_subject']::TEXT[]);
