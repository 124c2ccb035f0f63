-- 0007: the audit log (issue 14): who did what, when, through which request.

-- One row per mutating API call (also the refused ones, once the caller is known) and per
-- provider action of the engine. Append-only: the triggers below refuse UPDATE, DELETE
-- and TRUNCATE.
--
-- organization_id, tenant_id and operation_id have NO foreign keys on purpose: deleting
-- an organization cascades to its tenants and operations, and an audit trail that
-- vanished with what it is about would be no trail (a cascade would also be a DELETE,
-- which the table refuses). The ids stay as they were recorded.
create table audit_log (
  -- UUIDv7: time-ordered, so the id is the listing order and the cursor.
  id              uuid primary key,
  at              timestamptz not null default now(),
  actor_type      text not null check (actor_type in ('api_key', 'system')),
  -- the API key's id (null for the engine)
  actor_id        uuid,
  -- the API key's name at the time, or 'system'
  actor_name      text not null,
  organization_id uuid not null,
  -- X-Request-Id of the call (for provider actions: of the call that started the operation)
  request_id      text,
  tenant_id       uuid,
  operation_id    uuid,
  -- tenant.create, api_key.revoke, provider.create, ... (docs/api.md lists them)
  action          text not null,
  outcome         text not null check (outcome in ('succeeded', 'failed', 'refused')),
  -- the HTTP status of an API call; null for provider actions
  status          integer,
  -- what changed, redacted: names of secrets, never their values
  summary         jsonb not null default '{}',
  check ((actor_type = 'api_key') = (actor_id is not null))
);
create index audit_log_org on audit_log (organization_id, id);
create index audit_log_org_tenant on audit_log (organization_id, tenant_id, id) where tenant_id is not null;
create index audit_log_request on audit_log (request_id) where request_id is not null;

create function audit_log_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'audit_log is append-only: % is not allowed', tg_op
    using errcode = 'insufficient_privilege';
end
$$;
create trigger audit_log_no_change before update or delete on audit_log
  for each row execute function audit_log_append_only();
create trigger audit_log_no_truncate before truncate on audit_log
  for each statement execute function audit_log_append_only();

-- Who asked for an operation: the request (X-Request-Id) and the key's name at the time
-- (requested_by holds its id; null for the engine's own operations, e.g. heal).
alter table operations add column request_id text;
alter table operations add column requested_by_name text;

-- Events recorded for a request carry its actor and request id; the engine's events
-- carry neither (their actor is the engine; their request id is their operation's).
alter table events add column actor_id uuid;
alter table events add column actor_name text;
alter table events add column request_id text;
