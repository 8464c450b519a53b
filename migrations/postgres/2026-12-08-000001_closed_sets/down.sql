-- The event types back between commas, in the order the service lists them.
ALTER TABLE webhooks ADD COLUMN event_types TEXT;
UPDATE webhooks SET event_types = listed.names
    FROM (SELECT webhook_id, ',' || string_agg(event_type, ',' ORDER BY array_position(ARRAY[
            'application.created', 'application.updated', 'application.disabled',
            'application.enabled', 'secret.rotated', 'secret.previous_revoked', 'keys.rotated',
            'secret.expiring', 'secret.leaked'], event_type)) || ',' AS names
          FROM webhook_event_types GROUP BY webhook_id) AS listed
    WHERE webhooks.id = listed.webhook_id;
ALTER TABLE webhooks ADD CONSTRAINT webhooks_event_types_check
    CHECK (event_types IS NULL OR event_types ~ '^,([a-z_]+\.[a-z_]+,)+$');
DROP TABLE webhook_event_types;

ALTER TABLE organization_policies
    DROP CONSTRAINT organization_policies_self_registration_grant_types_check,
    DROP CONSTRAINT organization_policies_self_registration_auth_methods_check;
ALTER TABLE initial_access_tokens
    DROP CONSTRAINT initial_access_tokens_allowed_grant_types_check,
    DROP CONSTRAINT initial_access_tokens_allowed_auth_methods_check;
