-- The id a client gave its request (X-Request-Id), kept beside the service's own id.
ALTER TABLE audit_events ADD COLUMN client_request_id TEXT;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_client_request_id_check
    CHECK (client_request_id IS NULL OR char_length(client_request_id) BETWEEN 1 AND 128);
