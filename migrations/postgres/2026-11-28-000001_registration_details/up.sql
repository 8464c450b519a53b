-- What a registration keeps besides its kind (#13): the client's descriptive metadata
-- (RFC 7591 §2: client_uri, logo_uri, tos_uri, policy_uri, contacts, software_id,
-- software_version) as one JSON object, the SHA-256 of a self-registered client's
-- registration access token (RFC 7592 §3; never the token), and the URL of a client's
-- metadata document (its client id in that protocol; one application per URL).
ALTER TABLE client_registrations
    ADD COLUMN metadata TEXT,
    ADD COLUMN access_token_digest TEXT,
    ADD COLUMN document_url TEXT,
    ADD CONSTRAINT client_registrations_access_token_digest_check
        CHECK (access_token_digest ~ '^[0-9a-f]{64}$'),
    ADD CONSTRAINT client_registrations_document_url_key UNIQUE (document_url);
