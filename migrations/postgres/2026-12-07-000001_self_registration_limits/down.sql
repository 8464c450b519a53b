ALTER TABLE initial_access_tokens
    DROP COLUMN allowed_auth_methods,
    DROP COLUMN allowed_scopes,
    DROP COLUMN allowed_grant_types;
ALTER TABLE organization_policies
    DROP COLUMN self_registration_auth_methods,
    DROP COLUMN self_registration_scopes,
    DROP COLUMN self_registration_grant_types;
