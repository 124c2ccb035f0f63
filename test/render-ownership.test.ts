import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { providerContext } from "../src/providers/context.js";
import { ownerMarker, ownerMarkerText } from "../src/providers/ownership.js";
import {
  ABSENT,
  type Observation,
  type ProviderContext,
  type RecordedResource,
  type ResourceDriver,
} from "../src/providers/provider.js";
import { RenderClient } from "../src/providers/render/client.js";
import { createDatastoreDriver, KEY_VALUE, POSTGRES } from "../src/providers/render/datastore-driver.js";
import { createEnvGroupDriver } from "../src/providers/render/env-group-driver.js";
import { CLOCK_SKEW_MS } from "../src/providers/render/lookup.js";
import { RenderRateLimiter } from "../src/providers/render/rate-limits.js";
import { createServiceDriver } from "../src/providers/render/service-driver.js";
import { type FakeRender, startFakeRender } from "./support/fake-render/index.js";

/**
 * The Render drivers own exactly what they create: an object with the tenant's name is
 * adopted or deleted only when it is provably the tenant's (its `TENANTRY_OWNER` marker,
 * or for datastores its creation time), and a recorded id is the only way to an object
 * once there is one (a 404 by it means gone; the name is not looked up then). Against
 * the fake Render API, driver by driver; test/render-ownership.e2e.test.ts runs whole
 * tenants.
 */

let fake: FakeRender;
/** Every log line of the contexts below. */
let logText = "";
const logger = pino(
  { level: "info" },
  {
    write: (line: string) => {
      logText += line;
    },
  },
);

const client = () =>
  new RenderClient({
    apiKey: fake.apiKey,
    baseUrl: fake.url,
    limiter: new RenderRateLimiter({ scale: 3600 }),
    retry: { baseMs: 5, maxMs: 20 },
  });

function contextOf(tenantId: string): ProviderContext {
  return providerContext({
    tenant: { id: tenantId, slug: "shared", name: "Shared", organizationId: "org-1" },
    installationId: "install-1",
    logger,
  });
}
const ctx = contextOf("00000000-0000-4000-8000-0000000000a1");
const other = contextOf("00000000-0000-4000-8000-0000000000b2");
const markerOf = (c: ProviderContext) => ownerMarkerText(ownerMarker(c));

let n = 0;
/**
 * A resource whose create's outcome is unknown (`creating`, no id), requested `requestedAt`,
 * with the least spec of its kind.
 */
function unknown(kind: "worker", name: string, requestedAt?: Date | null): RecordedResource<"worker">;
function unknown(kind: "envgroup", name: string, requestedAt?: Date | null): RecordedResource<"envgroup">;
function unknown(kind: "postgres", name: string, requestedAt?: Date | null): RecordedResource<"postgres">;
function unknown(
  kind: "worker" | "envgroup" | "postgres",
  name: string,
  requestedAt: Date | null = new Date(),
): RecordedResource {
  const base = {
    key: `x:${kind}-${++n}`,
    externalName: name,
    dependsOn: [],
    providerId: null,
    createRequestedAt: requestedAt,
    outputs: {},
    secretOutputs: {},
  };
  switch (kind) {
    case "worker":
      return { ...base, kind, spec: { type: kind, envVars: [] } };
    case "envgroup":
      return { ...base, kind, spec: { envVars: [] } };
    case "postgres":
      return { ...base, kind, spec: { name } };
  }
}

const providerIdOf = (o: Observation) => (o.state === "absent" ? undefined : o.providerId);

