import { createHmac } from "node:crypto";
import type { OperationErrorCode } from "../../domain/operation-errors.js";
import type { ServiceKind } from "../../domain/resources.js";
import { resolveEnv } from "../env.js";
import { ownerMarker, ownerMarkerText } from "../ownership.js";
import {
  ABSENT,
  type ActionResult,
  type Observed,
  type ProviderContext,
  ProviderError,
  type RecordedResource,
  type ResourceDriver,
} from "../provider.js";
import type { RenderClient } from "./client.js";
import { type Collection, deleteAndConfirm, findObject, OWNER_ENV_KEY, required } from "./lookup.js";
import { customDomains, serviceBody, servicePatchBody, serviceType, staticRules } from "./mapping.js";

/**
 * Render services (web, private, worker, cron, static): created with every env var as a
 * literal value, then followed deploy by deploy until `live`.
 *
 * A deploy being followed is recorded in the resource's outputs (`deployId`, and
 * `deployFor`: a hash of the spec and resolved env it deploys, never the values), so a
 * pass that comes back — or another worker after a crash — follows the same deploy
 * instead of starting a second one. An update applies the spec (`PATCH`), replaces the env
 * vars (`PUT`) and triggers one deploy; Render's terminal statuses (`build_failed`,
 * `update_failed`, `pre_deploy_failed`, `canceled`) fail the operation with that status.
 *
 * Every service carries the tenant's ownership marker as its own env var `TENANTRY_OWNER`
 * (set by the create, kept by every env-var update, which replaces the whole list): a
 * service whose id was never recorded is adopted only when it carries this tenant's marker.
 */

interface Service {
  id: string;
  name: string;
  type: string;
  slug?: string;
  createdAt?: string;
  dashboardUrl?: string;
  suspended?: string;
  serviceDetails?: { url?: string; numInstances?: number };
}

interface Deploy {
  id: string;
  status?: string;
  createdAt?: string;
}

const IN_PROGRESS = new Set([
  "created",
  "queued",
  "build_in_progress",
  "update_in_progress",
  "pre_deploy_in_progress",
]);
/** Deploy statuses that fail the operation, with the code each is recorded with. */
const FAILED = new Map<string, OperationErrorCode>([
  ["build_failed", "RENDER_DEPLOY_BUILD_FAILED"],
  ["update_failed", "RENDER_DEPLOY_UPDATE_FAILED"],
  ["pre_deploy_failed", "RENDER_DEPLOY_PRE_DEPLOY_FAILED"],
  ["canceled", "RENDER_DEPLOY_CANCELED"],
]);

/** Render's default `PORT` for web and private services. */
const RENDER_PORT = 10000;

export interface ServiceDriverOptions {
  client: RenderClient;
  ownerId: string;
  /** How soon to look again while a deploy runs. @default 5000 */
  pollMs?: number;
  /**
   * Key of the HMAC that fingerprints what a deploy deploys (`deployFor`, shown in the
   * outputs): without it, the fingerprint of a weak secret could be guessed offline.
   */
  hashKey: string;
}

const str = (o: Record<string, unknown>, k: string) =>
  typeof o[k] === "string" ? (o[k] as string) : undefined;

