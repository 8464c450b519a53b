-- What a registration keeps besides its kind (#13): the client's descriptive metadata
-- (RFC 7591 §2) as one JSON object, the SHA-256 of a self-registered client's
-- registration access token (RFC 7592 §3; never the token), and the URL of a client's
-- metadata document (its client id in that protocol; one application per URL).
ALTER TABLE client_registrations ADD COLUMN metadata TEXT;
ALTER TABLE client_registrations ADD COLUMN access_token_digest TEXT
    CHECK (access_token_digest IS NULL OR (length(access_token_digest) = 64
        AND access_token_digest NOT GLOB '*[^0-9a-f]*'));
ALTER TABLE client_registrations ADD COLUMN document_url TEXT;
CREATE UNIQUE INDEX client_registrations_document_url_key ON client_registrations (document_url);
