-- PostgreSQL's own single-row insert rate into the replay store: one new jti per
-- transaction for the application :app (the private_key_jwt scenario's).
INSERT INTO assertion_jtis (application_id, jti, expires_at)
VALUES (:app, md5(random()::text || clock_timestamp()::text), now() + interval '9 minutes');
