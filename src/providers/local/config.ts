import { ConfigReader, type Env, oneOf, url } from "../../config/env.js";

/**
 * The `local` target's section of the configuration (`TENANTRY_LOCAL_*`), parsed here and
 * composed into Tenantry's configuration (`config/config.ts`). Documented in
 * docs/configuration.md.
 */
export interface LocalConfig {
  /** `TENANTRY_LOCAL_POSTGRES_URL`: the server on which the local provider creates tenant databases; unset → Tenantry's own. */
  localPostgresUrl: string | undefined;
  /** `TENANTRY_LOCAL_REDIS_URL`: Redis 6+ on which the local provider makes an ACL user per tenant Key Value; unset → a private redis-server per tenant when one is on the PATH. */
  localRedisUrl: string | undefined;
  /**
   * `TENANTRY_LOCAL_MYSQL_URL`: a MySQL 8 or MariaDB 10.5+ server on which the local provider
   * creates a database and a user per `engine: mysql`/`mariadb` database; unset → such
   * databases are refused at create on the local target.
   */
  localMysqlUrl: string | undefined;
  /**
   * `TENANTRY_LOCAL_ISOLATION`: whose OS user local tenants' processes run as. `users`: one
   * unprivileged user per tenant (needs root; refuses to start when it cannot); `off`:
   * Tenantry's own user; `auto`: `users` when Tenantry runs as root and can, else `off`
   * (said at start). @default "auto"
   */
  localIsolation: "auto" | "users" | "off";
}

const ISOLATION_MODES = ["auto", "users", "off"] as const;

/** Reads the local target's variables; bad ones throw a `ConfigError` (several: `ConfigErrors`) naming each. */
export function parseLocalConfig(env: Env): LocalConfig {
  const r = new ConfigReader(env);
  const config: LocalConfig = {
    localPostgresUrl: r.read(
      (e) => url(e, "TENANTRY_LOCAL_POSTGRES_URL", ["postgres:", "postgresql:"]),
      undefined,
    ),
    localRedisUrl: r.read((e) => url(e, "TENANTRY_LOCAL_REDIS_URL", ["redis:", "rediss:"]), undefined),
    localMysqlUrl: r.read((e) => url(e, "TENANTRY_LOCAL_MYSQL_URL", ["mysql:", "mariadb:"]), undefined),
    localIsolation: r.read((e) => oneOf(e, "TENANTRY_LOCAL_ISOLATION", ISOLATION_MODES, "auto"), "auto"),
  };
  r.done();
  return config;
}
