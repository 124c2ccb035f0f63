-- 0004: ownership of platform objects and the engine's time rules (issue 9).

-- When the engine first asked the platform for the object a `creating` resource stands
-- for. An object that has only its name to prove it is ours (no ownership marker) and was
-- made before this moment is not ours: it is never adopted.
alter table resources add column create_requested_at timestamptz;
update resources set create_requested_at = created_at where status = 'creating';

-- Since when the resource has been waiting on the platform (a database starting, a
-- deploy). A wait longer than the kind's maximum fails the operation.
alter table resources add column pending_since timestamptz;

-- Outputs reported between operations (a cron job's last run). Kept apart from `outputs`,
-- which only the reconciler writes, under its lease: the two never overwrite each other.
-- Read as outputs || live_outputs.
alter table resources add column live_outputs jsonb not null default '{}';

-- Claims that ended with the lease expiring (the worker died) rather than the pass
-- ending: after max_attempts of them the operation fails instead of killing workers
-- forever.
alter table operations add column lost_claims integer not null default 0;

-- Node-bound targets (local): the node whose workers alone may work on the tenant.
alter table tenants add column node_id text;
alter table operations add column node_id text;
