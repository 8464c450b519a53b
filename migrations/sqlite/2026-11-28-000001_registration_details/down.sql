-- The registrations' metadata, tokens and document URLs are lost.
DROP INDEX client_registrations_document_url_key;
ALTER TABLE client_registrations DROP COLUMN document_url;
ALTER TABLE client_registrations DROP COLUMN access_token_digest;
ALTER TABLE client_registrations DROP COLUMN metadata;
