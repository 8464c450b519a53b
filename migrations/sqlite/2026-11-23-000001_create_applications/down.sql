DROP TABLE audit_events;
DROP TABLE client_secrets;
DROP TABLE oauth_applications;
