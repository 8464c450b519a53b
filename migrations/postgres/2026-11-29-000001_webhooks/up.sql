-- The audit trail records two more actions: a secret that expires soon
-- (`secret_expiring`) and one reported leaked (`secret_leaked`).
ALTER TABLE audit_events
    DROP CONSTRAINT audit_events_action_check,
    ADD CONSTRAINT audit_events_action_check CHECK (action IN (
        'created', 'updated', 'disabled', 'enabled', 'secret_rotated',
        'previous_secret_revoked', 'keys_rotated', 'secret_expiring', 'secret_leaked'));

-- Webhooks (#14): an organisation's endpoints that hear what happens to its applications.
-- The signing key is sealed (AES-256-GCM under OAUTH_APPS_DATA_KEY): a sender must sign,
-- so it cannot be hashed. `event_types` is NULL for every type, else the types heard
-- between commas (',application.created,secret.rotated,').
CREATE TABLE webhooks (
    id                   UUID PRIMARY KEY,
    owner_org_id         TEXT NOT NULL,
    url                  TEXT NOT NULL,
    event_types          TEXT,
    secret               BYTEA NOT NULL,
    previous_secret      BYTEA,
    previous_expires_at  TIMESTAMPTZ,
    created_by           TEXT NOT NULL,
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL,
    version              BIGINT NOT NULL,
    CONSTRAINT webhooks_owner_org_id_check CHECK (owner_org_id ~ '^[A-Za-z0-9_.-]{1,64}$'),
    CONSTRAINT webhooks_url_check CHECK (url LIKE 'https://%' AND char_length(url) <= 2048),
    CONSTRAINT webhooks_event_types_check
        CHECK (event_types IS NULL OR event_types ~ '^,([a-z_]+\.[a-z_]+,)+$'),
    CONSTRAINT webhooks_previous_check
        CHECK ((previous_secret IS NULL) = (previous_expires_at IS NULL)),
    CONSTRAINT webhooks_version_check CHECK (version >= 1)
);
CREATE INDEX webhooks_org_idx ON webhooks (owner_org_id, created_at, id);

-- One row per event and webhook that hears it, written in the transaction that records
-- the event (an outbox). A dispatcher leases due rows (`lease_until`), attempts them, and
-- records the outcome; `attempts` counts the leases and names the attempt that may finish.
CREATE TABLE webhook_deliveries (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook_id       UUID NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id         BIGINT NOT NULL REFERENCES audit_events (id) ON DELETE CASCADE,
    application_id   BIGINT NOT NULL REFERENCES oauth_applications (id) ON DELETE CASCADE,
    status           TEXT NOT NULL DEFAULT 'pending',
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ NOT NULL,
    lease_until      TIMESTAMPTZ,
    last_status      INTEGER,
    last_error       TEXT,
    created_at       TIMESTAMPTZ NOT NULL,
    delivered_at     TIMESTAMPTZ,
    CONSTRAINT webhook_deliveries_once UNIQUE (webhook_id, event_id),
    CONSTRAINT webhook_deliveries_status_check
        CHECK (status IN ('pending', 'delivered', 'failed')),
    CONSTRAINT webhook_deliveries_attempts_check CHECK (attempts >= 0)
);
-- The dispatcher's scan: pending rows by id, and the order check per webhook and
-- application.
CREATE INDEX webhook_deliveries_pending_idx
    ON webhook_deliveries (webhook_id, application_id, id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_due_idx
    ON webhook_deliveries (next_attempt_at, id) WHERE status = 'pending';
-- The listing: a webhook's deliveries, newest first.
CREATE INDEX webhook_deliveries_listing_idx ON webhook_deliveries (webhook_id, id DESC);
