import { becomeAvailable, ipAllowListOf, regionOf, setSuspended } from "./datastores.js";
import { badRequest, notFound } from "./errors.js";
import { derived, newId, secretFor, sqlName } from "./ids.js";
import { asObject, inTimeRange, listParam, matchesAny, optionalString, requiredString } from "./input.js";
import { paginate } from "./pagination.js";
import { accepted, type Context, created, noContent, ok, type Route } from "./router.js";
import { ownerOr404 } from "./routes-services.js";
import { iso, type PostgresRecord, type Store } from "./store.js";
import type { Postgres } from "./types.js";

/**
 * Render Postgres: `creating` for `timings.postgresCreateMs`, then `available`. Omitted
 * `databaseName`/`databaseUser` are derived from the name (`<name>_<4 chars>`,
 * `<name>_user`); connections are allowed from everywhere unless `ipAllowList` says
 * otherwise; free instances expire after 30 days. Connection info is fake but
 * well-formed and fixed per instance.
 */
const VERSIONS = ["11", "12", "13", "14", "15", "16", "17", "18"];

function postgresOr404(store: Store, id: string): PostgresRecord {
  const rec = store.postgres.get(id);
  if (!rec) throw notFound("postgres instance", id);
  return rec;
}

const view = (rec: PostgresRecord): Postgres => structuredClone(rec.postgres);

export const postgresRoutes: Route[] = [
  {
    method: "GET",
    template: "/postgres",
    handle({ store, query }) {
      const names = listParam(query, "name");
      const owners = listParam(query, "ownerId");
      const regions = listParam(query, "region");
      const suspended = listParam(query, "suspended");
      const environments = listParam(query, "environmentId");
      const all = [...store.postgres.values()].filter(
        ({ postgres: p }) =>
          matchesAny(names, p.name) &&
          matchesAny(owners, p.owner.id) &&
          matchesAny(regions, p.region) &&
          matchesAny(suspended, p.suspended) &&
          matchesAny(environments, p.environmentId) &&
          inTimeRange(query, "created", p.createdAt) &&
          inTimeRange(query, "updated", p.updatedAt),
      );
      const page = paginate(all, query, { seqOf: (r) => r.seq, seqOfCursor: (c) => store.seqOf(c) });
      return ok(page.map((r) => ({ postgres: view(r), cursor: r.postgres.id })));
    },
  },
  { method: "POST", template: "/postgres", handle: createPostgres },
  {
    method: "GET",
    template: "/postgres/{postgresId}",
    handle: ({ store, params }) => ok(view(postgresOr404(store, params["postgresId"]!))),
  },
  { method: "PATCH", template: "/postgres/{postgresId}", handle: updatePostgres },
  {
    method: "DELETE",
    template: "/postgres/{postgresId}",
    handle({ store, params }) {
      store.postgres.delete(postgresOr404(store, params["postgresId"]!).postgres.id);
      return noContent;
    },
  },
  {
    method: "GET",
    template: "/postgres/{postgresId}/connection-info",
    handle({ store, params }) {
      const { postgres: p, password } = postgresOr404(store, params["postgresId"]!);
      const host = `${p.id}.${p.region}-postgres.render.com`;
      return ok({
        password,
        internalConnectionString: `postgresql://${p.databaseUser}:${password}@${p.id}/${p.databaseName}`,
        externalConnectionString: `postgresql://${p.databaseUser}:${password}@${host}/${p.databaseName}`,
        psqlCommand: `PGPASSWORD=${password} psql -h ${host} -U ${p.databaseUser} ${p.databaseName}`,
      });
    },
  },
  {
    method: "POST",
    template: "/postgres/{postgresId}/suspend",
    handle({ store, params, now }) {
      setSuspended(postgresOr404(store, params["postgresId"]!).postgres, true, now);
      return accepted;
    },
  },
  {
    method: "POST",
    template: "/postgres/{postgresId}/resume",
    handle({ store, params, now }) {
      setSuspended(postgresOr404(store, params["postgresId"]!).postgres, false, now);
      return accepted;
    },
  },
];