export function createServiceDriver(options: ServiceDriverOptions): ResourceDriver<ServiceKind> {
  const { client, ownerId } = options;
  const pollMs = options.pollMs ?? 5000;
  const item = (id: string) => `/services/${encodeURIComponent(id)}`;

  const collection: Collection<Service> = {
    client,
    path: "/services",
    itemKey: "service",
    ownerId,
    label: "service",
    // The service's own variable: one of a linked env group does not count.
    marker: async (ctx, service) =>
      (
        await client.find<{ key: string; value?: string }>(
          `${item(service.id)}/env-vars/${encodeURIComponent(OWNER_ENV_KEY)}`,
          { ctx },
        )
      )?.value,
  };
  const find = (ctx: ProviderContext, r: RecordedResource<ServiceKind>) => findObject(collection, ctx, r);

  const bindings = (r: RecordedResource<ServiceKind>) => r.spec.envVars;

  /**
   * The service's own variables (the ones from env groups come through the linked groups),
   * and the ownership marker, which no blueprint variable overrides. Every write of the
   * service's env vars sends this whole set, so the marker is never dropped.
   */
  function env(ctx: ProviderContext, r: RecordedResource<ServiceKind>): Record<string, string> {
    return {
      ...resolveEnv(
        ctx,
        bindings(r).filter((b) => !b.group),
      ),
      [OWNER_ENV_KEY]: ownerMarkerText(ownerMarker(ctx)),
    };
  }

  /** Render ids of the env groups the service uses (created first: they are dependencies). */
  function groupIds(ctx: ProviderContext, r: RecordedResource<ServiceKind>): string[] {
    const keys = [...new Set(bindings(r).flatMap((b) => (b.group ? [b.group] : [])))];
    return keys.map((key) => {
      const id = ctx.resource(key)?.providerId;
      if (!id) {
        throw new ProviderError(`${r.key}: env group ${key} does not exist yet`, {
          retryable: true,
          code: "DEPENDENCY_PENDING",
        });
      }
      return id;
    });
  }

  /** Links the env groups (idempotent on Render's side). */
  async function linkGroups(ctx: ProviderContext, serviceId: string, ids: string[]): Promise<void> {
    for (const id of ids) {
      await client.request(
        "POST",
        `/env-groups/${encodeURIComponent(id)}/services/${encodeURIComponent(serviceId)}`,
        {
          ctx,
          idempotent: true,
        },
      );
    }
  }

  /**
   * What a deploy deploys: the spec, the env values and the linked groups' values, as a
   * keyed fingerprint (the values never leave memory). The groups' values count: a
   * rotated secret of a group the service links is deployed to it, whatever Render does
   * on its own when a group changes.
   */
  function deployHash(
    ctx: ProviderContext,
    r: RecordedResource<ServiceKind>,
    values: Record<string, string>,
    groups: string[],
  ): string {
    const fromGroups = resolveEnv(
      ctx,
      bindings(r).filter((b) => b.group),
    );
    const parts: unknown[] = [r.spec, Object.entries(values).sort(), groups];
    // Left out when there are none: hashes of services without groups stay as they were.
    if (Object.keys(fromGroups).length > 0) parts.push(Object.entries(fromGroups).sort());
    return createHmac("sha256", options.hashKey).update(JSON.stringify(parts)).digest("hex").slice(0, 16);
  }

  function outputsOf(service: Service, deploy?: Deploy): Record<string, unknown> {
    const host = service.slug ?? service.name;
    const hasPort = service.type === "web_service" || service.type === "private_service";
    return {
      id: service.id,
      name: service.name,
      type: service.type,
      dashboardUrl: service.dashboardUrl,
      ...(service.serviceDetails?.url ? { url: service.serviceDetails.url } : {}),
      host,
      ...(hasPort ? { port: RENDER_PORT, hostport: `${host}:${RENDER_PORT}` } : {}),
      ...(deploy ? { deployId: deploy.id, deployStatus: deploy.status } : {}),
    };
  }

  /**
   * The deploy to follow: the newest one. After a create or an update that is the one
   * Tenantry triggered, or a newer one (a push with auto-deploy on) carrying the same
   * settings and newer code — so retrying a tenant whose build failed succeeds once a
   * fix was pushed. The recorded deploy is the fallback when the list is empty.
   */
  async function deployOf(
    ctx: ProviderContext,
    service: Service,
    r: RecordedResource<ServiceKind>,
  ): Promise<Deploy | undefined> {
    const newest = await client.get<{ deploy?: Deploy }[]>(`${item(service.id)}/deploys`, {
      query: { limit: 1 },
      ctx,
    });
    if (newest[0]?.deploy) return newest[0].deploy;
    const recorded = str(r.outputs, "deployId");
    if (!recorded) return undefined;
    return client.find<Deploy>(`${item(service.id)}/deploys/${encodeURIComponent(recorded)}`, {
      ctx,
    });
  }

  /** Ready once its deploy is live; pending while it runs; a failed deploy fails for good. */
  function describe(service: Service, deploy: Deploy | undefined): Observed {
    const outputs = outputsOf(service, deploy);
    if (service.suspended === "suspended") return { providerId: service.id, state: "suspended", outputs };
    const status = deploy?.status;
    const failed = status ? FAILED.get(status) : undefined;
    if (failed) {
      throw new ProviderError(`${service.name}: deploy ${deploy?.id} ended ${status} on Render`, {
        retryable: false,
        code: failed,
      });
    }
    if (status && IN_PROGRESS.has(status)) {
      return {
        providerId: service.id,
        state: "converging",
        retryAfterMs: pollMs,
        outputs,
        detail: `deploy ${status}`,
      };
    }
    return { providerId: service.id, state: "ready", outputs };
  }

  function settle(observed: Observed, extra: Record<string, unknown> = {}): ActionResult {
    if (observed.state === "converging") {
      return {
        state: "pending",
        retryAfterMs: pollMs,
        providerId: observed.providerId,
        detail: observed.detail,
        outputs: { ...observed.outputs, ...extra },
      };
    }
    return { state: "done", providerId: observed.providerId, outputs: { ...observed.outputs, ...extra } };
  }

  async function current(ctx: ProviderContext, r: RecordedResource<ServiceKind>): Promise<Service> {
    return required(await find(ctx, r), "service", r);
  }

  /** Adds the blueprint's custom domains that are missing, removes the ones it dropped. */
  async function syncDomains(
    ctx: ProviderContext,
    service: Service,
    r: RecordedResource<ServiceKind>,
  ): Promise<void> {
    const type = serviceType(r.kind, r.spec);
    if (type !== "web_service" && type !== "static_site") return;
    const want = customDomains(r.spec);
    const have = (
      await client.list<{ id: string; name: string }>(
        `${item(service.id)}/custom-domains`,
        "customDomain",
        {},
        ctx,
      )
    ).map((d) => d.name);
    for (const name of want.filter((d) => !have.includes(d))) {
      await client.request("POST", `${item(service.id)}/custom-domains`, {
        body: { name },
        ctx,
        idempotent: true,
      });
    }
    for (const name of have.filter((d) => !want.includes(d))) {
      await client.request("DELETE", `${item(service.id)}/custom-domains/${encodeURIComponent(name)}`, {
        ctx,
      });
    }
  }

  /** A static site's headers and redirect/rewrite rules, replaced as a whole. */
  async function syncStaticRules(
    ctx: ProviderContext,
    serviceId: string,
    r: RecordedResource<ServiceKind>,
  ): Promise<void> {
    const { headers = [], routes = [] } = staticRules(r.spec);
    await client.request("PUT", `${item(serviceId)}/headers`, { body: headers, ctx });
    await client.request("PUT", `${item(serviceId)}/routes`, { body: routes, ctx });
  }

  /**
   * Applies the spec and env to an existing service and deploys them once: when the
   * recorded deploy already deploys this hash, it is followed instead.
   */
  async function converge(
    ctx: ProviderContext,
    r: RecordedResource<ServiceKind>,
    service: Service,
  ): Promise<ActionResult> {
    const values = env(ctx, r);
    const groups = groupIds(ctx, r);
    const hash = deployHash(ctx, r, values, groups);
    if (str(r.outputs, "deployFor") === hash) {
      return settle(describe(service, await deployOf(ctx, service, r)), {
        deployFor: hash,
        envGroupIds: groups,
      });
    }
    const updated = await client.request<Service>("PATCH", item(service.id), {
      body: servicePatchBody(r.kind, r.externalName, ownerId, r.spec),
      ctx,
    });
    await client.request("PUT", `${item(service.id)}/env-vars`, {
      body: Object.entries(values).map(([key, value]) => ({ key, value })),
      ctx,
    });
    await linkGroups(ctx, service.id, groups);
    // Groups the service no longer uses (recorded when they were linked) are unlinked.
    const before = Array.isArray(r.outputs["envGroupIds"]) ? (r.outputs["envGroupIds"] as string[]) : [];
    for (const id of before.filter((g) => !groups.includes(g))) {
      try {
        await client.request(
          "DELETE",
          `/env-groups/${encodeURIComponent(id)}/services/${encodeURIComponent(service.id)}`,
          { ctx },
        );
      } catch (err) {
        // Already unlinked, or the group is gone.
        if (!(err instanceof ProviderError && err.code === "RENDER_404")) throw err;
      }
    }
    await syncDomains(ctx, service, r);
    if (serviceType(r.kind, r.spec) === "static_site") await syncStaticRules(ctx, service.id, r);
    // Instance counts are not part of PATCH: Render scales through its own endpoint.
    const instances = r.spec.numInstances;
    if (typeof instances === "number" && (updated ?? service).serviceDetails?.numInstances !== instances) {
      await client.request("POST", `${item(service.id)}/scale`, {
        body: { numInstances: instances },
        ctx,
        idempotent: true,
      });
    }
    const deploy = await client.request<Deploy | undefined>("POST", `${item(service.id)}/deploys`, {
      body: {},
      ctx,
    });
    // 202 (queued behind a running deploy) has no body: follow the newest then.
    const followed = deploy ?? (await deployOf(ctx, updated ?? service, { ...r, outputs: {} }));
    return settle(describe(updated ?? service, followed), { deployFor: hash, envGroupIds: groups });
  }

  return {
    async observe(ctx, r) {
      const service = await find(ctx, r);
      if (!service) return ABSENT;
      const observed = describe(service, await deployOf(ctx, service, r));
      // What Tenantry recorded about its own deploys and links stays with the outputs.
      const kept = Object.fromEntries(
        ["deployFor", "envGroupIds"].filter((k) => r.outputs[k] !== undefined).map((k) => [k, r.outputs[k]]),
      );
      return { ...observed, outputs: { ...kept, ...observed.outputs } };
    },

    async apply(ctx, r, observed) {
      if (observed) {
        // Found by name but never recorded (a crash after the create): make it match the
        // spec and env, deploying only if they differ from what its deploy was for.
        const service = await current(ctx, { ...r, providerId: observed.providerId });
        return converge(ctx, { ...r, outputs: { ...r.outputs, ...observed.outputs } }, service);
      }
      if (r.providerId !== null) return converge(ctx, r, await current(ctx, r));
      const values = env(ctx, r);
      const groups = groupIds(ctx, r);
      const created = await client.request<{ service: Service; deployId?: string }>("POST", "/services", {
        body: serviceBody(r.kind, r.externalName, ownerId, r.spec, values),
        ctx,
      });
      let deployId = created.deployId;
      if (groups.length > 0) {
        // The first deploy started without the groups' variables: link them, deploy again.
        await linkGroups(ctx, created.service.id, groups);
        const again = await client.request<Deploy | undefined>(
          "POST",
          `${item(created.service.id)}/deploys`,
          {
            body: {},
            ctx,
          },
        );
        deployId = again?.id ?? deployId;
      }
      const extra = {
        deployFor: deployHash(ctx, r, values, groups),
        envGroupIds: groups,
        ...(deployId ? { deployId } : {}),
      };
      if (customDomains(r.spec).length > 0) await syncDomains(ctx, created.service, r);
      return {
        state: "pending",
        retryAfterMs: pollMs,
        providerId: created.service.id,
        detail: "deploy created",
        outputs: { ...outputsOf(created.service), ...extra },
      };
    },

    async setRunning(ctx, r, running) {
      const service = await current(ctx, r);
      const suspended = service.suspended === "suspended";
      if (!running) {
        if (!suspended)
          await client.request("POST", `${item(service.id)}/suspend`, { ctx, idempotent: true });
        return { state: "done", providerId: service.id };
      }
      if (suspended) await client.request("POST", `${item(service.id)}/resume`, { ctx, idempotent: true });
      const resumed = suspended ? await current(ctx, { ...r, providerId: service.id }) : service;
      if (resumed.suspended === "suspended") {
        return { state: "pending", retryAfterMs: pollMs, providerId: service.id, detail: "resuming" };
      }
      return { state: "done", providerId: service.id, outputs: { ...r.outputs, ...outputsOf(resumed) } };
    },

    delete: (ctx, r) => deleteAndConfirm(collection, ctx, r, { pollMs }),
  };
}
