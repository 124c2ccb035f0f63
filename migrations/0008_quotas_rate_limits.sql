-- 0008: per-organization quotas and per-key request rate limits (docs/quotas.md).

-- A platform admin's overrides of the configured defaults (TENANTRY_QUOTA_*): null takes
-- the default, 0 is unlimited.
create table organization_quotas (
  organization_id           uuid primary key references organizations(id) on delete cascade,
  max_tenants               integer check (max_tenants >= 0),
  max_concurrent_operations integer check (max_concurrent_operations >= 0),
  max_blueprints            integer check (max_blueprints >= 0),
  creates_per_minute        integer check (creates_per_minute >= 0),
  updated_at                timestamptz not null default now()
);

-- The operations an organization has running (its use of max_concurrent_operations),
-- counted at every claim.
create index operations_running_by_org on operations (organization_id) where status = 'running';
-- Tenant creates of the last minute (creates_per_minute).
create index tenants_org_created on tenants (organization_id, created_at);

-- How many more of the organization's queued operations a claim may start: its
-- max_concurrent_operations (or `default_limit`) minus the operations it has running.
-- Called once per organization by the claim (claimOperations). The transaction-level
-- try-lock makes claims for one organization take turns across workers: a second claim
-- running at the same moment gets 0 (it still resumes running operations, and the first
-- one starts queued ones), so two workers cannot both fill the last slot. Being a
-- VOLATILE function, its count runs on a fresh snapshot taken after the lock, which sees
-- every claim committed before it.
create function tenantry_claim_headroom(org uuid, default_limit integer) returns integer
language plpgsql volatile as $$
declare
  lim integer;
  running integer;
begin
  if org is null then return 0; end if;
  select coalesce(q.max_concurrent_operations, default_limit) into lim
    from organization_quotas q where q.organization_id = org;
  if not found then lim := default_limit; end if;
  if lim is null or lim <= 0 then return 2147483647; end if;
  if not pg_try_advisory_xact_lock(728391056, hashtext(org::text)) then return 0; end if;
  select count(*) into running from operations where organization_id = org and status = 'running';
  return greatest(0, lim - running);
end $$;

-- Request counts per API key (or client address) and fixed one-minute window, shared by
-- every API process on this database. Unlogged: losing the counts in a crash only resets
-- the current window. Old windows are deleted as new ones start.
create unlogged table rate_limit_windows (
  key          text not null,
  window_start timestamptz not null,
  count        integer not null,
  primary key (key, window_start)
);
