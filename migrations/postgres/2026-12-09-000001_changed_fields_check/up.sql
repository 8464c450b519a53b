-- An audit event's changed fields are the domain's ChangedFields (a closed set since the
-- change record was typed): the list holds only their names, checked like the other
-- closed lists (2026-12-08-000001_closed_sets). Every existing row is checked too: a row
-- with another name (written before the set was closed) stops the migration; such rows
-- are those the check's condition below, negated, selects.
ALTER TABLE audit_events
    ADD CONSTRAINT audit_events_changed_fields_check
        CHECK (changed_fields <@ ARRAY[
            'owner_org_id', 'name', 'description', 'type', 'redirect_urls',
            'allowed_scopes', 'grant_types', 'access_level', 'is_first_party', 'status',
            'token_endpoint_auth_method', 'jwks', 'jwks_uri', 'secret', 'registration',
            'client_uri', 'logo_uri', 'tos_uri', 'policy_uri', 'contacts', 'software_id',
            'software_version'
        ]::TEXT[]);
