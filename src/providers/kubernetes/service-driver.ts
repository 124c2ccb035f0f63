import { createHash } from "node:crypto";
import type { EnvBinding, RecordedResource, ServiceKind } from "../../domain/resources.js";
import { resolveEnv } from "../env.js";
import { nameTaken } from "../ownership.js";
import {
  ABSENT,
  type ActionResult,
  type Observation,
  type ProviderContext,
  ProviderError,
  type ResourceDriver,
} from "../provider.js";
import {
  ANNOTATION_KEY,
  CONTAINER_PORT,
  dnsLabel,
  isOwnedBy,
  jobManifest,
  type KubeObject,
  type ResolvedEnv,
  type ServiceManifests,
  serviceDns,
  serviceManifests,
  siteHost,
  siteUrl,
  tenantSelector,
} from "./manifests.js";
import { rolloutState, SUSPENDED, type Workload } from "./rollout.js";
import type { KubeTarget } from "./target.js";

/**
 * A web service, private service, worker or cron job as Kubernetes objects (manifests.ts):
 * applied with server-side apply in order (ConfigMap and Secret, the workload, Service and
 * Ingresses), then followed until rolled out. Suspending scales the workload to 0 (a
 * CronJob: `suspend: true`) and keeps everything else; deleting removes every object of
 * the resource (found by its label) and is done once none is left.
 */

/** The kinds of objects a service may have, for deleting them by label. */
const OBJECT_KINDS: readonly { apiVersion: string; kind: string }[] = [
  { apiVersion: "networking.k8s.io/v1", kind: "Ingress" },
  { apiVersion: "v1", kind: "Service" },
  { apiVersion: "apps/v1", kind: "Deployment" },
  { apiVersion: "apps/v1", kind: "StatefulSet" },
  { apiVersion: "batch/v1", kind: "CronJob" },
  { apiVersion: "batch/v1", kind: "Job" },
  { apiVersion: "v1", kind: "ConfigMap" },
  { apiVersion: "v1", kind: "Secret" },
  // A StatefulSet's claims outlive it (the disk's data): deleted with the resource.
  { apiVersion: "v1", kind: "PersistentVolumeClaim" },
];

/** Plain values go to the ConfigMap; secrets, and values read from databases and other services, to the Secret. */
export function splitEnv(ctx: ProviderContext, bindings: readonly EnvBinding[]): ResolvedEnv {
  const resolved = resolveEnv(ctx, bindings);
  const out: ResolvedEnv = { values: {}, secrets: {} };
  for (const b of bindings) {
    const value = resolved[b.key];
    if (value === undefined) continue;
    if ("value" in b) out.values[b.key] = value;
    else out.secrets[b.key] = value;
  }
  return out;
}

/** The pod template annotation that holds a keyed digest of the env the pods read. */
export const ENV_DIGEST_ANNOTATION = "tenantry.dev/env-digest";

/**
 * Pods read their env from the ConfigMap and Secret only when they start: a changed value
 * (a rotated secret) reaches a Deployment's or StatefulSet's pods through a rollout, which
 * a changed pod template annotation triggers (Helm's `checksum/config`). The digest is
 * keyed (`ctx.digest`), so the annotation tells nothing about the values. A CronJob's
 * pods start with every run and read the current values anyway.
 */
function withEnvDigest(ctx: ProviderContext, workload: KubeObject, env: ResolvedEnv): void {
  const template = (
    workload["spec"] as { template?: { metadata?: { annotations?: Record<string, string> } } }
  )?.template;
  if (!ctx.digest || !template) return;
  const entries = [...Object.entries(env.values), ...Object.entries(env.secrets)].sort(([a], [b]) =>
    a < b ? -1 : 1,
  );
  template.metadata = {
    ...template.metadata,
    annotations: {
      ...template.metadata?.annotations,
      [ENV_DIGEST_ANNOTATION]: ctx.digest(JSON.stringify(entries)),
    },
  };
}