/** Creates an object on the fake by hand (as someone in Render's dashboard would), returns its id. */
async function byHand(path: string, body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${fake.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${fake.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ ownerId: fake.ownerId, ...body }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  const created = (await res.json()) as { id?: string; service?: { id: string } };
  return (created.id ?? created.service?.id)!;
}

const worker = (name: string, envVars: { key: string; value: string }[] = []) =>
  byHand("/services", {
    type: "background_worker",
    name,
    image: { ownerId: fake.ownerId, imagePath: "docker.io/library/busybox:1" },
    serviceDetails: { runtime: "image" },
    envVars,
  });
const database = (name: string) => byHand("/postgres", { name, plan: "basic_256mb", version: "17" });
const keyValue = (name: string) => byHand("/key-value", { name, plan: "starter" });
const envGroup = (name: string, envVars: { key: string; value: string }[] = []) =>
  byHand("/env-groups", { name, envVars });

/** Requests sent since `from` that name `id` in their path and could change it. */
const writesTo = (id: string, from: number) =>
  fake.requests.slice(from).filter((r) => r.method !== "GET" && r.path.includes(id));

let services: ResourceDriver;
let groups: ResourceDriver;
let postgres: ResourceDriver;
let keyValues: ResourceDriver;

beforeAll(async () => {
  fake = await startFakeRender({
    rateLimitScale: 3600,
    timings: { postgresCreateMs: 20, keyValueCreateMs: 20, buildMs: 20, deployMs: 20 },
  });
  services = createServiceDriver({ client: client(), ownerId: fake.ownerId, pollMs: 10, hashKey: "test" });
  groups = createEnvGroupDriver({ client: client(), ownerId: fake.ownerId });
  postgres = createDatastoreDriver(POSTGRES, { client: client(), ownerId: fake.ownerId, pollMs: 10 });
  keyValues = createDatastoreDriver(KEY_VALUE, { client: client(), ownerId: fake.ownerId, pollMs: 10 });
});
afterAll(async () => {
  await fake?.close();
});

describe("adopting by name after a create whose outcome is unknown", () => {
  it.each([
    ["service", () => services, worker],
    ["env group", () => groups, envGroup],
  ] as const)(
    "fails NAME_TAKEN for a %s without this tenant's marker, never adopting it",
    async (label, driver, make) => {
      const from = fake.requests.length;
      const bare = await make(`bare-${label.replace(" ", "-")}-shared-aaaaaaaa`);
      const err = await driver()
        .observe(ctx, unknown("worker", `bare-${label.replace(" ", "-")}-shared-aaaaaaaa`))
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ code: "NAME_TAKEN", retryable: false });
      expect((err as Error).message).toContain(
        `${label} bare-${label.replace(" ", "-")}-shared-aaaaaaaa (${bare})`,
      );
      expect((err as Error).message).toMatch(/no TENANTRY_OWNER ownership marker/);

      // Another tenant's marker (same slug, same installation) is no better.
      const theirs = `theirs-${label.replace(" ", "-")}-shared-aaaaaaaa`;
      const theirId = await make(theirs, [{ key: "TENANTRY_OWNER", value: markerOf(other) }]);
      const err2 = await driver()
        .observe(ctx, unknown("worker", theirs))
        .catch((e: unknown) => e);
      expect(err2).toMatchObject({ code: "NAME_TAKEN" });
      expect((err2 as Error).message).toContain(theirId);
      expect((err2 as Error).message).toMatch(/marker is another tenant's/);
      // The message does not quote the other tenant's marker.
      expect((err2 as Error).message).not.toContain(markerOf(other));
      // The owner does find it.
      expect(providerIdOf(await driver().observe(other, unknown("worker", theirs)))).toBe(theirId);
      expect([...writesTo(bare, from), ...writesTo(theirId, from)]).toEqual([]);
    },
  );

  it("adopts this tenant's marked service, ignoring an unmarked one with the same name", async () => {
    const name = "web-shared-bbbbbbbb";
    const stranger = await worker(name);
    const ours = await worker(name, [{ key: "TENANTRY_OWNER", value: markerOf(ctx) }]);
    const found = await services.observe(ctx, unknown("worker", name));
    expect(providerIdOf(found)).toBe(ours);
    expect(logText).toContain(`service ${name} (${stranger}) has this tenant's name but is not its own`);
  });

  it("takes the oldest of several of the tenant's objects with one name", async () => {
    const name = "dup-shared-cccccccc";
    const first = await envGroup(name, [{ key: "TENANTRY_OWNER", value: markerOf(ctx) }]);
    await new Promise((r) => setTimeout(r, 5));
    await envGroup(name, [{ key: "TENANTRY_OWNER", value: markerOf(ctx) }]);
    expect(providerIdOf(await groups.observe(ctx, unknown("envgroup", name)))).toBe(first);
  });

  it.each([
    ["database", () => postgres, database],
    ["Key Value", () => keyValues, keyValue],
  ] as const)(
    "adopts a %s (no marker) only if made after the engine asked for it",
    async (label, driver, make) => {
      const name = `${label === "database" ? "db" : "kv"}-shared-dddddddd`;
      const from = fake.requests.length;
      const id = await make(name);
      // Made within the clock-skew allowance before the request, or after it: the tenant's.
      const soon = new Date(Date.now() + CLOCK_SKEW_MS - 10_000);
      expect(providerIdOf(await driver().observe(ctx, unknown("postgres", name, soon)))).toBe(id);
      // Made well before the engine asked: someone else's.
      const later = new Date(Date.now() + CLOCK_SKEW_MS + 60_000);
      const err = await driver()
        .observe(ctx, unknown("postgres", name, later))
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ code: "NAME_TAKEN", retryable: false });
      expect((err as Error).message).toContain(`${label} ${name} (${id})`);
      expect((err as Error).message).toMatch(/before this tenant asked for it/);
      // No record of when the create was asked for (a resource recorded before Tenantry
      // kept it): nothing proves it is the tenant's.
      const err2 = await driver()
        .observe(ctx, unknown("postgres", name, null))
        .catch((e: unknown) => e);
      expect(err2).toMatchObject({ code: "NAME_TAKEN" });
      expect(writesTo(id, from)).toEqual([]);
    },
  );
});

