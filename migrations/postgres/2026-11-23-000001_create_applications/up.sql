-- OAuth applications, their client secrets and their audit trail.
-- The domain checks every rule; the database enforces what it can as well.

CREATE TABLE oauth_applications (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id       UUID NOT NULL,
    owner_org_id    TEXT NOT NULL,
    name            TEXT NOT NULL,
    description     TEXT,
    app_type        TEXT NOT NULL,
    redirect_urls   TEXT[] NOT NULL DEFAULT '{}',
    allowed_scopes  TEXT[] NOT NULL DEFAULT '{}',
    grant_types     TEXT[] NOT NULL DEFAULT '{}',
    access_level    TEXT NOT NULL,
    status          TEXT NOT NULL,
    is_first_party  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    version         BIGINT NOT NULL,
    CONSTRAINT oauth_applications_client_id_key UNIQUE (client_id),
    CONSTRAINT oauth_applications_owner_org_id_check
        CHECK (owner_org_id ~ '^[A-Za-z0-9_.-]{1,64}$'),
    CONSTRAINT oauth_applications_name_check
        CHECK (char_length(name) BETWEEN 1 AND 100),
    CONSTRAINT oauth_applications_description_check
        CHECK (description IS NULL OR char_length(description) <= 1000),
    CONSTRAINT oauth_applications_app_type_check
        CHECK (app_type IN ('web', 'native', 'public', 'user-agent-based')),
    CONSTRAINT oauth_applications_redirect_urls_check
        CHECK (cardinality(redirect_urls) <= 20),
    CONSTRAINT oauth_applications_grant_types_check
        CHECK (grant_types <@ ARRAY['authorization_code', 'refresh_token', 'client_credentials',
                                    'urn:ietf:params:oauth:grant-type:device_code']::TEXT[]),
    CONSTRAINT oauth_applications_access_level_check
        CHECK (access_level IN ('organization', 'user')),
    CONSTRAINT oauth_applications_status_check
        CHECK (status IN ('active', 'revoked')),
    CONSTRAINT oauth_applications_version_check CHECK (version >= 1),
    CONSTRAINT oauth_applications_updated_at_check CHECK (updated_at >= created_at)
);

-- Serves both listings: WHERE owner_org_id = $1 ORDER BY created_at DESC, id DESC.
CREATE INDEX oauth_applications_org_created_idx
    ON oauth_applications (owner_org_id, created_at DESC, id DESC);

CREATE TABLE client_secrets (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id  BIGINT NOT NULL REFERENCES oauth_applications (id) ON DELETE CASCADE,
    secret_hash     TEXT NOT NULL,
    state           TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    expires_at      TIMESTAMPTZ,
    revoked_at      TIMESTAMPTZ,
    CONSTRAINT client_secrets_state_check CHECK (state IN ('current', 'previous', 'revoked')),
    CONSTRAINT client_secrets_hash_check CHECK (secret_hash LIKE '$%'),
    CONSTRAINT client_secrets_expiry_check CHECK ((state = 'previous') = (expires_at IS NOT NULL)),
    CONSTRAINT client_secrets_revoked_check CHECK ((state = 'revoked') = (revoked_at IS NOT NULL))
);

-- Exactly one current and at most one previous secret per application.
CREATE UNIQUE INDEX client_secrets_one_current_idx
    ON client_secrets (application_id) WHERE state = 'current';
CREATE UNIQUE INDEX client_secrets_one_previous_idx
    ON client_secrets (application_id) WHERE state = 'previous';
CREATE INDEX client_secrets_application_idx ON client_secrets (application_id);

CREATE TABLE audit_events (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id  BIGINT NOT NULL REFERENCES oauth_applications (id) ON DELETE CASCADE,
    action          TEXT NOT NULL,
    actor           TEXT NOT NULL,
    request_id      TEXT,
    changed_fields  TEXT[] NOT NULL DEFAULT '{}',
    occurred_at     TIMESTAMPTZ NOT NULL,
    CONSTRAINT audit_events_actor_check CHECK (char_length(actor) BETWEEN 1 AND 256),
    CONSTRAINT audit_events_request_id_check
        CHECK (request_id IS NULL OR char_length(request_id) <= 256),
    CONSTRAINT audit_events_action_check CHECK (action IN (
        'created', 'updated', 'disabled', 'enabled', 'secret_rotated', 'previous_secret_revoked'))
);

CREATE INDEX audit_events_application_idx ON audit_events (application_id, id DESC);
