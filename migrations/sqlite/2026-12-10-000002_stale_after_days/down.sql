ALTER TABLE organization_policies DROP COLUMN stale_after_days;
