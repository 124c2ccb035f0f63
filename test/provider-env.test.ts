import { pino } from "pino";
import { describe, expect, it } from "vitest";
import type { EnvBinding } from "../src/blueprints/render.js";
import { providerContext } from "../src/providers/context.js";
import { resolveEnv } from "../src/providers/env.js";
import { type ProviderContext, ProviderError, type RecordedResource } from "../src/providers/provider.js";

function ctx(
  resources: Record<string, Partial<RecordedResource<"web">>>,
  secrets: Record<string, string> = {},
): ProviderContext {
  return providerContext({
    tenant: { id: "t1", slug: "acme", name: "Acme", organizationId: "o1" },
    installationId: "test-installation",
    logger: pino({ level: "silent" }),
    secret: (b) => (b.secret === "generated" ? secrets[b.ref] : secrets[b.key]),
    resource: (key) => {
      const r = resources[key];
      return r
        ? {
            key,
            kind: "web",
            externalName: key,
            dependsOn: [],
            spec: { type: "web", envVars: [] },
            providerId: null,
            outputs: {},
            secretOutputs: {},
            ...r,
          }
        : undefined;
    },
  });
}

describe("resolving env bindings", () => {
  const db = {
    outputs: { host: "127.0.0.1", port: 5432, database: "main_acme", user: "main_acme" },
    secretOutputs: { password: "pw", connectionString: "postgres://main_acme:pw@127.0.0.1:5432/main_acme" },
  };
  const api: Partial<RecordedResource<"web">> = {
    outputs: { host: "api-acme", port: 10001, hostport: "api-acme:10001" },
    spec: {
      type: "web",
      envVars: [
        { key: "API_TOKEN", secret: "generated", ref: "service:api/API_TOKEN" },
        { key: "MODE", value: "fast" },
      ],
    },
  };

  it("gives literal values, secrets, dependency outputs and other services' variables", () => {
    const bindings: EnvBinding[] = [
      { key: "GREETING", value: "hi" },
      { key: "SESSION", secret: "generated", ref: "service:web/SESSION" },
      { key: "STRIPE", secret: "tenant" },
      { key: "DATABASE_URL", from: "database:main", property: "connectionString" },
      { key: "DB_PORT", from: "database:main", property: "port" },
      { key: "API", from: "service:api", property: "hostport" },
      { key: "API_TOKEN", from: "service:api", envVarKey: "API_TOKEN" },
      { key: "API_MODE", from: "service:api", envVarKey: "MODE" },
    ];
    const env = resolveEnv(
      ctx(
        { "database:main": db, "service:api": api },
        { "service:web/SESSION": "s3", STRIPE: "sk", "service:api/API_TOKEN": "tok" },
      ),
      bindings,
    );
    expect(env).toEqual({
      GREETING: "hi",
      SESSION: "s3",
      STRIPE: "sk",
      DATABASE_URL: "postgres://main_acme:pw@127.0.0.1:5432/main_acme",
      DB_PORT: "5432",
      API: "api-acme:10001",
      API_TOKEN: "tok",
      API_MODE: "fast",
    });
  });

  it("waits for a dependency that does not exist yet, and refuses what cannot be resolved", () => {
    const pending = () => resolveEnv(ctx({}), [{ key: "D", from: "database:main", property: "host" }]);
    expect(pending).toThrow(ProviderError);
    try {
      pending();
    } catch (err) {
      expect((err as ProviderError).retryable).toBe(true);
    }
    const noOutput = () =>
      resolveEnv(ctx({ "database:main": db }), [{ key: "D", from: "database:main", property: "hostport" }]);
    expect(noOutput).toThrow(/has no hostport output/);
    const noSecret = () => resolveEnv(ctx({}), [{ key: "S", secret: "tenant" }]);
    expect(noSecret).toThrow(/no value/);
    const noVar = () =>
      resolveEnv(ctx({ "service:api": api }), [{ key: "X", from: "service:api", envVarKey: "NOPE" }]);
    expect(noVar).toThrow(/has no variable NOPE/);
  });
});
