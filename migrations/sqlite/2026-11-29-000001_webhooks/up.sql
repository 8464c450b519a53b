-- The audit trail records two more actions: a secret that expires soon
-- (`secret_expiring`) and one reported leaked (`secret_leaked`). SQLite cannot change a
-- CHECK constraint, so the table is rebuilt as in 2026-11-26-000001_client_credentials
-- (every row with its id, the AUTOINCREMENT counter moved over), before any table refers
-- to it.
CREATE TABLE audit_events_new (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id      INTEGER NOT NULL REFERENCES oauth_applications (id) ON DELETE CASCADE,
    action              TEXT NOT NULL CHECK (action IN (
        'created', 'updated', 'disabled', 'enabled', 'secret_rotated',
        'previous_secret_revoked', 'keys_rotated', 'secret_expiring', 'secret_leaked')),
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

-- Webhooks (#14): an organisation's endpoints that hear what happens to its applications.
-- The signing key is sealed (AES-256-GCM under OAUTH_APPS_DATA_KEY): a sender must sign,
-- so it cannot be hashed. `event_types` is NULL for every type, else the types heard
-- between commas (',application.created,secret.rotated,').
CREATE TABLE webhooks (
    id                   TEXT PRIMARY KEY,
    owner_org_id         TEXT NOT NULL,
    url                  TEXT NOT NULL CHECK (url LIKE 'https://%' AND length(url) <= 2048),
    event_types          TEXT CHECK (event_types IS NULL OR event_types LIKE ',%,'),
    secret               BLOB NOT NULL,
    previous_secret      BLOB,
    previous_expires_at  INTEGER,
    created_by           TEXT NOT NULL,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL,
    version              INTEGER NOT NULL CHECK (version >= 1),
    CHECK ((previous_secret IS NULL) = (previous_expires_at IS NULL))
) STRICT;
CREATE INDEX webhooks_org_idx ON webhooks (owner_org_id, created_at, id);

-- One row per event and webhook that hears it, written in the transaction that records
-- the event (an outbox). A dispatcher leases due rows (`lease_until`), attempts them, and
-- records the outcome; `attempts` counts the leases and names the attempt that may finish.
CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id       TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id         INTEGER NOT NULL REFERENCES audit_events (id) ON DELETE CASCADE,
    application_id   INTEGER NOT NULL REFERENCES oauth_applications (id) ON DELETE CASCADE,
    status           TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at  INTEGER NOT NULL,
    lease_until      INTEGER,
    last_status      INTEGER,
    last_error       TEXT,
    created_at       INTEGER NOT NULL,
    delivered_at     INTEGER,
    UNIQUE (webhook_id, event_id)
) STRICT;
CREATE INDEX webhook_deliveries_pending_idx
    ON webhook_deliveries (webhook_id, application_id, id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_due_idx
    ON webhook_deliveries (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_listing_idx ON webhook_deliveries (webhook_id, id DESC);
