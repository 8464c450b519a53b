-- Idempotency keys (#14, draft-ietf-httpapi-idempotency-key-header): one record per caller
-- (`scope`, the token's subject) and key, with the SHA-256 of the request (method, path,
-- body) and, once it ran, its answer sealed with AES-256-GCM (it may hold a secret).
-- Deleted when the window (`expires_at`) ends.
CREATE TABLE idempotency_keys (
    scope         TEXT NOT NULL,
    key           TEXT NOT NULL,
    fingerprint   TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL,
    locked_until  TIMESTAMPTZ NOT NULL,
    answer        BYTEA,
    PRIMARY KEY (scope, key),
    CONSTRAINT idempotency_keys_fingerprint_check CHECK (fingerprint ~ '^[0-9a-f]{64}$'),
    CONSTRAINT idempotency_keys_key_check CHECK (char_length(key) BETWEEN 1 AND 255)
);
CREATE INDEX idempotency_keys_expiry_idx ON idempotency_keys (expires_at);
