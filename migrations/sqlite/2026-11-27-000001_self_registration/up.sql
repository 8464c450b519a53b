-- How an application was registered when not by an operator (#13): by the client itself
-- (`dynamic`, RFC 7591) or from its Client ID Metadata Document (`metadata_document`).
-- An application without a row here was made by hand (`manual`): every existing one.
-- Fixed at creation; what each protocol keeps besides (its tokens, its document) joins
-- this row.
CREATE TABLE client_registrations (
    application_id  INTEGER PRIMARY KEY REFERENCES oauth_applications (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('dynamic', 'metadata_document'))
) STRICT;

-- Initial access tokens (RFC 7591 §3): minted by an organisation's admins so that a client
-- may register itself into that organisation. Only the token's SHA-256 is kept; a use is
-- counted in one conditional UPDATE, so a token's last use goes to one registration.
CREATE TABLE initial_access_tokens (
    id              TEXT PRIMARY KEY,
    owner_org_id    TEXT NOT NULL,
    digest          TEXT NOT NULL UNIQUE
        CHECK (length(digest) = 64 AND digest NOT GLOB '*[^0-9a-f]*'),
    created_by      TEXT NOT NULL CHECK (length(created_by) BETWEEN 1 AND 256),
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    max_uses        INTEGER,
    uses            INTEGER NOT NULL DEFAULT 0,
    revoked_at      INTEGER,
    CHECK (expires_at > created_at),
    CHECK (uses >= 0 AND (max_uses IS NULL OR (max_uses > 0 AND uses <= max_uses)))
) STRICT;
CREATE INDEX initial_access_tokens_org_idx
    ON initial_access_tokens (owner_org_id, created_at DESC, id DESC);
