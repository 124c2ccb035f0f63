import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addressProblem, allowanceProblem, guardedLookup, outboundUrlProblem } from "../src/lib/outbound.js";
import { type ApiClient, apiClient } from "./support/api.js";
import { startTestApp, type TestApp } from "./support/app.js";

/** Users' outbound URLs never reach Tenantry's own network unless it is allowed explicitly. */
describe("outbound address checks", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["10.1.2.3", "private"],
    ["172.16.0.9", "private"],
    ["192.168.1.1", "private"],
    ["169.254.169.254", "linkLocal"],
    ["100.64.0.1", "carrierGradeNat"],
    ["0.0.0.0", "unspecified"],
    ["224.0.0.1", "multicast"],
    ["::1", "loopback"],
    ["fe80::1", "linkLocal"],
    ["fd00::1", "uniqueLocal"],
    ["::ffff:10.0.0.1", "private"],
  ])("refuses %s (%s)", (address, range) => {
    expect(addressProblem(address)).toContain(`a ${range} address`);
  });

  it("accepts public addresses, and refused ranges the installation allows", () => {
    expect(addressProblem("140.82.112.3")).toBeNull();
    expect(addressProblem("2606:4700::6810:85e5")).toBeNull();
    expect(addressProblem("10.20.3.4", { networks: ["10.20.0.0/16"] })).toBeNull();
    expect(addressProblem("10.21.3.4", { networks: ["10.20.0.0/16"] })).toContain("private");
    expect(addressProblem("::ffff:10.20.0.1", { networks: ["10.20.0.0/16"] })).toBeNull();
  });

  it("resolves names and refuses one with any internal address", async () => {
    const lookup = async (host: string) =>
      host === "sneaky.example.com"
        ? [{ address: "140.82.112.3" }, { address: "169.254.169.254" }]
        : [{ address: "140.82.112.3" }];
    expect(await outboundUrlProblem("https://sneaky.example.com/a/b", undefined, lookup)).toMatch(
      /sneaky\.example\.com resolves to 169\.254\.169\.254 is a linkLocal address/,
    );
    expect(await outboundUrlProblem("https://github.com/a/b", undefined, lookup)).toBeNull();
    expect(
      await outboundUrlProblem(
        "https://sneaky.example.com/a/b",
        { networks: ["sneaky.example.com"] },
        lookup,
      ),
    ).toBeNull();
    expect(await outboundUrlProblem("https://[::1]/x")).toContain("loopback");
    expect(await outboundUrlProblem("https://app.localhost/x")).toContain("this machine");
    const unresolvable = async () => {
      throw Object.assign(new Error("nx"), { code: "ENOTFOUND" });
    };
    expect(await outboundUrlProblem("https://nowhere.invalid/x", undefined, unresolvable)).toBeNull();
  });

  it("checks the configuration's allowance", () => {
    expect(allowanceProblem(["10.0.0.0/8", "fd00::/8", "git.corp.internal", "192.168.1.10"])).toBeNull();
    expect(allowanceProblem(["10.0.0.0/99"])).toContain("not a CIDR");
    expect(allowanceProblem(["not a host"])).toContain("neither");
  });

  it("refuses to connect to an internal address at connect time (DNS rebinding)", async () => {
    const server = http.createServer((_req, res) => res.end("internal"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    try {
      const get = (agent: http.Agent) =>
        new Promise<string>((resolve, reject) => {
          http
            .get({ host: "localhost", port, path: "/", agent }, (res) => {
              res.resume();
              res.on("end", () => resolve(String(res.statusCode)));
            })
            .on("error", reject);
        });
      await expect(get(new http.Agent({ lookup: guardedLookup() }))).rejects.toThrow(
        /refusing to connect to localhost/,
      );
      expect(await get(new http.Agent({ lookup: guardedLookup({ networks: ["127.0.0.0/8", "::1"] }) }))).toBe(
        "200",
      );
    } finally {
      server.close();
    }
  });
});

describe("a tenant's plugin repository", () => {
  let t: TestApp;
  let api: ApiClient;
  const BLUEPRINT = `
parameters:
  custom_plugin_repo:
    type: string
databases: []
`;
  beforeAll(async () => {
    // The operator listed an address as a plugin host: still not reachable unless allowed.
    t = await startTestApp({ workers: false, env: { TENANTRY_PLUGIN_REPO_HOSTS: "127.0.0.1,10.0.0.7" } });
    api = apiClient(t);
    await api.json("POST", "/v1/blueprints", { name: "plugged", source: BLUEPRINT });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("refuses one on a loopback or private address with the field's path, creating nothing", async () => {
    for (const repo of ["https://127.0.0.1/acme/plugins.git", "https://10.0.0.7/acme/plugins.git"]) {
      const res = await api.call("POST", "/v1/tenants", {
        name: "Plugged",
        blueprint: "plugged",
        params: { custom_plugin_repo: repo },
      });
      expect(res.status, res.raw).toBe(400);
      expect(res.body.errors[0]).toMatchObject({ pointer: "/params/custom_plugin_repo" });
      expect(res.body.errors[0].message).toMatch(/loopback|private/);
    }
    expect((await api.json("GET", "/v1/tenants")).data).toHaveLength(0);
  });

  it("accepts it when TENANTRY_OUTBOUND_ALLOWED_NETWORKS allows the network", async () => {
    const allowed = await startTestApp({
      workers: false,
      env: { TENANTRY_PLUGIN_REPO_HOSTS: "10.0.0.7", TENANTRY_OUTBOUND_ALLOWED_NETWORKS: "10.0.0.0/24" },
    });
    try {
      const a = apiClient(allowed);
      await a.json("POST", "/v1/blueprints", { name: "plugged", source: BLUEPRINT });
      const res = await a.call("POST", "/v1/tenants", {
        name: "Plugged",
        blueprint: "plugged",
        params: { custom_plugin_repo: "https://10.0.0.7/acme/plugins.git" },
      });
      expect(res.status, res.raw).toBe(201);
    } finally {
      await allowed.close();
    }
  });
});