describe("a recorded id is the only way to the object", () => {
  it("observes a recorded id that answers 404 as gone, without looking up the name", async () => {
    const name = "gone-shared-eeeeeeee";
    await worker(name, [{ key: "TENANTRY_OWNER", value: markerOf(ctx) }]);
    const from = fake.requests.length;
    const r = { ...unknown("worker", name), providerId: "srv-doesnotexist000000" };
    expect(await services.observe(ctx, r)).toEqual(ABSENT);
    expect(fake.requests.slice(from).map((x) => `${x.method} ${x.path}`)).toEqual([
      "GET /services/srv-doesnotexist000000",
    ]);
  });

  it("fails an update of a recorded object that is gone as retryable, touching nothing", async () => {
    const name = "upd-shared-ffffffff";
    await database(name);
    const from = fake.requests.length;
    const r = { ...unknown("postgres", name), providerId: "dpg-doesnotexist00000-a" };
    // An apply with a recorded id and nothing observed: an update of the recorded object.
    const err = await postgres.apply(ctx, r).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "RENDER_NOT_FOUND", retryable: true });
    expect((err as Error).message).toContain("dpg-doesnotexist00000-a");
    expect(fake.requests.slice(from).map((x) => `${x.method} ${x.path}`)).toEqual([
      "GET /postgres/dpg-doesnotexist00000-a",
    ]);
  });

  it.each([
    ["service", () => services, worker, "/services/srv-doesnotexist000000"],
    ["env group", () => groups, envGroup, "/env-groups/evg-doesnotexist000000"],
    ["database", () => postgres, database, "/postgres/dpg-doesnotexist00000-a"],
    ["Key Value", () => keyValues, keyValue, "/key-value/red-doesnotexist000000"],
  ] as const)(
    "deletes a %s only by its recorded id: a 404 is done, a same-named object is untouched",
    async (label, driver, make, path) => {
      const name = `del-${label.replace(" ", "-").toLowerCase()}-shared-gggggggg`;
      const sameName = await (make as (n: string, v?: { key: string; value: string }[]) => Promise<string>)(
        name,
        [{ key: "TENANTRY_OWNER", value: markerOf(ctx) }],
      );
      const from = fake.requests.length;
      const r = { ...unknown("worker", name), providerId: path.split("/")[2]! };
      expect(await driver().delete(ctx, r)).toEqual({ state: "done" });
      expect(fake.requests.slice(from).map((x) => `${x.method} ${x.path}`)).toEqual([
        `DELETE ${path}`,
        `GET ${path}`,
      ]);
      expect(fake.requests.slice(from).some((x) => x.path.includes(sameName))).toBe(false);
    },
  );

  it("deletes by name only the tenant's own when no id was recorded, and says what it left alone", async () => {
    const name = "orphan-shared-hhhhhhhh";
    const stranger = await worker(name);
    const theirs = await worker(name, [{ key: "TENANTRY_OWNER", value: markerOf(other) }]);
    const ours = await worker(name, [{ key: "TENANTRY_OWNER", value: markerOf(ctx) }]);
    const result = await services.delete(ctx, unknown("worker", name));
    expect(result).toEqual({ state: "done" });
    const left = fake.state.services().map((s) => s.id);
    expect(left).toContain(stranger);
    expect(left).toContain(theirs);
    expect(left).not.toContain(ours);
    expect(logText).toContain(`not deleting service ${name} (${stranger})`);
    expect(logText).toContain(`not deleting service ${name} (${theirs})`);
  });

  it("keeps nothing but what a name lookup proves: a database made before the ask is not deleted", async () => {
    const name = "old-db-shared-iiiiiiii";
    const id = await database(name);
    const later = new Date(Date.now() + CLOCK_SKEW_MS + 60_000);
    expect(await postgres.delete(ctx, unknown("postgres", name, later))).toEqual({ state: "done" });
    expect(fake.state.postgres().map((p) => p.id)).toContain(id);
    expect(logText).toContain(`not deleting database ${name} (${id})`);
  });
});

