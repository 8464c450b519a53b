-- Secret expiry and leak reports (#14). Each secret may end at `lifetime_ends_at` (set when
-- it is issued, from its organisation's policy or the platform default), keeps the
-- SHA-256 of its plaintext (`lookup_digest`, so that a leaked secret reported by a secret
-- scanner can be found; the secret holds 256 random bits, so the digest does not help a
-- guess), the last expiry warning emitted (`expiry_warned_days`: 14, 7 or 1) and when it
-- was reported leaked. Secrets issued before have neither digest nor end.
ALTER TABLE client_secrets
    ADD COLUMN lifetime_ends_at TIMESTAMPTZ,
    ADD COLUMN lookup_digest TEXT,
    ADD COLUMN expiry_warned_days INTEGER,
    ADD COLUMN leaked_at TIMESTAMPTZ,
    ADD CONSTRAINT client_secrets_lookup_digest_check
        CHECK (lookup_digest IS NULL OR lookup_digest ~ '^[0-9a-f]{64}$'),
    ADD CONSTRAINT client_secrets_expiry_warned_check
        CHECK (expiry_warned_days IS NULL OR expiry_warned_days IN (1, 7, 14));
CREATE INDEX client_secrets_lookup_idx ON client_secrets (lookup_digest)
    WHERE lookup_digest IS NOT NULL;
CREATE INDEX client_secrets_lifetime_idx ON client_secrets (lifetime_ends_at)
    WHERE state = 'current' AND lifetime_ends_at IS NOT NULL;

-- An organisation's policy: its secrets' lifetime (NULL: the platform default) and what a
-- leak report of a live secret does.
CREATE TABLE organization_policies (
    owner_org_id          TEXT PRIMARY KEY,
    secret_lifetime_days  INTEGER,
    leaked_secret_action  TEXT NOT NULL DEFAULT 'revoke',
    updated_by            TEXT NOT NULL,
    updated_at            TIMESTAMPTZ NOT NULL,
    CONSTRAINT organization_policies_org_check CHECK (owner_org_id ~ '^[A-Za-z0-9_.-]{1,64}$'),
    CONSTRAINT organization_policies_lifetime_check
        CHECK (secret_lifetime_days IS NULL OR secret_lifetime_days BETWEEN 1 AND 3650),
    CONSTRAINT organization_policies_action_check
        CHECK (leaked_secret_action IN ('revoke', 'notify'))
);
