/**
 * The OpenAPI document the API serves at `/openapi.json`, built without a database: the
 * document comes from the route schemas alone, so the HTTP server is built (never started,
 * never listening) on a connection pool that is never used. test/client.generated.test.ts
 * checks it equals what a running Tenantry serves.
 */
import { randomBytes } from "node:crypto";
import { pino } from "pino";
import { Registry } from "prom-client";
import { VERSION } from "../src/app.js";
import { loadConfig } from "../src/config/config.js";
import { buildServer } from "../src/http/server.js";
import { SecretBox } from "../src/lib/crypto.js";
import { ProviderRegistry } from "../src/providers/provider.js";
import { TenantService } from "../src/services/tenant-service.js";
import { createDb } from "../src/store/db.js";

/** The served document, as parsed JSON. */
export async function buildOpenApiDocument(): Promise<Record<string, unknown>> {
  // Port 1 on the loopback: should anything query it, it fails at once instead of hanging.
  const db = createDb("postgres://127.0.0.1:1/unused", { max: 1 });
  const providers = new ProviderRegistry();
  const secrets = new SecretBox(randomBytes(32));
  const app = await buildServer({
    db,
    tenants: new TenantService({ providers, secrets, maxAttempts: 1 }),
    providers,
    logger: pino({ level: "silent" }),
    metrics: new Registry(),
    config: loadConfig({}),
    version: VERSION,
    installationId: "openapi",
    nodeId: "openapi",
  });
  try {
    const res = await app.inject({ method: "GET", url: "/openapi.json" });
    if (res.statusCode !== 200) throw new Error(`GET /openapi.json answered ${res.statusCode}: ${res.body}`);
    return res.json() as Record<string, unknown>;
  } finally {
    await app.close();
    await db.close();
  }
}
