ALTER TABLE audit_events
    DROP CONSTRAINT audit_events_changed_fields_check,
    ADD CONSTRAINT audit_events_changed_fields_check
        CHECK (changed_fields <@ ARRAY[
            'owner_org_id', 'name', 'description', 'type', 'redirect_urls',
            'allowed_scopes', 'grant_types', 'access_level', 'is_first_party', 'status',
            'token_endpoint_auth_method', 'jwks', 'jwks_uri', 'secret', 'registration',
            'client_uri', 'logo_uri', 'tos_uri', 'policy_uri', 'contacts', 'software_id',
            'software_version']::TEXT[]);
ALTER TABLE initial_access_tokens
    DROP CONSTRAINT initial_access_tokens_allowed_auth_methods_check,
    ADD CONSTRAINT initial_access_tokens_allowed_auth_methods_check
        CHECK (allowed_auth_methods <@ ARRAY[
            'client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none']::TEXT[]);
ALTER TABLE organization_policies
    DROP CONSTRAINT organization_policies_self_registration_auth_methods_check,
    ADD CONSTRAINT organization_policies_self_registration_auth_methods_check
        CHECK (self_registration_auth_methods <@ ARRAY[
            'client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none']::TEXT[]),
    DROP COLUMN profile;
ALTER TABLE oauth_applications
    DROP CONSTRAINT oauth_applications_token_endpoint_auth_method_check,
    ADD CONSTRAINT oauth_applications_token_endpoint_auth_method_check
        CHECK (token_endpoint_auth_method IN (
            'client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none')),
    DROP CONSTRAINT oauth_applications_tls_client_auth_subject_pair_check,
    DROP COLUMN tls_client_auth_subject,
    DROP COLUMN tls_client_auth_subject_kind,
    DROP COLUMN require_pushed_authorization_requests,
    DROP COLUMN tls_client_certificate_bound_access_tokens,
    DROP COLUMN dpop_bound_access_tokens;
