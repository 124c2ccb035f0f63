import { createHash } from "node:crypto";
import type { LookupFunction } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { TargetCredential } from "../../domain/credentials.js";
import { isService, isStaticSite, type ServiceKind } from "../../domain/resources.js";
import {
  guardedLookup,
  NO_ALLOWANCE,
  type OutboundAllowance,
  outboundUrlProblem,
} from "../../lib/outbound.js";
import {
  bootstrapFailed,
  bootstrapPollMs,
  bootstrapService,
  bootstrapTimeoutMs,
  formatDuration,
  operationIdOf,
} from "../bootstrap.js";
import type { Capabilities, KindSupport, Refusal } from "../capabilities.js";
import { createKeyValueDriver } from "../local/keyvalue-driver.js";
import { createMysqlDriver } from "../local/mysql-driver.js";
import { createPostgresDriver } from "../local/postgres-driver.js";
import type { ProviderMetrics } from "../metrics.js";
import {
  AccessError,
  type ActionResult,
  type Provider,
  type ProviderContext,
  ProviderError,
  type RecordedResource,
  type ResourceDriver,
  type ResourceDrivers,
} from "../provider.js";
import type { KubernetesConfig } from "./config.js";
import { checkKubernetesCredential, kubeConfigOf } from "./credential-check.js";
import { createKubeDatastoreDriver } from "./datastore-driver.js";
import { KubeClient } from "./kube-client.js";
import { dnsLabel, isOwnedBy, jobManifest, type KubeObject, tenantSelector } from "./manifests.js";
import { isKnownPlan, type PlanSizes } from "./plans.js";
import { createKubeServiceDriver, splitEnv } from "./service-driver.js";
import { KubeTarget } from "./target.js";

/**
 * The `kubernetes` target: each tenant in a namespace of its own (or a shared one, by
 * labels) on any conformant cluster, its services as Deployments/StatefulSets/CronJobs
 * from images, `site_url` on `TENANTRY_KUBERNETES_BASE_DOMAIN`, databases and Key Value on
 * external servers, `hooks.bootstrap` as a Job. See docs/kubernetes.md.
 */
export interface KubernetesProviderOptions {
  config: KubernetesConfig;
  /** A loaded kubeconfig (tests); default: from the configuration. */
  kubeconfig?: KubeConfig;
  /**
   * `TENANTRY_OUTBOUND_ALLOWED_NETWORKS`: the non-public networks organizations' clusters
   * may be on (checked before a cluster's first use and at every connection). @default none
   */
  outbound?: OutboundAllowance;
  logger?: Logger;
  /** Every request to a cluster (docs/observability.md). */
  metrics?: ProviderMetrics;
}

/** Loads credentials as the configuration says: in-cluster, a kubeconfig file, or the default locations. */
export function loadKubeconfig(config: KubernetesConfig): KubeConfig {
  const kc = new KubeConfig();
  const inPod = process.env["KUBERNETES_SERVICE_HOST"] !== undefined;
  if (
    config.kubernetesInCluster === "true" ||
    (config.kubernetesInCluster === "auto" && inPod && !config.kubernetesKubeconfig)
  ) {
    kc.loadFromCluster();
  } else if (config.kubernetesKubeconfig) {
    const files = config.kubernetesKubeconfig.split(":").filter((f) => f !== "");
    if (files.length === 1 && files[0]) kc.loadFromFile(files[0]);
    else kc.loadFromDefault();
  } else {
    kc.loadFromDefault();
  }
  if (config.kubernetesContext) kc.setCurrentContext(config.kubernetesContext);
  return kc;
}

const IMAGE_HINT =
  "the kubernetes target runs images: build and push one (docker build …; docker push …) and use runtime: image with image.url";

