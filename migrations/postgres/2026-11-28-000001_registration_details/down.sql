-- The registrations' metadata, tokens and document URLs are lost.
ALTER TABLE client_registrations
    DROP COLUMN document_url,
    DROP COLUMN access_token_digest,
    DROP COLUMN metadata;
