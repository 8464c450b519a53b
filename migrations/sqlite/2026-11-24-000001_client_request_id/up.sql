-- The id a client gave its request (X-Request-Id), kept beside the service's own id.
ALTER TABLE audit_events ADD COLUMN client_request_id TEXT
    CHECK (client_request_id IS NULL OR length(client_request_id) BETWEEN 1 AND 128);
