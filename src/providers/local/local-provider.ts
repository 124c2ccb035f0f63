import type { Logger } from "pino";
import type { Provider } from "../provider.js";
import { createPostgresDriver } from "./postgres-driver.js";

export interface LocalProviderOptions {
  /**
   * Administrative connection string of the PostgreSQL server that hosts tenant databases
   * (TENANTRY_LOCAL_POSTGRES_URL); its user needs CREATEDB and CREATEROLE (or SUPERUSER).
   */
  postgresUrl: string;
  logger?: Logger;
}

/**
 * The `local` target: tenant resources on this machine. A composition of one driver per
 * resource kind; each driver owns its connections and `close()` releases them all.
 */
export function createLocalProvider(options: LocalProviderOptions): Provider {
  const postgres = createPostgresDriver({ serverUrl: options.postgresUrl, logger: options.logger });
  return {
    name: "local",
    drivers: { postgres },
    async close() {
      await postgres.close();
    },
  };
}
