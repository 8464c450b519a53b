-- OAuth applications, their client secrets and their audit trail (embedded SQLite).
-- Timestamps are microseconds since the Unix epoch (UTC). Lists are stored as text, one
-- element per line; no element may contain white space (the domain refuses it).

CREATE TABLE oauth_applications (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id       TEXT NOT NULL UNIQUE CHECK (length(client_id) = 36),
    owner_org_id    TEXT NOT NULL CHECK (
        length(owner_org_id) BETWEEN 1 AND 64 AND owner_org_id NOT GLOB '*[^A-Za-z0-9_.-]*'),
    name            TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    description     TEXT CHECK (description IS NULL OR length(description) <= 1000),
    app_type        TEXT NOT NULL CHECK (app_type IN ('web', 'native', 'public', 'user-agent-based')),
    redirect_urls   TEXT NOT NULL DEFAULT '',
    allowed_scopes  TEXT NOT NULL DEFAULT '',
    grant_types     TEXT NOT NULL DEFAULT '',
    access_level    TEXT NOT NULL CHECK (access_level IN ('organization', 'user')),
    status          TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
    is_first_party  INTEGER NOT NULL DEFAULT 0 CHECK (is_first_party IN (0, 1)),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL CHECK (updated_at >= created_at),
    version         INTEGER NOT NULL CHECK (version >= 1)
) STRICT;

CREATE INDEX oauth_applications_org_created_idx
    ON oauth_applications (owner_org_id, created_at DESC, id DESC);

CREATE TABLE client_secrets (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id  INTEGER NOT NULL REFERENCES oauth_applications (id) ON DELETE CASCADE,
    secret_hash     TEXT NOT NULL CHECK (secret_hash LIKE '$%'),
    state           TEXT NOT NULL CHECK (state IN ('current', 'previous', 'revoked')),
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER,
    revoked_at      INTEGER,
    CHECK ((state = 'previous') = (expires_at IS NOT NULL)),
    CHECK ((state = 'revoked') = (revoked_at IS NOT NULL))
) STRICT;

CREATE UNIQUE INDEX client_secrets_one_current_idx
    ON client_secrets (application_id) WHERE state = 'current';
CREATE UNIQUE INDEX client_secrets_one_previous_idx
    ON client_secrets (application_id) WHERE state = 'previous';
CREATE INDEX client_secrets_application_idx ON client_secrets (application_id);

CREATE TABLE audit_events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id  INTEGER NOT NULL REFERENCES oauth_applications (id) ON DELETE CASCADE,
    action          TEXT NOT NULL CHECK (action IN (
        'created', 'updated', 'disabled', 'enabled', 'secret_rotated', 'previous_secret_revoked')),
    actor           TEXT NOT NULL CHECK (length(actor) BETWEEN 1 AND 256),
    request_id      TEXT CHECK (request_id IS NULL OR length(request_id) <= 256),
    changed_fields  TEXT NOT NULL DEFAULT '',
    occurred_at     INTEGER NOT NULL
) STRICT;

CREATE INDEX audit_events_application_idx ON audit_events (application_id, id DESC);
