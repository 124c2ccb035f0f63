import { pino } from "pino";
import { describe, expect, it } from "vitest";
import type { EnvBinding } from "../src/blueprints/render.js";
import { providerContext } from "../src/providers/context.js";
import { lateInputs, resolveEnv } from "../src/providers/env.js";
import { type ProviderContext, ProviderError, type RecordedResource } from "../src/providers/provider.js";

/**
 * Late bindings (services that reference each other): left out while the other service
 * does not exist or has not reported the value, and fingerprinted so the engine updates
 * the service once it is known. Ordinary bindings still fail loudly when their source is
 * missing.
 */

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

const late: EnvBinding = { key: "PEER", from: "service:peer", property: "hostport", late: true };
const plain: EnvBinding = { key: "NAME", value: "x" };

describe("late env bindings", () => {
  it("leaves a late variable out until its service exists and reports the value", () => {
    expect(resolveEnv(ctx({}), [plain, late])).toEqual({ NAME: "x" });
    expect(resolveEnv(ctx({ "service:peer": { outputs: {} } }), [plain, late])).toEqual({ NAME: "x" });
    expect(
      resolveEnv(ctx({ "service:peer": { outputs: { hostport: "127.0.0.1:20001" } } }), [plain, late]),
    ).toEqual({ NAME: "x", PEER: "127.0.0.1:20001" });
  });

  it("still refuses an ordinary reference whose source is missing", () => {
    const { late: _late, ...ordinary } = late as EnvBinding & { late?: true };
    expect(() => resolveEnv(ctx({}), [ordinary as EnvBinding])).toThrow(ProviderError);
  });

  it("fingerprints what late bindings resolve to, never the values themselves", () => {
    expect(lateInputs(ctx({}), [plain])).toBeUndefined();
    const before = lateInputs(ctx({}), [plain, late]);
    const known = lateInputs(ctx({ "service:peer": { outputs: { hostport: "127.0.0.1:20001" } } }), [late]);
    const moved = lateInputs(ctx({ "service:peer": { outputs: { hostport: "127.0.0.1:20002" } } }), [late]);
    expect(before).toBe("PEER=?");
    expect(known).not.toBe(before);
    expect(moved).not.toBe(known);
    expect(known).not.toContain("20001");
  });

  it("reads a tenant secret under the key another service declared it with", () => {
    expect(
      resolveEnv(ctx({}, { STRIPE_KEY: "sk_live" }), [
        { key: "PAYMENTS_KEY", secret: "tenant", secretKey: "STRIPE_KEY" },
      ]),
    ).toEqual({ PAYMENTS_KEY: "sk_live" });
  });
});
