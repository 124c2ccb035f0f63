-- 0002: values generated for a tenant (`generateValue: true` env vars), sealed with
-- AES-256-GCM like `secrets_enc`: a JSON map from the variable's origin
-- (`service:web/SECRET_KEY`, `group:shared/TOKEN`) to its value. Generated once, kept
-- across updates.
alter table tenants add column generated_enc text;
