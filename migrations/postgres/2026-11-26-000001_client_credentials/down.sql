-- Fails while an audit event records a key rotation (the old check refuses it): such a
-- store holds what the earlier schema cannot, and reverting would lose it. Applications
-- without a secret (`private_key_jwt`, `none`) would not read under the earlier code.
ALTER TABLE audit_events
    DROP CONSTRAINT audit_events_action_check,
    ADD CONSTRAINT audit_events_action_check CHECK (action IN (
        'created', 'updated', 'disabled', 'enabled', 'secret_rotated', 'previous_secret_revoked'));
DROP TABLE assertion_jtis;
DROP TRIGGER client_secrets_announce_use ON client_secrets;
DROP FUNCTION oauth_apps_announce_secret_use();
ALTER TABLE client_secrets
    DROP COLUMN serial,
    DROP COLUMN hint,
    DROP COLUMN last_used_at;
DROP TRIGGER client_key_sets_announce_change ON client_key_sets;
DROP FUNCTION oauth_apps_announce_key_set_change();
DROP TABLE client_key_sets;
ALTER TABLE oauth_applications DROP COLUMN token_endpoint_auth_method;