function serviceRefusals(
  resource: Parameters<NonNullable<KindSupport["refuse"]>>[0],
  plans: PlanSizes,
): Omit<Refusal, "resource">[] {
  if (!isService(resource)) return [];
  const out: Omit<Refusal, "resource">[] = [];
  const spec = resource.spec;
  if (isStaticSite(resource)) {
    out.push({
      field: "runtime",
      message: `static sites are not built on a cluster: ${IMAGE_HINT} (a web server image serving the files)`,
    });
    return out;
  }
  if (spec.runtime !== "image" || !spec.image?.url) {
    out.push({
      field: "runtime",
      message: `runtime ${spec.runtime ?? "(none)"} builds from source, which a cluster cannot do: ${IMAGE_HINT}`,
    });
  }
  if (spec.plan !== undefined && !isKnownPlan(spec.plan, plans)) {
    out.push({
      field: "plan",
      message: `plan "${spec.plan}" has no size on the kubernetes target (see docs/kubernetes.md, "Plans")`,
    });
  }
  return out;
}

type ClusterKind = ServiceKind | "postgres" | "mysql" | "keyvalue";

/** One cluster Tenantry talks to: the installation's, or an organization's own. */
interface Account {
  client: KubeClient;
  target: KubeTarget;
  drivers: { [K in ClusterKind]: ResourceDriver<K> };
}

