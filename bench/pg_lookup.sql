\set n random(1, :apps)
SELECT * FROM oauth_applications WHERE id = :n;
SELECT id, application_id, secret_hash, state, expires_at FROM client_secrets WHERE application_id = :n AND state <> 'revoked';
