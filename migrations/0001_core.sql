-- 0001: the control-plane core. Never edit a released migration; add the next number.

create table organizations (
  id          uuid primary key,
  slug        text not null unique,
  name        text not null,
  created_at  timestamptz not null default now()
);

create table api_keys (
  id              uuid primary key,
  organization_id uuid not null references organizations(id) on delete cascade,
  name            text not null,
  role            text not null check (role in ('admin', 'operator', 'viewer')),
  -- sha256 of the full key; the key itself is never stored.
  key_hash        text not null unique,
  -- the first characters of the key, shown in listings so a person can tell keys apart.
  key_prefix      text not null,
  created_at      timestamptz not null default now(),
  last_used_at    timestamptz,
  revoked_at      timestamptz
);

create table blueprints (
  id              uuid primary key,
  organization_id uuid not null references organizations(id) on delete cascade,
  name            text not null,
  version         integer not null,
  source          text not null,
  -- sha256 of the source: pushing identical content returns the existing version.
  digest          text not null,
  created_at      timestamptz not null default now(),
  unique (organization_id, name, version)
);

create table tenants (
  id                  uuid primary key,
  organization_id     uuid not null references organizations(id) on delete cascade,
  name                text not null,
  slug                text not null,
  blueprint_id        uuid not null references blueprints(id),
  target              text not null,
  params              jsonb not null default '{}',
  -- AES-256-GCM envelope of the write-only secrets; never returned.
  secrets_enc         text,
  labels              jsonb not null default '{}',
  desired_state       text not null check (desired_state in ('active', 'suspended', 'deleted')),
  status              text not null,
  error_message       text,
  failed_operation_id uuid,
  -- bumped on every change of the desired state; the reconciler copies it into
  -- observed_generation when the tenant has converged on it.
  generation          bigint not null default 1,
  observed_generation bigint not null default 0,
  created_at          timestamptz not null default now(),
  updated_at          timestamptz not null default now(),
  destroyed_at        timestamptz
);
-- A destroyed tenant stays as a record but frees its slug.
create unique index tenants_org_slug_live on tenants (organization_id, slug) where status <> 'destroyed';
-- ids are UUIDv7 (time-ordered): listing by id is listing by creation, and a stable cursor.
create index tenants_org_order on tenants (organization_id, id);
create index tenants_labels on tenants using gin (labels);

create table resources (
  id              uuid primary key,
  tenant_id       uuid not null references tenants(id) on delete cascade,
  -- the blueprint's key for this resource ("database:main"); unique per tenant.
  key             text not null,
  kind            text not null,
  provider        text not null,
  -- the deterministic name on the platform, fixed at first plan.
  external_name   text not null,
  provider_id     text,
  -- pending | creating | ready | updating | suspending | suspended | resuming | deleting | deleted | failed
  status          text not null,
  spec            jsonb not null,
  spec_hash       text not null,
  depends_on      text[] not null default '{}',
  outputs         jsonb not null default '{}',
  -- AES-256-GCM envelope of secret outputs (passwords, connection strings).
  secret_outputs_enc text,
  created_at      timestamptz not null default now(),
  updated_at      timestamptz not null default now(),
  unique (tenant_id, key)
);

create table operations (
  id               uuid primary key,
  organization_id  uuid not null references organizations(id) on delete cascade,
  tenant_id        uuid not null references tenants(id) on delete cascade,
  -- create | update | suspend | resume | destroy | retry | heal
  kind             text not null,
  -- for a retry: the kind of work it carries on.
  effective_kind   text not null,
  retry_of         uuid references operations(id),
  -- queued | running | succeeded | failed
  status           text not null,
  generation       bigint not null,
  attempt          integer not null default 0,
  max_attempts     integer not null,
  run_at           timestamptz not null default now(),
  lease_owner      text,
  lease_expires_at timestamptz,
  -- fencing epoch: bumped on every claim; a write carries the epoch it was claimed with.
  lease_epoch      bigint not null default 0,
  error_code       text,
  error_message    text,
  requested_by     uuid,
  created_at       timestamptz not null default now(),
  started_at       timestamptz,
  finished_at      timestamptz,
  updated_at       timestamptz not null default now()
);
-- One unfinished operation per tenant: the database enforces "one at a time".
create unique index operations_one_open_per_tenant on operations (tenant_id) where status in ('queued', 'running');
-- The claim query walks unfinished operations by organization, oldest first.
create index operations_ready on operations (organization_id, run_at, id) where status in ('queued', 'running');
create index operations_tenant on operations (tenant_id, created_at);

create table operation_steps (
  id             uuid primary key,
  operation_id   uuid not null references operations(id) on delete cascade,
  seq            integer not null,
  name           text not null,
  resource_key   text,
  action         text not null,
  -- running | succeeded | waiting | failed
  status         text not null,
  attempts       integer not null default 1,
  detail         text,
  error_message  text,
  started_at     timestamptz not null default now(),
  finished_at    timestamptz,
  unique (operation_id, seq)
);

create table events (
  id              bigserial primary key,
  organization_id uuid not null references organizations(id) on delete cascade,
  tenant_id       uuid not null references tenants(id) on delete cascade,
  operation_id    uuid,
  type            text not null,
  message         text not null,
  data            jsonb not null default '{}',
  created_at      timestamptz not null default now()
);
create index events_tenant on events (tenant_id, id);

create table idempotency_keys (
  organization_id uuid not null references organizations(id) on delete cascade,
  key             text not null,
  method          text not null,
  path            text not null,
  request_hash    text not null,
  status_code     integer not null,
  response        jsonb not null,
  created_at      timestamptz not null default now(),
  primary key (organization_id, key)
);

-- Events are append-only: the timeline of a tenant is never rewritten.
create function events_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'events are append-only';
end $$;
create trigger events_no_update before update on events for each row execute function events_append_only();

-- Installation-wide settings, e.g. a check value that tells whether the configured
-- encryption key is the one this database's secrets were sealed with.
create table settings (
  key        text primary key,
  value      text not null,
  updated_at timestamptz not null default now()
);
