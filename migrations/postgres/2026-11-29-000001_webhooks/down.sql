DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
-- Fails while an audit event records an expiry warning or a leak (the old check refuses
-- it): reverting would lose them.
ALTER TABLE audit_events
    DROP CONSTRAINT audit_events_action_check,
    ADD CONSTRAINT audit_events_action_check CHECK (action IN (
        'created', 'updated', 'disabled', 'enabled', 'secret_rotated', 'previous_secret_revoked',
        'keys_rotated'));
