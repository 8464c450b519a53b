DROP TABLE organization_policies;
DROP INDEX client_secrets_lifetime_idx;
DROP INDEX client_secrets_lookup_idx;
ALTER TABLE client_secrets
    DROP COLUMN lifetime_ends_at,
    DROP COLUMN lookup_digest,
    DROP COLUMN expiry_warned_days,
    DROP COLUMN leaked_at;
