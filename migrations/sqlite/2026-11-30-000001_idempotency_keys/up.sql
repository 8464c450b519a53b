-- Idempotency keys (#14, draft-ietf-httpapi-idempotency-key-header): one record per caller
-- (`scope`, the token's subject) and key, with the SHA-256 of the request (method, path,
-- body) and, once it ran, its answer sealed with AES-256-GCM (it may hold a secret).
-- Deleted when the window (`expires_at`) ends.
CREATE TABLE idempotency_keys (
    scope         TEXT NOT NULL,
    key           TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    fingerprint   TEXT NOT NULL
        CHECK (length(fingerprint) = 64 AND fingerprint NOT GLOB '*[^0-9a-f]*'),
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    locked_until  INTEGER NOT NULL,
    answer        BLOB,
    PRIMARY KEY (scope, key)
) STRICT;
CREATE INDEX idempotency_keys_expiry_idx ON idempotency_keys (expires_at);
