DELETE FROM webhook_event_types WHERE event_type = 'application.stale_warning';
ALTER TABLE webhook_event_types
    DROP CONSTRAINT webhook_event_types_event_type_check,
    ADD CONSTRAINT webhook_event_types_event_type_check CHECK (event_type IN (
        'application.created', 'application.updated', 'application.disabled',
        'application.enabled', 'secret.rotated', 'secret.previous_revoked', 'keys.rotated',
        'secret.expiring', 'secret.leaked'));
DELETE FROM audit_events WHERE action = 'stale_warning';
ALTER TABLE audit_events
    DROP CONSTRAINT audit_events_action_check,
    ADD CONSTRAINT audit_events_action_check CHECK (action IN (
        'created', 'updated', 'disabled', 'enabled', 'secret_rotated',
        'previous_secret_revoked', 'keys_rotated', 'secret_expiring', 'secret_leaked'));
ALTER TABLE client_registrations
    DROP COLUMN stale_warned_at,
    DROP COLUMN last_read_at;
