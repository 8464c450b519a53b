-- How an application was registered when not by an operator (#13): by the client itself
-- (`dynamic`, RFC 7591) or from its Client ID Metadata Document (`metadata_document`).
-- An application without a row here was made by hand (`manual`): every existing one.
-- Fixed at creation; what each protocol keeps besides (its tokens, its document) joins
-- this row.
CREATE TABLE client_registrations (
    application_id  BIGINT PRIMARY KEY REFERENCES oauth_applications (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,
    CONSTRAINT client_registrations_kind_check CHECK (kind IN ('dynamic', 'metadata_document'))
);
