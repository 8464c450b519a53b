-- Clients that registered themselves and went quiet (#22): after how many days without a
-- credential use or a registration read an organisation's self-registered clients are
-- disabled; NULL: never (docs/registration.md).
ALTER TABLE organization_policies ADD COLUMN stale_after_days INTEGER
    CHECK (stale_after_days IS NULL OR stale_after_days BETWEEN 1 AND 3650);
