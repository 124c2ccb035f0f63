-- 0006: platform administration. A `platform_admin` key manages the installation's
-- organizations (/v1/organizations) and is an admin of its own organization.
alter table api_keys drop constraint api_keys_role_check;
alter table api_keys add constraint api_keys_role_check
  check (role in ('platform_admin', 'admin', 'operator', 'viewer'));

-- The key made on first start becomes the platform admin (docs/organizations.md): on an
-- installation that still has one organization, its bootstrap key is the installation
-- owner's key.
update api_keys set role = 'platform_admin'
 where name = 'admin (bootstrap)' and role = 'admin' and revoked_at is null
   and (select count(*) from organizations) = 1;

-- Renames are recorded (the slug never changes: platform names and caches rely on it).
alter table organizations add column updated_at timestamptz not null default now();
