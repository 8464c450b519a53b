-- Closed sets (#21). Every column that holds a member of a closed set lists the set's
-- names in a check; the lists of grant types and authentication methods that a token's
-- allowance and a policy's self-registration limits hold had none.
ALTER TABLE initial_access_tokens
    ADD CONSTRAINT initial_access_tokens_allowed_grant_types_check
        CHECK (allowed_grant_types <@ ARRAY['authorization_code', 'refresh_token',
            'client_credentials', 'urn:ietf:params:oauth:grant-type:device_code']::TEXT[]),
    ADD CONSTRAINT initial_access_tokens_allowed_auth_methods_check
        CHECK (allowed_auth_methods <@ ARRAY['client_secret_basic', 'client_secret_post',
            'private_key_jwt', 'none']::TEXT[]);
ALTER TABLE organization_policies
    ADD CONSTRAINT organization_policies_self_registration_grant_types_check
        CHECK (self_registration_grant_types <@ ARRAY['authorization_code', 'refresh_token',
            'client_credentials', 'urn:ietf:params:oauth:grant-type:device_code']::TEXT[]),
    ADD CONSTRAINT organization_policies_self_registration_auth_methods_check
        CHECK (self_registration_auth_methods <@ ARRAY['client_secret_basic',
            'client_secret_post', 'private_key_jwt', 'none']::TEXT[]);

-- The event types a webhook hears, a row each (none: every type), instead of a
-- comma-joined column. The fan-out that writes an event's deliveries finds the webhooks
-- that hear it by the primary key.
CREATE TABLE webhook_event_types (
    webhook_id  UUID NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_type  TEXT NOT NULL,
    PRIMARY KEY (webhook_id, event_type),
    CONSTRAINT webhook_event_types_event_type_check CHECK (event_type IN (
        'application.created', 'application.updated', 'application.disabled',
        'application.enabled', 'secret.rotated', 'secret.previous_revoked', 'keys.rotated',
        'secret.expiring', 'secret.leaked'))
);
INSERT INTO webhook_event_types (webhook_id, event_type)
    SELECT DISTINCT webhooks.id, listed.event_type
    FROM webhooks,
        unnest(string_to_array(trim(BOTH ',' FROM webhooks.event_types), ',')) AS listed (event_type)
    WHERE webhooks.event_types IS NOT NULL;
ALTER TABLE webhooks DROP COLUMN event_types;
