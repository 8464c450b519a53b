DROP TABLE organization_policies;
DROP INDEX client_secrets_lifetime_idx;
DROP INDEX client_secrets_lookup_idx;
ALTER TABLE client_secrets DROP COLUMN leaked_at;
ALTER TABLE client_secrets DROP COLUMN expiry_warned_days;
ALTER TABLE client_secrets DROP COLUMN lookup_digest;
ALTER TABLE client_secrets DROP COLUMN lifetime_ends_at;
