-- 0009: an organization's own credentials for a target ("bring your own account"): a
-- Render API key and workspace, a kubeconfig or a cluster token, a cloud role reference.
-- The secret part is sealed (AES-256-GCM, the installation's encryption key) in
-- `secret_enc` and never returned; `display` holds what may be shown (a workspace id, a
-- server URL, a key's last four characters). One credential per organization and target:
-- registering again replaces it (`version` + 1, so cached clients are rebuilt).
create table target_credentials (
  id               uuid primary key,
  organization_id  uuid not null references organizations(id) on delete cascade,
  target           text not null,
  name             text not null,
  kind             text not null
                   check (kind in ('render_api_key', 'kubeconfig', 'kubernetes_token', 'cloud_role')),
  secret_enc       text not null,
  display          jsonb not null default '{}',
  status           text not null default 'ok' check (status in ('ok', 'access_error')),
  version          integer not null default 1,
  last_checked_at  timestamptz,
  last_error       text,
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now(),
  unique (organization_id, target)
);