function createPostgres({ store, body, now }: Context) {
  const input = asObject(body);
  const name = requiredString(input, "name");
  const ownerId = requiredString(input, "ownerId");
  ownerOr404(store, ownerId);
  const plan = requiredString(input, "plan");
  const version = requiredString(input, "version");
  if (!VERSIONS.includes(version)) throw badRequest(`version must be one of ${VERSIONS.join(", ")}`);
  const { id, seq } = store.issue("dpg", "-a");
  const base = sqlName(name);
  const postgres: Postgres = {
    id,
    name,
    owner: structuredClone(store.owner),
    plan,
    region: regionOf(input),
    version,
    status: "creating",
    databaseName: optionalString(input, "databaseName") ?? `${base}_${derived(`db:${id}`, 4)}`,
    databaseUser: optionalString(input, "databaseUser") ?? `${base}_user`,
    highAvailabilityEnabled: input["enableHighAvailability"] === true,
    diskAutoscalingEnabled: input["enableDiskAutoscaling"] === true,
    ipAllowList: ipAllowListOf(input["ipAllowList"], [{ cidrBlock: "0.0.0.0/0", description: "everywhere" }]),
    readReplicas: replicasOf(input["readReplicas"]),
    role: "primary",
    suspended: "not_suspended",
    suspenders: [],
    dashboardUrl: `https://dashboard.render.com/d/${id}`,
    createdAt: iso(now),
    updatedAt: iso(now),
  };
  if (typeof input["diskSizeGB"] === "number") postgres.diskSizeGB = input["diskSizeGB"];
  const environmentId = optionalString(input, "environmentId");
  if (environmentId !== undefined) postgres.environmentId = environmentId;
  if (plan === "free") postgres.expiresAt = iso(now + 30 * 24 * 3_600_000);
  const rec: PostgresRecord = { seq, postgres, password: secretFor(id) };
  store.postgres.set(id, rec);
  becomeAvailable(store, postgres, now, store.timings.postgresCreateMs, () => store.postgres.get(id) === rec);
  return created(view(rec));
}

function updatePostgres({ store, params, body, now }: Context) {
  const p = postgresOr404(store, params["postgresId"]!).postgres;
  const input = asObject(body);
  const name = optionalString(input, "name");
  if (name !== undefined) p.name = name;
  const plan = optionalString(input, "plan");
  if (plan !== undefined) {
    p.plan = plan;
    if (plan !== "free") delete p.expiresAt;
  }
  if (typeof input["diskSizeGB"] === "number") {
    if (p.diskSizeGB !== undefined && input["diskSizeGB"] < p.diskSizeGB) {
      throw badRequest("diskSizeGB cannot decrease");
    }
    p.diskSizeGB = input["diskSizeGB"];
  }
  if (typeof input["enableDiskAutoscaling"] === "boolean")
    p.diskAutoscalingEnabled = input["enableDiskAutoscaling"];
  if (typeof input["enableHighAvailability"] === "boolean")
    p.highAvailabilityEnabled = input["enableHighAvailability"];
  if (input["ipAllowList"] !== undefined) p.ipAllowList = ipAllowListOf(input["ipAllowList"], []);
  if (input["readReplicas"] !== undefined) p.readReplicas = replicasOf(input["readReplicas"]);
  p.updatedAt = iso(now);
  return ok(structuredClone(p));
}

function replicasOf(value: unknown): Postgres["readReplicas"] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw badRequest("readReplicas must be an array");
  return value.map((r, i) => {
    const name = (r as Record<string, unknown> | null)?.["name"];
    if (typeof name !== "string") throw badRequest(`readReplicas[${i}].name is required`);
    return { id: newId("dpg"), name };
  });
}
