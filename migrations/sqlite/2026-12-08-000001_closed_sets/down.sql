-- The event types back between commas, in the order the service lists them.
ALTER TABLE webhooks ADD COLUMN event_types TEXT
    CHECK (event_types IS NULL OR event_types LIKE ',%,');
UPDATE webhooks SET event_types = (
    SELECT ',' || group_concat(event_type, ',' ORDER BY CASE event_type
        WHEN 'application.created' THEN 0
        WHEN 'application.updated' THEN 1
        WHEN 'application.disabled' THEN 2
        WHEN 'application.enabled' THEN 3
        WHEN 'secret.rotated' THEN 4
        WHEN 'secret.previous_revoked' THEN 5
        WHEN 'keys.rotated' THEN 6
        WHEN 'secret.expiring' THEN 7
        WHEN 'secret.leaked' THEN 8
        END) || ','
    FROM webhook_event_types WHERE webhook_event_types.webhook_id = webhooks.id);
DROP TABLE webhook_event_types;

DROP TRIGGER organization_policies_self_registration_auth_methods_update;
DROP TRIGGER organization_policies_self_registration_auth_methods_insert;
DROP TRIGGER organization_policies_self_registration_grant_types_update;
DROP TRIGGER organization_policies_self_registration_grant_types_insert;
DROP TRIGGER initial_access_tokens_allowed_auth_methods_update;
DROP TRIGGER initial_access_tokens_allowed_auth_methods_insert;
DROP TRIGGER initial_access_tokens_allowed_grant_types_update;
DROP TRIGGER initial_access_tokens_allowed_grant_types_insert;
DROP TRIGGER oauth_applications_grant_types_update;
DROP TRIGGER oauth_applications_grant_types_insert;