describe("the ownership marker", () => {
  const image = { type: "worker" as const, runtime: "image", image: { url: "docker.io/library/busybox:1" } };

  it("is set by every create and kept by every env-var update, whatever the blueprint says", async () => {
    const name = "marked-shared-jjjjjjjj";
    const spec = {
      ...image,
      envVars: [
        { key: "TENANTRY_OWNER", value: "forged" },
        { key: "MODE", value: "a" },
      ],
    };
    const r = { ...unknown("worker", name), spec };
    // apply without a provider id or an observation creates; with the id, it updates.
    const created = await services.apply(ctx, r);
    const id = created.providerId!;
    const env = () => Object.fromEntries(fake.state.envVars(id).map((v) => [v.key, v.value]));
    expect(env()).toEqual({ TENANTRY_OWNER: markerOf(ctx), MODE: "a" });
    const spec2 = { ...image, envVars: [{ key: "MODE", value: "b" }] };
    await services.apply(ctx, { ...r, providerId: id, spec: spec2, outputs: created.outputs ?? {} });
    expect(env()).toEqual({ TENANTRY_OWNER: markerOf(ctx), MODE: "b" });

    const g = {
      ...unknown("envgroup", "marked-group-shared-jjjjjjjj"),
      spec: { envVars: [{ key: "X", value: "1" }] },
    };
    const group = await groups.apply(ctx, g);
    const vars = () =>
      Object.fromEntries(
        fake.state
          .envGroups()
          .find((x) => x.id === group.providerId)!
          .envVars.map((v) => [v.key, v.value]),
      );
    expect(vars()).toEqual({ X: "1", TENANTRY_OWNER: markerOf(ctx) });
    // The outputs list the blueprint's keys only.
    expect(group.state === "done" && group.outputs?.["keys"]).toEqual(["X"]);
    await groups.apply(ctx, {
      ...g,
      providerId: group.providerId!,
      spec: { envVars: [{ key: "Y", value: "2" }] },
    });
    expect(vars()).toEqual({ TENANTRY_OWNER: markerOf(ctx), Y: "2" });
  });
});
