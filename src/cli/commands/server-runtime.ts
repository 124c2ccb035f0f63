/**
 * What the server commands (`serve`, `worker`, `migrate`, `rotate-encryption-key`) need
 * from the server itself. Loaded by those commands only, on demand: the client commands
 * (`tenants`, `blueprints`, …) never load Fastify, the engine or the providers, and start fast.
 */
export { createLogger, startTenantry, type Tenantry } from "../../app.js";
export { ConfigError, loadConfig } from "../../config/config.js";
export { ensureEncryptionKey } from "../../services/bootstrap.js";
export { type ResealCount, resealAll } from "../../services/encryption-key-rotation.js";
export { createDb } from "../../store/db.js";
export { migrate } from "../../store/migrations.js";
