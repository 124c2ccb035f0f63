import { describe, expect, it } from "vitest";
import { ConfigError, ConfigErrors, checkTargets, loadConfig } from "../src/config/config.js";
import { parseLocalConfig } from "../src/providers/local/config.js";
import { parseRenderConfig } from "../src/providers/render/config.js";

describe("configuration", () => {
  it("has the documented defaults", () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 8080,
      host: "0.0.0.0",
      databaseUrl: undefined,
      baseDomain: "localhost",
      allowedOrigins: [],
      logLevel: "info",
      workerConcurrency: 8,
      leaseSeconds: 15,
      retryBaseMs: 1000,
      retryMaxMs: 60000,
      retryMaxAttempts: 5,
      adminApiKey: undefined,
      encryptionKey: undefined,
      pluginRepoHosts: ["github.com", "gitlab.com", "bitbucket.org"],
    });
    expect(c.dataDir).toMatch(/\.tenantry$/);
    expect(Object.isFrozen(c)).toBe(true);
    // docs/quotas.md: finite but generous, concurrency unlimited (the claim is fair).
    expect(c.quotaDefaults).toEqual({
      max_tenants: 1000,
      max_concurrent_operations: 0,
      max_blueprints: 200,
      creates_per_minute: 120,
    });
    expect(c.rateLimitPerMinute).toBe(600);
    expect(
      loadConfig({ TENANTRY_QUOTA_MAX_CONCURRENT_OPERATIONS: "20" }).quotaDefaults.max_concurrent_operations,
    ).toBe(20);
  });

  it("reads the Render settings, checking the workspace id and URL", () => {
    expect(loadConfig({})).toMatchObject({
      renderApiKey: undefined,
      renderOwnerId: undefined,
      renderApiUrl: "https://api.render.com/v1",
    });
    expect(
      loadConfig({
        RENDER_API_KEY: "rnd_abc",
        RENDER_OWNER_ID: "tea-abc123",
        RENDER_API_URL: "http://127.0.0.1:10000/v1",
      }),
    ).toMatchObject({
      renderApiKey: "rnd_abc",
      renderOwnerId: "tea-abc123",
      renderApiUrl: "http://127.0.0.1:10000/v1",
    });
    expect(() => loadConfig({ RENDER_OWNER_ID: "acme" })).toThrow(/RENDER_OWNER_ID: expected a workspace id/);
    expect(() => loadConfig({ RENDER_API_URL: "ftp://x" })).toThrow(ConfigError);
  });

  it("reads every variable", () => {
    const c = loadConfig({
      PORT: "9000",
      HOST: "127.0.0.1",
      DATABASE_URL: "postgres://u@db:5432/t",
      TENANTRY_DATA_DIR: "/tmp/x",
      BASE_DOMAIN: "Tenants.Example.com",
      ALLOWED_ORIGINS: "https://app.example.com, http://localhost:3000",
      LOG_LEVEL: "debug",
      TENANTRY_WORKER_CONCURRENCY: "0",
      TENANTRY_LEASE_SECONDS: "2",
      TENANTRY_RETRY_BASE_MS: "10",
      TENANTRY_RETRY_MAX_MS: "100",
      TENANTRY_RETRY_MAX_ATTEMPTS: "3",
      TENANTRY_ADMIN_API_KEY: "k".repeat(30),
      TENANTRY_ENCRYPTION_KEY: "ab".repeat(32),
      TENANTRY_LOCAL_POSTGRES_URL: "postgresql://x@y/z",
      TENANTRY_PLUGIN_REPO_HOSTS: "git.example.com, GitHub.com",
    });
    expect(c).toMatchObject({
      port: 9000,
      host: "127.0.0.1",
      databaseUrl: "postgres://u@db:5432/t",
      dataDir: "/tmp/x",
      baseDomain: "tenants.example.com",
      allowedOrigins: ["https://app.example.com", "http://localhost:3000"],
      workerConcurrency: 0,
      leaseSeconds: 2,
      retryMaxAttempts: 3,
      localPostgresUrl: "postgresql://x@y/z",
      pluginRepoHosts: ["git.example.com", "github.com"],
    });
    expect(c.encryptionKey?.length).toBe(32);
  });

  const bad: [string, string, RegExp][] = [
    ["PORT", "eighty", /whole number/],
    ["PORT", "70000", /0 to 65535/],
    ["DATABASE_URL", "mysql://x@y/z", /postgres/],
    ["DATABASE_URL", "not a url", /URL/],
    ["BASE_DOMAIN", "bad domain!", /domain/],
    ["ALLOWED_ORIGINS", "app.example.com/path", /origins/],
    ["LOG_LEVEL", "loud", /one of/],
    ["TENANTRY_LOCAL_ISOLATION", "maybe", /auto, users, off/],
    ["TENANTRY_WORKER_CONCURRENCY", "-1", /whole number/],
    ["TENANTRY_LEASE_SECONDS", "0", /1 to 3600/],
    ["TENANTRY_RETRY_MAX_ATTEMPTS", "1.5", /whole number/],
    ["TENANTRY_ADMIN_API_KEY", "short", /24 characters/],
    ["TENANTRY_ENCRYPTION_KEY", "dG9vc2hvcnQ=", /32 bytes/],
    ["TENANTRY_LOCAL_POSTGRES_URL", "http://x", /postgres/],
    ["TENANTRY_LOCAL_MYSQL_URL", "postgres://x@y", /mysql: or mariadb:/],
    ["TENANTRY_PLUGIN_REPO_HOSTS", "github.com, not a host", /host names/],
    ["TENANTRY_DEFAULT_TARGET", "Not A Target", /target name/],
    ["RENDER_OWNER_ID", "acme", /workspace id/],
    ["TENANTRY_QUOTA_MAX_TENANTS", "lots", /whole number/],
    ["TENANTRY_QUOTA_CREATES_PER_MINUTE", "-5", /whole number/],
    ["TENANTRY_RATE_LIMIT_PER_MINUTE", "2000000000", /0 to 1000000000/],
  ];
  for (const [name, value, message] of bad) {
    it(`stops on a bad ${name} (${value}) naming the variable`, () => {
      let error: unknown;
      try {
        loadConfig({ [name]: value });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).variable).toBe(name);
      expect((error as Error).message).toMatch(new RegExp(`^${name}: `));
      expect((error as Error).message).toMatch(message);
    });
  }

  it("reads the alerting thresholds as durations, refusing what is not one", () => {
    const defaults = loadConfig({});
    expect(defaults.stuckOperationAfterMs).toBe(30 * 60_000);
    expect(defaults.unhealthyTenantAfterMs).toBe(15 * 60_000);
    const c = loadConfig({ TENANTRY_STUCK_OPERATION_AFTER: "1h30m", TENANTRY_UNHEALTHY_TENANT_AFTER: "90" });
    expect(c.stuckOperationAfterMs).toBe(90 * 60_000);
    expect(c.unhealthyTenantAfterMs).toBe(90_000);
    expect(loadConfig({ TENANTRY_STUCK_OPERATION_AFTER: "2d" }).stuckOperationAfterMs).toBe(2 * 86_400_000);
    expect(() => loadConfig({ TENANTRY_STUCK_OPERATION_AFTER: "soon" })).toThrow(
      'TENANTRY_STUCK_OPERATION_AFTER: expected a duration such as 30m, 90s or 1h30m, got "soon"',
    );
    expect(() => loadConfig({ TENANTRY_UNHEALTHY_TENANT_AFTER: "30s" })).toThrow(
      'TENANTRY_UNHEALTHY_TENANT_AFTER: expected a duration from 1m to 7d, got "30s"',
    );
    // Both at once, as for every variable.
    try {
      loadConfig({ TENANTRY_STUCK_OPERATION_AFTER: "-5m", TENANTRY_UNHEALTHY_TENANT_AFTER: "8d" });
      expect.unreachable();
    } catch (err) {
      expect((err as ConfigErrors).errors.map((e) => e.variable)).toEqual([
        "TENANTRY_STUCK_OPERATION_AFTER",
        "TENANTRY_UNHEALTHY_TENANT_AFTER",
      ]);
    }
  });

  it("refuses a retry cap below the base", () => {
    expect(() => loadConfig({ TENANTRY_RETRY_BASE_MS: "500", TENANTRY_RETRY_MAX_MS: "100" })).toThrow(
      /TENANTRY_RETRY_MAX_MS/,
    );
  });

  it("reports every bad value at once, the providers' sections included", () => {
    let error: unknown;
    try {
      loadConfig({ PORT: "eighty", TENANTRY_LOCAL_ISOLATION: "maybe", RENDER_API_URL: "ftp://x" });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigErrors);
    expect((error as ConfigErrors).errors.map((e) => e.variable)).toEqual([
      "PORT",
      "TENANTRY_LOCAL_ISOLATION",
      "RENDER_API_URL",
    ]);
    expect((error as Error).message).toMatch(
      /^PORT: expected a whole number.*\nTENANTRY_LOCAL_ISOLATION: .*\nRENDER_API_URL: /s,
    );
  });

  it("lets each provider parse its own section", () => {
    expect(parseLocalConfig({ TENANTRY_LOCAL_REDIS_URL: "redis://r:6379" })).toEqual({
      localPostgresUrl: undefined,
      localRedisUrl: "redis://r:6379",
      localMysqlUrl: undefined,
      localIsolation: "auto",
    });
    expect(parseRenderConfig({ RENDER_API_KEY: " rnd_x " })).toEqual({
      renderApiKey: "rnd_x",
      renderOwnerId: undefined,
      renderApiUrl: "https://api.render.com/v1",
    });
    expect(() => parseRenderConfig({ RENDER_OWNER_ID: "x", RENDER_API_URL: "ftp://y" })).toThrow(
      ConfigErrors,
    );
  });

  it("defaults the target to local, checked against the registered providers at start-up", () => {
    expect(loadConfig({}).defaultTarget).toBe("local");
    const config = loadConfig({ TENANTRY_DEFAULT_TARGET: "render" });
    expect(config.defaultTarget).toBe("render");
    expect(() => checkTargets(config, ["local", "render"])).not.toThrow();
    expect(() => checkTargets(config, ["local"])).toThrow(
      /^TENANTRY_DEFAULT_TARGET: no provider serves target "render" here \(registered: local\)/,
    );
  });
});
