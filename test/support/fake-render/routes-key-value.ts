import { becomeAvailable, ipAllowListOf, regionOf, setSuspended } from "./datastores.js";
import { badRequest, notFound } from "./errors.js";
import { secretFor } from "./ids.js";
import { asObject, inTimeRange, listParam, matchesAny, optionalString, requiredString } from "./input.js";
import { paginate } from "./pagination.js";
import { accepted, type Context, created, noContent, ok, type Route } from "./router.js";
import { ownerOr404 } from "./routes-services.js";
import { iso, type KeyValueRecord, type Store } from "./store.js";
import type { KeyValue } from "./types.js";

/**
 * Render Key Value (Valkey 8): `creating` for `timings.keyValueCreateMs`, then
 * `available`. `maxmemoryPolicy` (underscored enum, default `allkeys_lru`) is echoed in
 * `options`. External connections are refused unless `ipAllowList` allows them; the
 * internal URL carries no password, the external one does (TLS).
 */
const MAXMEMORY_POLICIES = [
  "noeviction",
  "allkeys_lfu",
  "allkeys_lru",
  "allkeys_random",
  "volatile_lfu",
  "volatile_lru",
  "volatile_random",
  "volatile_ttl",
];

function keyValueOr404(store: Store, id: string): KeyValueRecord {
  const rec = store.keyValues.get(id);
  if (!rec) throw notFound("key value instance", id);
  return rec;
}

/** The list's `keyValue` requires `dashboardUrl`, `keyValueDetail` does not list it: both get the same object. */
const view = (rec: KeyValueRecord): KeyValue => structuredClone(rec.keyValue);

function policyOf(input: Record<string, unknown>): string | undefined {
  const policy = optionalString(input, "maxmemoryPolicy");
  if (policy !== undefined && !MAXMEMORY_POLICIES.includes(policy)) {
    throw badRequest(`maxmemoryPolicy must be one of ${MAXMEMORY_POLICIES.join(", ")}`);
  }
  return policy;
}

export const keyValueRoutes: Route[] = [
  {
    method: "GET",
    template: "/key-value",
    handle({ store, query }) {
      const names = listParam(query, "name");
      const owners = listParam(query, "ownerId");
      const regions = listParam(query, "region");
      const environments = listParam(query, "environmentId");
      const all = [...store.keyValues.values()].filter(
        ({ keyValue: k }) =>
          matchesAny(names, k.name) &&
          matchesAny(owners, k.owner.id) &&
          matchesAny(regions, k.region) &&
          matchesAny(environments, k.environmentId) &&
          inTimeRange(query, "created", k.createdAt) &&
          inTimeRange(query, "updated", k.updatedAt),
      );
      const page = paginate(all, query, { seqOf: (r) => r.seq, seqOfCursor: (c) => store.seqOf(c) });
      return ok(page.map((r) => ({ keyValue: view(r), cursor: r.keyValue.id })));
    },
  },
  { method: "POST", template: "/key-value", handle: createKeyValue },
  {
    method: "GET",
    template: "/key-value/{keyValueId}",
    handle: ({ store, params }) => ok(view(keyValueOr404(store, params["keyValueId"]!))),
  },
  {
    method: "PATCH",
    template: "/key-value/{keyValueId}",
    handle({ store, params, body, now }) {
      const k = keyValueOr404(store, params["keyValueId"]!).keyValue;
      const input = asObject(body);
      const name = optionalString(input, "name");
      if (name !== undefined) k.name = name;
      const plan = optionalString(input, "plan");
      if (plan !== undefined) k.plan = plan;
      const policy = policyOf(input);
      if (policy !== undefined) k.options.maxmemoryPolicy = policy;
      if (input["ipAllowList"] !== undefined) k.ipAllowList = ipAllowListOf(input["ipAllowList"], []);
      k.updatedAt = iso(now);
      return ok(structuredClone(k));
    },
  },
  {
    method: "DELETE",
    template: "/key-value/{keyValueId}",
    handle({ store, params }) {
      store.keyValues.delete(keyValueOr404(store, params["keyValueId"]!).keyValue.id);
      return noContent;
    },
  },
  {
    method: "GET",
    template: "/key-value/{keyValueId}/connection-info",
    handle({ store, params }) {
      const { keyValue: k, password } = keyValueOr404(store, params["keyValueId"]!);
      const host = `${k.region}-keyvalue.render.com`;
      return ok({
        internalConnectionString: `redis://${k.id}:6379`,
        externalConnectionString: `rediss://${k.id}:${password}@${host}:6379`,
        cliCommand: `valkey-cli --user ${k.id} -a ${password} -h ${host} -p 6379 --tls`,
      });
    },
  },
  {
    method: "POST",
    template: "/key-value/{keyValueId}/suspend",
    handle({ store, params, now }) {
      setSuspended(keyValueOr404(store, params["keyValueId"]!).keyValue, true, now);
      return accepted;
    },
  },
  {
    method: "POST",
    template: "/key-value/{keyValueId}/resume",
    handle({ store, params, now }) {
      setSuspended(keyValueOr404(store, params["keyValueId"]!).keyValue, false, now);
      return accepted;
    },
  },
];

function createKeyValue({ store, body, now }: Context) {
  const input = asObject(body);
  const name = requiredString(input, "name");
  const ownerId = requiredString(input, "ownerId");
  ownerOr404(store, ownerId);
  const plan = requiredString(input, "plan");
  const { id, seq } = store.issue("red");
  const keyValue: KeyValue = {
    id,
    name,
    owner: structuredClone(store.owner),
    plan,
    region: regionOf(input),
    status: "creating",
    options: { maxmemoryPolicy: policyOf(input) ?? "allkeys_lru" },
    ipAllowList: ipAllowListOf(input["ipAllowList"], []),
    version: "8.1.4",
    dashboardUrl: `https://dashboard.render.com/r/${id}`,
    createdAt: iso(now),
    updatedAt: iso(now),
  };
  const environmentId = optionalString(input, "environmentId");
  if (environmentId !== undefined) keyValue.environmentId = environmentId;
  const rec: KeyValueRecord = { seq, keyValue, password: secretFor(id) };
  store.keyValues.set(id, rec);
  becomeAvailable(
    store,
    keyValue,
    now,
    store.timings.keyValueCreateMs,
    () => store.keyValues.get(id) === rec,
  );
  return created(view(rec));
}
