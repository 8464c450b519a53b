-- What clients that register themselves may have (#20). An organisation's policy names
-- the grant types, scopes and authentication methods its self-registered clients (open
-- registration, initial access tokens, metadata documents) may have; NULL: the default
-- (docs/registration.md). An initial access token keeps what its minting admin let the
-- clients it registers have beyond that policy (empty: nothing).
ALTER TABLE organization_policies
    ADD COLUMN self_registration_grant_types TEXT[],
    ADD COLUMN self_registration_scopes TEXT[],
    ADD COLUMN self_registration_auth_methods TEXT[];
ALTER TABLE initial_access_tokens
    ADD COLUMN allowed_grant_types TEXT[] NOT NULL DEFAULT '{}',
    ADD COLUMN allowed_scopes TEXT[] NOT NULL DEFAULT '{}',
    ADD COLUMN allowed_auth_methods TEXT[] NOT NULL DEFAULT '{}';
