-- How an application was registered when not by an operator (#13): by the client itself
-- (`dynamic`, RFC 7591) or from its Client ID Metadata Document (`metadata_document`).
-- An application without a row here was made by hand (`manual`): every existing one.
-- Fixed at creation; what each protocol keeps besides (its tokens, its document) joins
-- this row.
CREATE TABLE client_registrations (
    application_id  BIGINT PRIMARY KEY REFERENCES oauth_applications (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,
    CONSTRAINT client_registrations_kind_check CHECK (kind IN ('dynamic', 'metadata_document'))
);

-- Initial access tokens (RFC 7591 §3): minted by an organisation's admins so that a client
-- may register itself into that organisation. Only the token's SHA-256 is kept; a use is
-- counted in one conditional UPDATE, so a token's last use goes to one registration.
CREATE TABLE initial_access_tokens (
    id              UUID PRIMARY KEY,
    owner_org_id    TEXT NOT NULL,
    digest          TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    expires_at      TIMESTAMPTZ NOT NULL,
    max_uses        INTEGER,
    uses            INTEGER NOT NULL DEFAULT 0,
    revoked_at      TIMESTAMPTZ,
    CONSTRAINT initial_access_tokens_digest_key UNIQUE (digest),
    CONSTRAINT initial_access_tokens_digest_check CHECK (digest ~ '^[0-9a-f]{64}$'),
    CONSTRAINT initial_access_tokens_created_by_check
        CHECK (char_length(created_by) BETWEEN 1 AND 256),
    CONSTRAINT initial_access_tokens_lifetime_check CHECK (expires_at > created_at),
    CONSTRAINT initial_access_tokens_uses_check
        CHECK (uses >= 0 AND (max_uses IS NULL OR (max_uses > 0 AND uses <= max_uses)))
);
CREATE INDEX initial_access_tokens_org_idx
    ON initial_access_tokens (owner_org_id, created_at DESC, id DESC);
