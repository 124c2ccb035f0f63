-- 0011: the alerting sweep (src/services/alert-conditions.ts) looks every few seconds, in
-- every worker process, at the tenants that are failed or degraded and at those with a
-- condition: two small partial indexes keep that off the full table.
create index tenants_unhealthy on tenants (id) where status in ('failed', 'degraded');
create index tenants_with_conditions on tenants (id) where conditions <> '[]'::jsonb;