export function createKubernetesProvider(options: KubernetesProviderOptions): Provider {
  const { config } = options;
  const baseDomain = config.kubernetesBaseDomain;
  if (!baseDomain) throw new Error("the kubernetes target needs TENANTRY_KUBERNETES_BASE_DOMAIN");

  /** One cluster: its client, where tenants' objects go on it, the drivers bound to both. */
  function account(kubeconfig: KubeConfig, namespace?: string, lookup?: LookupFunction): Account {
    const client = new KubeClient(kubeconfig, {
      ...(lookup && { lookup }),
      ...(options.metrics && { metrics: options.metrics }),
    });
    const target = new KubeTarget(client, {
      ...config,
      kubernetesBaseDomain: baseDomain as string,
      // A token confined to one namespace cannot make namespaces: its tenants share that one.
      ...(namespace && { kubernetesNamespaces: "shared" as const, kubernetesNamespace: namespace }),
    });
    const services = createKubeServiceDriver(target);
    return {
      client,
      target,
      drivers: {
        web: services,
        pserv: services,
        worker: services,
        cron: services,
        postgres: createKubeDatastoreDriver<"postgres">(target),
        mysql: createKubeDatastoreDriver<"mysql">(target),
        keyvalue: createKubeDatastoreDriver<"keyvalue">(target),
      },
    };
  }

  const installation = account(options.kubeconfig ?? loadKubeconfig(config));
  /** Organizations' clusters, by credential id and version: a replaced credential gets a new client. */
  const accounts = new Map<string, { version: number; account: Account }>();

  const outbound = options.outbound ?? NO_ALLOWANCE;
  const lookup = guardedLookup(outbound);

  async function organizationAccount(credential: TargetCredential): Promise<Account> {
    const cached = accounts.get(credential.id);
    if (cached && cached.version === credential.version) return cached.account;
    const secret = credential.secret;
    if (secret.kind !== "kubeconfig" && secret.kind !== "kubernetes_token") {
      throw new ProviderError(`a ${secret.kind} credential cannot reach a Kubernetes cluster`, {
        retryable: false,
        code: "CREDENTIAL_REQUIRED",
      });
    }
    let kubeconfig: KubeConfig;
    try {
      kubeconfig = kubeConfigOf(secret);
      if (!kubeconfig.getCurrentCluster()) throw new Error("it has no current cluster: name a context");
    } catch (err) {
      throw new ProviderError(`the organization's kubeconfig cannot be used: ${(err as Error).message}`, {
        retryable: false,
        code: "CREDENTIAL_REQUIRED",
      });
    }
    // Checked at registration; again for what was stored before, or under another allowance.
    const server = kubeconfig.getCurrentCluster()?.server ?? "";
    const problem = await outboundUrlProblem(server, outbound);
    if (problem) {
      throw new ProviderError(`the organization's cluster ${server} is refused: ${problem}`, {
        retryable: false,
        code: "CREDENTIAL_REQUIRED",
      });
    }
    const made = account(
      kubeconfig,
      secret.kind === "kubernetes_token" ? secret.namespace : undefined,
      lookup,
    );
    accounts.set(credential.id, { version: credential.version, account: made });
    return made;
  }

  /**
   * Runs a verb on the tenant's cluster: its organization's (`/v1/credentials`), else the
   * installation's. With an organization's credential, a refusal (401/403) is checked again
   * with the credential's cheap call; refused again, the credential and the organization's
   * tenants on the target get `access_error`. A verb that works clears a marked credential.
   */
  async function withAccount<T>(ctx: ProviderContext, fn: (account: Account) => Promise<T>): Promise<T> {
    const credential = (await ctx.credentials?.resolve("kubernetes")) ?? null;
    if (!credential) return fn(installation);
    const acct = await organizationAccount(credential);
    try {
      const result = await fn(acct);
      if (credential.status === "access_error") await ctx.credentials?.accessRestored(credential);
      return result;
    } catch (err) {
      const secret = credential.secret;
      if (
        err instanceof AccessError &&
        (secret.kind === "kubeconfig" || secret.kind === "kubernetes_token")
      ) {
        const recheck = await checkKubernetesCredential(secret, {
          timeoutMs: Math.max(1000, Math.min(10_000, ctx.timeLeft())),
        }).then(
          () => null,
          (checkErr: unknown) => checkErr as Error & { status?: number },
        );
        if (recheck && (recheck.status === 401 || recheck.status === 403)) {
          await ctx.credentials?.accessLost(credential, recheck.message);
        }
      }
      throw err;
    }
  }

  /** A driver whose verbs run on the tenant's cluster. */
  function clusterDriver<K extends ClusterKind>(kind: K): ResourceDriver<K> {
    const run = <T>(ctx: ProviderContext, fn: (driver: ResourceDriver<K>) => Promise<T>) =>
      withAccount(ctx, (acct) => fn(acct.drivers[kind] as ResourceDriver<K>));
    return {
      observe: (ctx, r) => run(ctx, (d) => d.observe(ctx, r)),
      apply: (ctx, r, observed) => run(ctx, (d) => d.apply(ctx, r, observed)),
      delete: (ctx, r) => run(ctx, (d) => d.delete(ctx, r)),
      setRunning: (ctx, r, running) =>
        run(ctx, (d) => {
          if (!d.setRunning) throw new Error(`kubernetes ${kind} driver cannot suspend or resume`);
          return d.setRunning(ctx, r, running);
        }),
    };
  }

  const postgres = config.kubernetesPostgresUrl
    ? createPostgresDriver({
        serverUrl: config.kubernetesPostgresUrl,
        ...(options.logger ? { logger: options.logger } : {}),
      })
    : undefined;
  const mysql = config.kubernetesMysqlUrl
    ? createMysqlDriver({
        serverUrl: config.kubernetesMysqlUrl,
        ...(options.logger ? { logger: options.logger } : {}),
      })
    : undefined;
  const keyvalue = config.kubernetesRedisUrl
    ? createKeyValueDriver({ redisUrl: config.kubernetesRedisUrl, dataDir: "/nonexistent" })
    : undefined;
  // Development: what has no external server runs in the tenant's namespace.
  const inCluster = config.kubernetesDatastores === "in-cluster";
  const datastores = {
    postgres: postgres ?? (inCluster ? clusterDriver("postgres") : undefined),
    mysql: mysql ?? (inCluster ? clusterDriver("mysql") : undefined),
    keyvalue: keyvalue ?? (inCluster ? clusterDriver("keyvalue") : undefined),
  };
  /** In-cluster stores scale to 0 on suspend; databases on external servers stay as they are. */
  const datastoreSupport = (external: unknown): KindSupport => (external ? {} : { suspend: true });

  const services = clusterDriver("web") as ResourceDriver<ServiceKind>;
  const drivers: ResourceDrivers = {
    web: services,
    pserv: services,
    worker: services,
    cron: services,
    // A group's variables are inlined into the services that use it (their ConfigMap/Secret).
    envgroup: {
      observe: async (_ctx, r) => ({ providerId: `group/${r.externalName}`, state: "ready" }),
      apply: async (_ctx, r) => ({
        state: "done",
        providerId: `group/${r.externalName}`,
        outputs: { keys: r.spec.envVars.map((b) => b.key) },
      }),
      delete: async () => ({ state: "done" }),
    },
    ...(datastores.postgres ? { postgres: datastores.postgres } : {}),
    ...(datastores.mysql ? { mysql: datastores.mysql } : {}),
    ...(datastores.keyvalue ? { keyvalue: datastores.keyvalue } : {}),
  };
  const service: KindSupport = {
    suspend: true,
    logs: false,
    jobs: false,
    refuse: (r) => serviceRefusals(r, config.kubernetesPlans),
  };
  const capabilities: Capabilities = {
    kinds: {
      web: service,
      pserv: service,
      worker: service,
      cron: service,
      envgroup: {},
      ...(datastores.postgres ? { postgres: datastoreSupport(postgres) } : {}),
      ...(datastores.mysql ? { mysql: datastoreSupport(mysql) } : {}),
      ...(datastores.keyvalue ? { keyvalue: datastoreSupport(keyvalue) } : {}),
    },
    bootstrap: true,
    placement: "anywhere",
  };

  async function runBootstrap(
    { client, target }: Account,
    ctx: ProviderContext,
    hook: { command: string; service?: string; timeoutSeconds?: number },
    resources: RecordedResource[],
  ): Promise<ActionResult> {
    const chosen = bootstrapService(hook, resources);
    if (!isService(chosen)) throw bootstrapFailed(`hooks.bootstrap: ${chosen.key} cannot run commands`);
    const resource = chosen as RecordedResource<ServiceKind>;
    const m = target.manifestContext(ctx);
    // One Job per operation (a retry runs the hook again), found again by its name.
    const run = createHash("sha256")
      .update(`${operationIdOf(ctx) ?? "run"}\0${hook.command}`)
      .digest("hex")
      .slice(0, 8);
    const name = dnsLabel(`bootstrap-${ctx.tenant.slug}-${run}`);
    const timeoutMs = bootstrapTimeoutMs(hook);
    const ref = { apiVersion: "batch/v1", kind: "Job", metadata: { name, namespace: m.namespace } };
    type Job = KubeObject & {
      status?: {
        startTime?: string;
        conditions?: { type: string; status: string; reason?: string; message?: string }[];
      };
    };
    let job = await client.read<Job>(ctx, ref);
    if (job && !isOwnedBy(job, m.marker))
      throw bootstrapFailed(`Job ${m.namespace}/${name} exists but is not this tenant's`);
    if (!job) {
      // The service's ConfigMap and Secret hold its env; make sure they are current.
      splitEnv(ctx, resource.spec.envVars);
      job = await client.apply<Job>(
        ctx,
        jobManifest(name, resource, hook.command, m, {
          activeDeadlineSeconds: Math.ceil(timeoutMs / 1000),
          ttlSecondsAfterFinished: 3600,
        }) as Job,
      );
      return { state: "pending", retryAfterMs: 1000, detail: `bootstrap Job ${name} started` };
    }
    const conditions = job.status?.conditions ?? [];
    const started = job.status?.startTime ? Date.parse(job.status.startTime) : Date.now();
    const elapsed = Date.now() - started;
    if (conditions.some((c) => c.type === "Complete" && c.status === "True")) {
      return { state: "done", detail: `bootstrap Job ${name} completed in ${formatDuration(elapsed)}` };
    }
    const failed = conditions.find((c) => c.type === "Failed" && c.status === "True");
    if (failed) {
      const logs = await lastLogLines(client, ctx, m.namespace, name);
      throw bootstrapFailed(
        `hooks.bootstrap failed (Job ${name}: ${failed.reason ?? "Failed"}${failed.message ? `, ${failed.message}` : ""})${logs ? `:\n${logs}` : ""}`,
      );
    }
    return {
      state: "pending",
      retryAfterMs: bootstrapPollMs(elapsed, 500, 10_000),
      detail: `bootstrap Job ${name} running for ${formatDuration(elapsed)}`,
    };
  }

  /** The last lines of a Job's pod's log. */
  async function lastLogLines(
    client: KubeClient,
    ctx: ProviderContext,
    namespace: string,
    job: string,
  ): Promise<string> {
    const pods = await client.list<KubeObject>(ctx, "v1", "Pod", namespace, `job-name=${job}`);
    const pod = pods.at(-1);
    if (!pod) return "";
    return (await client.podLog(ctx, namespace, pod.metadata.name, 20)).trimEnd();
  }

  /**
   * After every resource is gone: the tenant's namespace is deleted and awaited (per-tenant
   * mode); in a shared namespace, nothing of the tenant's may be left.
   */
  async function releaseTenant({ client, target }: Account, ctx: ProviderContext): Promise<ActionResult> {
    const m = target.manifestContext(ctx);
    if (target.config.kubernetesNamespaces === "shared") {
      const left = await client.list<KubeObject>(
        ctx,
        "batch/v1",
        "Job",
        m.namespace,
        tenantSelector(m.marker),
      );
      for (const job of left) {
        await client.delete(
          ctx,
          { apiVersion: "batch/v1", kind: "Job", metadata: job.metadata },
          "Background",
        );
      }
      return left.length === 0
        ? { state: "done" }
        : { state: "pending", retryAfterMs: 1000, detail: "deleting Jobs" };
    }
    const ref = { apiVersion: "v1", kind: "Namespace", metadata: { name: m.namespace } };
    const ns = await client.read<KubeObject>(ctx, ref);
    if (!ns) return { state: "done", detail: `namespace ${m.namespace} deleted` };
    if (!isOwnedBy(ns, m.marker))
      return { state: "done", detail: `namespace ${m.namespace} is not the tenant's: left alone` };
    if (!ns.metadata["deletionTimestamp"]) await client.delete(ctx, ref, "Foreground");
    return { state: "pending", retryAfterMs: 1000, detail: `namespace ${m.namespace} terminating` };
  }

  return {
    name: "kubernetes",
    capabilities,
    drivers,
    credentials: { installation: installation !== undefined },
    runBootstrap: (ctx, hook, resources) =>
      withAccount(ctx, (acct) => runBootstrap(acct, ctx, hook, resources)),
    releaseTenant: (ctx) => withAccount(ctx, (acct) => releaseTenant(acct, ctx)),
    requestTimeoutMs: 30_000,
    explain(kind) {
      const dev = "(or, for development, TENANTRY_KUBERNETES_DATASTORES=in-cluster)";
      if (kind === "postgres")
        return `set TENANTRY_KUBERNETES_POSTGRES_URL to the PostgreSQL server tenant databases go on ${dev}`;
      if (kind === "mysql")
        return `set TENANTRY_KUBERNETES_MYSQL_URL to the MySQL/MariaDB server tenant databases go on ${dev}`;
      if (kind === "keyvalue")
        return `set TENANTRY_KUBERNETES_REDIS_URL to a Redis 7+ whose user may run ACL commands ${dev}`;
      return undefined;
    },
    async close() {
      await postgres?.close();
      await keyvalue?.close();
      await mysql?.close();
    },
  };
}
