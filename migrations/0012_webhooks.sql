-- 0012: webhooks (issue 16). The events table is the outbox: every tenant event is written
-- in the transaction of the change it describes, and the delivery worker reads events
-- after each endpoint's cursor. Nothing else has to be written with a change.

-- An organization's endpoints. `secret_enc` is the signing secret, sealed like
-- credentials (AES-256-GCM, the installation's key); it is shown once, at creation or
-- rotation. `events` is the filter: exact types or prefixes ending in "." (empty: all).
-- `cursor` is the id of the last event taken for delivery (events after it are next);
-- at creation it is the newest event's id, so an endpoint gets what happens from then on.
create table webhook_endpoints (
  id                   uuid primary key,
  organization_id      uuid not null references organizations(id) on delete cascade,
  url                  text not null,
  description          text,
  events               text[] not null default '{}',
  enabled              boolean not null default true,
  secret_enc           text not null,
  cursor               bigint not null default 0,
  -- Deliveries that ended `failed` in a row (reset by a success), and since when: an
  -- endpoint is never disabled by Tenantry, it shows that it is failing.
  consecutive_failures integer not null default 0,
  failing_since        timestamptz,
  created_at           timestamptz not null default now(),
  updated_at           timestamptz not null default now()
);
create index webhook_endpoints_org on webhook_endpoints (organization_id, id);

-- One row per delivery of an event to an endpoint (a redelivery is a new row), updated at
-- each attempt. `pending`: to be attempted at `next_attempt_at`; `succeeded` (2xx);
-- `failed` (a 4xx other than 408/429, or the attempts ran out).
create table webhook_deliveries (
  -- UUIDv7: time-ordered, the listing order and the cursor.
  id               uuid primary key,
  endpoint_id      uuid not null references webhook_endpoints(id) on delete cascade,
  event_id         bigint not null,
  status           text not null default 'pending' check (status in ('pending', 'succeeded', 'failed')),
  attempt          integer not null default 0,
  response_code    integer,
  duration_ms      integer,
  error            text,
  next_attempt_at  timestamptz,
  redelivery_of    uuid,
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now()
);
create index webhook_deliveries_endpoint on webhook_deliveries (endpoint_id, id);
create index webhook_deliveries_pending on webhook_deliveries (endpoint_id, id) where status = 'pending';
-- The events an endpoint still has to take are read by organization and id: the index
-- events_organization of migration 0010.