export function createKubeServiceDriver(target: KubeTarget): ResourceDriver<ServiceKind> {
  const { client } = target;

  /**
   * The objects of the resource. The tenant's site (`<slug>.<base domain>`) belongs to the
   * first web service applied (the engine applies them in blueprint order): a web service
   * whose site host another of the tenant's services holds gets `<service>-<slug>.<base>`.
   */
  async function manifests(
    ctx: ProviderContext,
    r: RecordedResource<ServiceKind>,
    suspended: boolean,
  ): Promise<ServiceManifests> {
    const m = target.manifestContext(ctx);
    const serviceName = r.key.startsWith("service:") ? r.key.slice("service:".length) : r.key;
    let primaryWeb = false;
    if (r.kind === "web") {
      const site = siteHost(m, serviceName, true);
      const ingresses = await client.list<KubeObject>(
        ctx,
        "networking.k8s.io/v1",
        "Ingress",
        m.namespace,
        tenantSelector(m.marker),
      );
      const holder = ingresses.find((i) =>
        ((i["spec"] as { rules?: { host?: string }[] } | undefined)?.rules ?? []).some(
          (rule) => rule.host === site,
        ),
      );
      primaryWeb = !holder || holder.metadata.annotations?.[ANNOTATION_KEY] === r.key;
    }
    const env = splitEnv(ctx, r.spec.envVars);
    const out = serviceManifests(r, env, m, { primaryWeb, serviceName });
    withEnvDigest(ctx, out.workload, env);
    if (suspended) {
      const workloadSpec = out.workload["spec"] as Record<string, unknown>;
      if (out.workload.kind === "CronJob") workloadSpec["suspend"] = true;
      else workloadSpec["replicas"] = 0;
      out.workload.metadata.annotations = { ...out.workload.metadata.annotations, [SUSPENDED]: "true" };
    }
    return out;
  }

  function outputsOf(ctx: ProviderContext, r: RecordedResource<ServiceKind>, built: ServiceManifests) {
    const namespace = target.namespaceOf(ctx);
    const name = built.workload.metadata.name;
    const serves = r.kind === "web" || r.kind === "pserv";
    const port = r.kind === "web" ? 80 : CONTAINER_PORT;
    return {
      namespace,
      workload: `${built.workload.kind}/${name}`,
      ...(serves
        ? { host: serviceDns(name, namespace), port, hostport: `${serviceDns(name, namespace)}:${port}` }
        : {}),
      ...(built.hosts[0]
        ? { url: siteUrl(target.manifestContext(ctx), built.hosts[0]), hosts: built.hosts }
        : {}),
    };
  }

  async function workloadOf(
    ctx: ProviderContext,
    r: RecordedResource<ServiceKind>,
  ): Promise<Workload | undefined> {
    const namespace = target.namespaceOf(ctx);
    const name = dnsLabel(r.externalName);
    for (const kind of r.kind === "cron" ? ["CronJob"] : r.spec.disk ? ["StatefulSet"] : ["Deployment"]) {
      const apiVersion = kind === "CronJob" ? "batch/v1" : "apps/v1";
      const found = await client.read<Workload>(ctx, { apiVersion, kind, metadata: { name, namespace } });
      if (found) return found;
    }
    return undefined;
  }

  async function applyAll(
    ctx: ProviderContext,
    r: RecordedResource<ServiceKind>,
    suspended: boolean,
  ): Promise<ActionResult> {
    if ((await target.ensureNamespace(ctx)) === "terminating") {
      return { state: "pending", retryAfterMs: 1000, detail: "the tenant's namespace is still terminating" };
    }
    const built = await manifests(ctx, r, suspended);
    for (const object of built.config) await client.apply(ctx, object);
    // preDeployCommand: a Job with the new image and env, before the rollout (not for a suspend).
    if (r.spec.preDeployCommand && !suspended && r.kind !== "cron") {
      const waiting = await preDeploy(ctx, r, built, r.spec.preDeployCommand);
      if (waiting) return waiting;
    }
    for (const object of [built.workload, ...built.network]) {
      ctx.throwIfAborted();
      await client.apply(ctx, object);
    }
    // Ingresses of custom domains the blueprint dropped.
    const keep = new Set(built.network.map((o) => `${o.kind}/${o.metadata.name}`));
    for (const stale of await target.resourceObjects(ctx, r, "networking.k8s.io/v1", "Ingress")) {
      if (!keep.has(`Ingress/${stale.metadata.name}`)) {
        await client.delete(ctx, {
          apiVersion: "networking.k8s.io/v1",
          kind: "Ingress",
          metadata: stale.metadata,
        });
      }
    }
    const outputs = outputsOf(ctx, r, built);
    const workload = await workloadOf(ctx, r);
    if (!workload)
      return { state: "pending", retryAfterMs: 500, outputs, detail: "waiting for the workload" };
    const seen = rolloutState(r.key, workload);
    if (seen.state === "converging") {
      return {
        state: "pending",
        retryAfterMs: seen.retryAfterMs ?? 1000,
        providerId: seen.providerId,
        outputs,
        detail: seen.detail ?? "rolling out",
      };
    }
    return { state: "done", providerId: seen.providerId, outputs };
  }

  /**
   * Runs the service's `preDeployCommand` once per version of what it deploys (the Job is
   * named by a hash of the workload and the env), and waits for it: `pending` while it runs,
   * `KUBERNETES_JOB_FAILED` with its pod's last log lines when it fails, null once done.
   */
  async function preDeploy(
    ctx: ProviderContext,
    r: RecordedResource<ServiceKind>,
    built: ServiceManifests,
    command: string,
  ): Promise<ActionResult | null> {
    const m = target.manifestContext(ctx);
    const version = createHash("sha256")
      .update(JSON.stringify([built.workload["spec"], built.config, command]))
      .digest("hex")
      .slice(0, 8);
    const name = dnsLabel(`${dnsLabel(r.externalName, 45)}-predeploy-${version}`);
    const ref = { apiVersion: "batch/v1", kind: "Job", metadata: { name, namespace: m.namespace } };
    type Job = KubeObject & { status?: { conditions?: { type: string; status: string; reason?: string }[] } };
    const job = await client.read<Job>(ctx, ref);
    if (job && !isOwnedBy(job, m.marker)) {
      throw nameTaken("Job", `${m.namespace}/${name}`, undefined, "it does not carry this tenant's labels");
    }
    if (!job) {
      await client.apply(
        ctx,
        jobManifest(name, r, command, m, { activeDeadlineSeconds: 1800, ttlSecondsAfterFinished: 86_400 }),
      );
      return { state: "pending", retryAfterMs: 1000, detail: `preDeployCommand Job ${name} started` };
    }
    const conditions = job.status?.conditions ?? [];
    if (conditions.some((c) => c.type === "Complete" && c.status === "True")) return null;
    const failed = conditions.find((c) => c.type === "Failed" && c.status === "True");
    if (failed) {
      const pods = await client.list<KubeObject>(ctx, "v1", "Pod", m.namespace, `job-name=${name}`);
      const pod = pods.at(-1);
      const logs = pod ? (await client.podLog(ctx, m.namespace, pod.metadata.name, 20)).trimEnd() : "";
      throw new ProviderError(
        `${r.key}: preDeployCommand failed (Job ${name}: ${failed.reason ?? "Failed"})${logs ? `:\n${logs}` : ""}`,
        { code: "KUBERNETES_JOB_FAILED" },
      );
    }
    return { state: "pending", retryAfterMs: 1000, detail: `preDeployCommand Job ${name} running` };
  }

  return {
    limits: { actionTimeoutMs: 120_000, maxWaitMs: 20 * 60_000 },

    async observe(ctx, r): Promise<Observation> {
      const w = await workloadOf(ctx, r);
      if (!w) return ABSENT;
      const m = target.manifestContext(ctx);
      if (!isOwnedBy(w, m.marker) || w.metadata.annotations?.[ANNOTATION_KEY] !== r.key) {
        throw nameTaken(
          w.kind,
          `${m.namespace}/${w.metadata.name}`,
          undefined,
          "it does not carry this tenant's labels",
        );
      }
      const seen = rolloutState(r.key, w);
      const built = await manifests(ctx, r, seen.state === "suspended");
      const outputs = { ...r.outputs, ...outputsOf(ctx, r, built) };
      // A set applied only in part (a worker died after the workload, before its Service or
      // Ingress): not ready, whatever the rollout says; apply completes it.
      for (const object of [...built.config, ...built.network]) {
        const found = await client.read<KubeObject>(ctx, {
          apiVersion: object.apiVersion,
          kind: object.kind,
          metadata: { name: object.metadata.name, namespace: m.namespace },
        });
        if (!found) {
          return {
            ...seen,
            state: "diverged",
            outputs,
            detail: `${object.kind} ${object.metadata.name} is missing`,
          };
        }
      }
      return { ...seen, outputs };
    },

    // Create, adopt and update are one server-side apply of the whole set.
    apply: (ctx, r) => applyAll(ctx, r, false),

    async setRunning(ctx, r, running) {
      const result = await applyAll(ctx, r, !running);
      // Scaled to 0 (or a suspended CronJob): done as soon as it is applied.
      if (!running && result.state === "pending")
        return {
          state: "done",
          ...(result.providerId ? { providerId: result.providerId } : {}),
          ...(result.outputs ? { outputs: result.outputs } : {}),
        };
      return result;
    },

    async delete(ctx, r) {
      const left = await target.deleteResourceObjects(ctx, r, OBJECT_KINDS);
      if (left === 0) return { state: "done" };
      return { state: "pending", retryAfterMs: 1000, detail: `deleting ${left} objects` };
    },
  };
}
