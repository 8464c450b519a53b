-- Clients that registered themselves and went quiet (#22). A self-registered client's
-- registration keeps its latest registration read (an RFC 7592 use of its registration
-- access token, a metadata document resolution; written at most once a minute) and when
-- it was last warned of going quiet; the audit trail records the warning
-- (`stale_warning`), and webhooks may hear it (`application.stale_warning`).
ALTER TABLE client_registrations
    ADD COLUMN last_read_at TIMESTAMPTZ,
    ADD COLUMN stale_warned_at TIMESTAMPTZ;
ALTER TABLE audit_events
    DROP CONSTRAINT audit_events_action_check,
    ADD CONSTRAINT audit_events_action_check CHECK (action IN (
        'created', 'updated', 'disabled', 'enabled', 'secret_rotated',
        'previous_secret_revoked', 'keys_rotated', 'secret_expiring', 'secret_leaked',
        'stale_warning'));
ALTER TABLE webhook_event_types
    DROP CONSTRAINT webhook_event_types_event_type_check,
    ADD CONSTRAINT webhook_event_types_event_type_check CHECK (event_type IN (
        'application.created', 'application.updated', 'application.disabled',
        'application.enabled', 'secret.rotated', 'secret.previous_revoked', 'keys.rotated',
        'secret.expiring', 'secret.leaked', 'application.stale_warning'));
