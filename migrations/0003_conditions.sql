-- 0003: conditions of a tenant that need a person's attention, beyond its status, e.g.
-- `access_error` (the platform refused Tenantry's credentials). A JSON array of
-- {type, message, since}; cleared when the tenant settles again.
alter table tenants add column conditions jsonb not null default '[]';
