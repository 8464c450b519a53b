-- Client credentials beyond shared secrets (#12): every application has an authentication
-- method; only the secret methods keep secrets (an application of `private_key_jwt` or
-- `none` has no secret row, which nothing here forbids), and an application may have key
-- sets: its public keys, inline or published at a URL, rotated like secrets. Every existing
-- application keeps its secrets and reads as `client_secret_basic`.

ALTER TABLE oauth_applications ADD COLUMN token_endpoint_auth_method TEXT NOT NULL
    DEFAULT 'client_secret_basic'
    CHECK (token_endpoint_auth_method IN (
        'client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'));

-- An application's current key set and at most one previous one (with its expiry). A set
-- that is neither any more is deleted: unlike secrets, public keys need no history.
CREATE TABLE client_key_sets (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id  INTEGER NOT NULL REFERENCES oauth_applications (id) ON DELETE CASCADE,
    state           TEXT NOT NULL CHECK (state IN ('current', 'previous')),
    jwks            TEXT CHECK (jwks IS NULL OR length(CAST(jwks AS BLOB)) <= 16384),
    jwks_uri        TEXT CHECK (
        jwks_uri IS NULL OR (jwks_uri LIKE 'https://%' AND length(jwks_uri) <= 2000)),
    serial          INTEGER NOT NULL CHECK (serial > 0),
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER,
    last_used_at    INTEGER,
    CHECK ((jwks IS NULL) <> (jwks_uri IS NULL)),
    CHECK ((state = 'previous') = (expires_at IS NOT NULL))
) STRICT;

CREATE UNIQUE INDEX client_key_sets_one_current_idx
    ON client_key_sets (application_id) WHERE state = 'current';
CREATE UNIQUE INDEX client_key_sets_one_previous_idx
    ON client_key_sets (application_id) WHERE state = 'previous';
CREATE INDEX client_key_sets_application_idx ON client_key_sets (application_id);

-- The audit trail records key rotations. SQLite cannot change a CHECK constraint, so the
-- table is rebuilt as SQLite documents it (https://www.sqlite.org/lang_altertable.html,
-- "Making Other Kinds Of Table Schema Changes"): a new table with the new definition, every
-- row copied with its id, the old table dropped, the new one renamed, its index made again,
-- all in the migration's transaction. Foreign keys stay on: no table refers to
-- audit_events, and its own rows only refer to applications, which all stay.
-- The AUTOINCREMENT counter moves over too, so that an id given once (to an event since
-- deleted with its application) is never given again.
CREATE TABLE audit_events_new (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id      INTEGER NOT NULL REFERENCES oauth_applications (id) ON DELETE CASCADE,
    action              TEXT NOT NULL CHECK (action IN (
        'created', 'updated', 'disabled', 'enabled', 'secret_rotated',
        'previous_secret_revoked', 'keys_rotated')),
    actor               TEXT NOT NULL CHECK (length(actor) BETWEEN 1 AND 256),
    request_id          TEXT CHECK (request_id IS NULL OR length(request_id) <= 256),
    changed_fields      TEXT NOT NULL DEFAULT '',
    occurred_at         INTEGER NOT NULL,
    client_request_id   TEXT
        CHECK (client_request_id IS NULL OR length(client_request_id) BETWEEN 1 AND 128)
) STRICT;

INSERT INTO audit_events_new (id, application_id, action, actor, request_id, changed_fields,
                              occurred_at, client_request_id)
    SELECT id, application_id, action, actor, request_id, changed_fields, occurred_at,
           client_request_id
    FROM audit_events;

DELETE FROM sqlite_sequence WHERE name = 'audit_events_new';
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'audit_events_new', seq FROM sqlite_sequence WHERE name = 'audit_events';

DROP TABLE audit_events;
ALTER TABLE audit_events_new RENAME TO audit_events;
CREATE INDEX audit_events_application_idx ON audit_events (application_id, id DESC);

-- Credential telemetry: each secret keeps its serial (1 for an application's first, one
-- more per rotation), its last four characters when known, and when a client last proved
-- itself with it. Existing secrets are numbered in the order they were issued and have no
-- hint (their plaintext was never kept).
ALTER TABLE client_secrets ADD COLUMN serial INTEGER NOT NULL DEFAULT 1 CHECK (serial > 0);
ALTER TABLE client_secrets ADD COLUMN hint TEXT
    CHECK (hint IS NULL OR length(hint) BETWEEN 1 AND 4);
ALTER TABLE client_secrets ADD COLUMN last_used_at INTEGER;
UPDATE client_secrets SET serial = (
    SELECT count(*) FROM client_secrets AS earlier
    WHERE earlier.application_id = client_secrets.application_id
      AND earlier.id <= client_secrets.id);

-- Client assertions already used (RFC 7523 §3, item 7): one row per client and `jti`,
-- kept until the assertion expires. The primary key is what refuses a replay; rows past
-- their expiry are purged by expiry, hence its index.
CREATE TABLE assertion_jtis (
    application_id  INTEGER NOT NULL REFERENCES oauth_applications (id) ON DELETE CASCADE,
    jti             TEXT NOT NULL CHECK (length(jti) BETWEEN 1 AND 256),
    expires_at      INTEGER NOT NULL,
    PRIMARY KEY (application_id, jti)
) STRICT, WITHOUT ROWID;
CREATE INDEX assertion_jtis_expires_at_idx ON assertion_jtis (expires_at);
