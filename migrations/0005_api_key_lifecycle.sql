-- 0005: API keys expire (a chosen expiry, or the grace period of a rotated key).
alter table api_keys add column expires_at timestamptz;
-- The key a rotation replaced this one with (the old key keeps working until expires_at).
alter table api_keys add column replaced_by uuid references api_keys(id) on delete set null;
create index api_keys_by_organization on api_keys (organization_id, created_at);
