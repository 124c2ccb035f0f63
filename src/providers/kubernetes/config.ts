import { existsSync } from "node:fs";
import { ConfigError, ConfigReader, type Env, oneOf, str, url } from "../../config/env.js";
import { planKey } from "./plans.js";

/**
 * The `kubernetes` target's section of the configuration (`TENANTRY_KUBERNETES_*`), parsed
 * here and composed into Tenantry's configuration (`config/config.ts`). Documented in
 * docs/kubernetes.md and docs/configuration.md.
 *
 * The target exists when `TENANTRY_KUBERNETES_BASE_DOMAIN` is set (every tenant's
 * `site_url` is a subdomain of it). Its credentials come from `TENANTRY_KUBERNETES_KUBECONFIG`
 * (else `KUBECONFIG`, else `~/.kube/config`), or from the pod's service account when
 * Tenantry runs in a cluster. A `KUBECONFIG` a developer has set for other reasons never
 * enables the target by itself.
 */
export interface KubernetesConfig {
  /** `TENANTRY_KUBERNETES_BASE_DOMAIN`: enables the target; a tenant's site is `<slug>.<domain>`. */
  kubernetesBaseDomain: string | undefined;
  /** `TENANTRY_KUBERNETES_KUBECONFIG`, else `KUBECONFIG`: the kubeconfig file(s) to read. */
  kubernetesKubeconfig: string | undefined;
  /** `TENANTRY_KUBERNETES_CONTEXT`: the kubeconfig context; unset → its current context. */
  kubernetesContext: string | undefined;
  /** `TENANTRY_KUBERNETES_IN_CLUSTER`: `auto` (when running in a pod), `true`, `false`. @default "auto" */
  kubernetesInCluster: "auto" | "true" | "false";
  /**
   * `TENANTRY_KUBERNETES_NAMESPACES`: `per-tenant` (a namespace per tenant, named from its
   * unique platform name) or `shared` (every tenant in `TENANTRY_KUBERNETES_NAMESPACE`,
   * told apart by labels). @default "per-tenant"
   */
  kubernetesNamespaces: "per-tenant" | "shared";
  /** `TENANTRY_KUBERNETES_NAMESPACE`: the shared namespace (required with `shared`). */
  kubernetesNamespace: string | undefined;
  /** `TENANTRY_KUBERNETES_INGRESS_CLASS`: `spec.ingressClassName` of every Ingress. */
  kubernetesIngressClass: string | undefined;
  /** `TENANTRY_KUBERNETES_TLS_SECRET`: a (wildcard) certificate's secret for every Ingress host. */
  kubernetesTlsSecret: string | undefined;
  /** `TENANTRY_KUBERNETES_CLUSTER_ISSUER`: cert-manager's ClusterIssuer; each Ingress gets its own certificate. */
  kubernetesClusterIssuer: string | undefined;
  /** `TENANTRY_KUBERNETES_STORAGE_CLASS`: the storage class of disks (PVCs); unset → the cluster's default. */
  kubernetesStorageClass: string | undefined;
  /** `TENANTRY_KUBERNETES_IMAGE_PULL_SECRETS`: comma-separated secret names every pod may pull with. */
  kubernetesImagePullSecrets: string[];
  /** `TENANTRY_KUBERNETES_LABELS`: `key=value,…` added to every object. */
  kubernetesLabels: Record<string, string>;
  /** `TENANTRY_KUBERNETES_ANNOTATIONS`: `key=value,…` added to every object. */
  kubernetesAnnotations: Record<string, string>;
  /** `TENANTRY_KUBERNETES_POSTGRES_URL`: the external PostgreSQL server for `databases:` (as Cloud SQL). */
  kubernetesPostgresUrl: string | undefined;
  /** `TENANTRY_KUBERNETES_MYSQL_URL`: the external MySQL/MariaDB server for `engine: mysql|mariadb` databases. */
  kubernetesMysqlUrl: string | undefined;
  /** `TENANTRY_KUBERNETES_REDIS_URL`: the external Redis for Key Value instances (an ACL user each). */
  kubernetesRedisUrl: string | undefined;
  /**
   * `TENANTRY_KUBERNETES_DATASTORES`: `external` (databases and Key Value only on the servers
   * above) or `in-cluster` (for development: a kind without an external server runs as a
   * StatefulSet in the tenant's namespace). @default "external"
   */
  kubernetesDatastores: "external" | "in-cluster";
  /**
   * `TENANTRY_KUBERNETES_DATASTORE_IMAGES`: images of in-cluster data stores instead of
   * Docker Hub's, as JSON: `{"postgres": "mirror.local/postgres:{version}", "mariadb": "…",
   * "mysql": "…", "redis": "…"}` (`{version}`: the blueprint's `postgresMajorVersion`, default 17).
   */
  kubernetesDatastoreImages: Partial<Record<"postgres" | "mariadb" | "mysql" | "redis", string>>;
  /**
   * `TENANTRY_KUBERNETES_PLANS`: sizes that replace or add to the plan table, as JSON:
   * `{"starter": {"cpu": 0.25, "memoryMi": 256}, "gpu": {"cpu": 8, "memoryMi": 65536}}`.
   */
  kubernetesPlans: Record<string, { cpu: number; memoryMi: number }>;
}

function plans(env: Env, name: string): Record<string, { cpu: number; memoryMi: number }> {
  const raw = str(env, name);
  if (raw === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(name, 'expected JSON such as {"starter": {"cpu": 0.5, "memoryMi": 1024}}');
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ConfigError(name, "expected a JSON object of plan names to sizes");
  }
  const out: Record<string, { cpu: number; memoryMi: number }> = {};
  for (const [plan, size] of Object.entries(parsed as Record<string, unknown>)) {
    const s = size as { cpu?: unknown; memoryMi?: unknown } | null;
    const cpu = s?.cpu;
    const memoryMi = s?.memoryMi;
    if (
      typeof cpu !== "number" ||
      !(cpu > 0) ||
      typeof memoryMi !== "number" ||
      !Number.isInteger(memoryMi) ||
      memoryMi <= 0
    ) {
      throw new ConfigError(
        name,
        `plan "${plan}": expected {"cpu": <cores > 0>, "memoryMi": <whole MiB > 0>}`,
      );
    }
    out[planKey(plan)] = { cpu, memoryMi };
  }
  return out;
}

const DATASTORE_KINDS = ["postgres", "mariadb", "mysql", "redis"] as const;
/** An image reference: `[registry/]path[:tag][@digest]`, no spaces. */
const IMAGE = /^[a-z0-9][a-z0-9._/:@{}-]*$/i;

function datastoreImages(env: Env, name: string): KubernetesConfig["kubernetesDatastoreImages"] {
  const raw = str(env, name);
  if (raw === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(name, 'expected JSON such as {"postgres": "mirror.local/postgres:{version}"}');
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ConfigError(name, "expected a JSON object of data store kinds to images");
  }
  const out: KubernetesConfig["kubernetesDatastoreImages"] = {};
  for (const [kind, image] of Object.entries(parsed as Record<string, unknown>)) {
    if (!(DATASTORE_KINDS as readonly string[]).includes(kind)) {
      throw new ConfigError(name, `"${kind}" is not one of ${DATASTORE_KINDS.join(", ")}`);
    }
    if (typeof image !== "string" || !IMAGE.test(image)) {
      throw new ConfigError(name, `${kind}: expected an image reference such as mirror.local/${kind}:tag`);
    }
    out[kind as (typeof DATASTORE_KINDS)[number]] = image;
  }
  return out;
}

/** A DNS subdomain of at least two labels, such as `apps.example.com`. */
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** A DNS label (namespace and secret names). */
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** A label or annotation key: an optional DNS prefix and a name. */
const KEY = /^([a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?)?$/;

function domain(env: Env, name: string): string | undefined {
  const raw = str(env, name)?.toLowerCase();
  if (raw !== undefined && !DOMAIN.test(raw)) {
    throw new ConfigError(name, `expected a domain such as apps.example.com, got "${raw}"`);
  }
  return raw;
}

function dnsLabel(env: Env, name: string): string | undefined {
  const raw = str(env, name);
  if (raw !== undefined && !LABEL.test(raw)) {
    throw new ConfigError(
      name,
      `expected a DNS label (lowercase letters, digits and -, at most 63), got "${raw}"`,
    );
  }
  return raw;
}

function names(env: Env, name: string): string[] {
  const raw = str(env, name);
  if (raw === undefined) return [];
  const list = raw
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  for (const item of list) {
    if (!LABEL.test(item)) throw new ConfigError(name, `"${item}" is not a valid secret name`);
  }
  return list;
}

function pairs(env: Env, name: string, labels: boolean): Record<string, string> {
  const raw = str(env, name);
  const out: Record<string, string> = {};
  if (raw === undefined) return out;
  for (const part of raw.split(",")) {
    if (part.trim() === "") continue;
    const eq = part.indexOf("=");
    const key = (eq < 0 ? part : part.slice(0, eq)).trim();
    const value = eq < 0 ? "" : part.slice(eq + 1).trim();
    if (eq < 0 || !KEY.test(key)) {
      throw new ConfigError(name, `expected key=value pairs separated by commas, got "${part.trim()}"`);
    }
    if (labels && !LABEL_VALUE.test(value)) {
      throw new ConfigError(
        name,
        `"${value}" is not a valid label value (at most 63 letters, digits, -, _ and .)`,
      );
    }
    if (key.startsWith("app.kubernetes.io/managed-by") || key.startsWith("tenantry.dev/")) {
      throw new ConfigError(name, `${key} is Tenantry's own (ownership markers): choose another key`);
    }
    out[key] = value;
  }
  return out;
}

/** Reads the Kubernetes variables; bad ones throw a `ConfigError` (several: `ConfigErrors`) naming each. */
export function parseKubernetesConfig(env: Env): KubernetesConfig {
  const r = new ConfigReader(env);
  const config: KubernetesConfig = {
    kubernetesBaseDomain: r.read((e) => domain(e, "TENANTRY_KUBERNETES_BASE_DOMAIN"), undefined),
    kubernetesKubeconfig: str(env, "TENANTRY_KUBERNETES_KUBECONFIG") ?? str(env, "KUBECONFIG"),
    kubernetesContext: str(env, "TENANTRY_KUBERNETES_CONTEXT"),
    kubernetesInCluster: r.read(
      (e) => oneOf(e, "TENANTRY_KUBERNETES_IN_CLUSTER", ["auto", "true", "false"] as const, "auto"),
      "auto",
    ),
    kubernetesNamespaces: r.read(
      (e) => oneOf(e, "TENANTRY_KUBERNETES_NAMESPACES", ["per-tenant", "shared"] as const, "per-tenant"),
      "per-tenant",
    ),
    kubernetesNamespace: r.read((e) => dnsLabel(e, "TENANTRY_KUBERNETES_NAMESPACE"), undefined),
    kubernetesIngressClass: r.read((e) => dnsLabel(e, "TENANTRY_KUBERNETES_INGRESS_CLASS"), undefined),
    kubernetesTlsSecret: r.read((e) => dnsLabel(e, "TENANTRY_KUBERNETES_TLS_SECRET"), undefined),
    kubernetesClusterIssuer: r.read((e) => dnsLabel(e, "TENANTRY_KUBERNETES_CLUSTER_ISSUER"), undefined),
    kubernetesStorageClass: r.read((e) => dnsLabel(e, "TENANTRY_KUBERNETES_STORAGE_CLASS"), undefined),
    kubernetesImagePullSecrets: r.read((e) => names(e, "TENANTRY_KUBERNETES_IMAGE_PULL_SECRETS"), []),
    kubernetesLabels: r.read((e) => pairs(e, "TENANTRY_KUBERNETES_LABELS", true), {}),
    kubernetesAnnotations: r.read((e) => pairs(e, "TENANTRY_KUBERNETES_ANNOTATIONS", false), {}),
    kubernetesPostgresUrl: r.read(
      (e) => url(e, "TENANTRY_KUBERNETES_POSTGRES_URL", ["postgres:", "postgresql:"]),
      undefined,
    ),
    kubernetesMysqlUrl: r.read(
      (e) => url(e, "TENANTRY_KUBERNETES_MYSQL_URL", ["mysql:", "mariadb:"]),
      undefined,
    ),
    kubernetesRedisUrl: r.read(
      (e) => url(e, "TENANTRY_KUBERNETES_REDIS_URL", ["redis:", "rediss:"]),
      undefined,
    ),
    kubernetesDatastores: r.read(
      (e) => oneOf(e, "TENANTRY_KUBERNETES_DATASTORES", ["external", "in-cluster"] as const, "external"),
      "external",
    ),
    kubernetesPlans: r.read((e) => plans(e, "TENANTRY_KUBERNETES_PLANS"), {}),
    kubernetesDatastoreImages: r.read((e) => datastoreImages(e, "TENANTRY_KUBERNETES_DATASTORE_IMAGES"), {}),
  };
  if (config.kubernetesNamespaces === "shared" && config.kubernetesNamespace === undefined) {
    r.errors.push(
      new ConfigError("TENANTRY_KUBERNETES_NAMESPACE", "required with TENANTRY_KUBERNETES_NAMESPACES=shared"),
    );
  }
  if (config.kubernetesTlsSecret !== undefined && config.kubernetesClusterIssuer !== undefined) {
    r.errors.push(
      new ConfigError(
        "TENANTRY_KUBERNETES_TLS_SECRET",
        "set either a TLS secret or a cert-manager cluster issuer (TENANTRY_KUBERNETES_CLUSTER_ISSUER), not both",
      ),
    );
  }
  if (
    config.kubernetesBaseDomain !== undefined &&
    config.kubernetesInCluster !== "true" &&
    config.kubernetesKubeconfig !== undefined
  ) {
    for (const file of config.kubernetesKubeconfig.split(":")) {
      if (file !== "" && !existsSync(file)) {
        r.errors.push(new ConfigError("TENANTRY_KUBERNETES_KUBECONFIG", `${file} does not exist`));
      }
    }
  }
  r.done();
  return config;
}

/** The defaults, for a configuration whose Kubernetes section could not be read. */
export const KUBERNETES_DEFAULTS: KubernetesConfig = {
  kubernetesBaseDomain: undefined,
  kubernetesKubeconfig: undefined,
  kubernetesContext: undefined,
  kubernetesInCluster: "auto",
  kubernetesNamespaces: "per-tenant",
  kubernetesNamespace: undefined,
  kubernetesIngressClass: undefined,
  kubernetesTlsSecret: undefined,
  kubernetesClusterIssuer: undefined,
  kubernetesStorageClass: undefined,
  kubernetesImagePullSecrets: [],
  kubernetesLabels: {},
  kubernetesAnnotations: {},
  kubernetesPostgresUrl: undefined,
  kubernetesMysqlUrl: undefined,
  kubernetesRedisUrl: undefined,
  kubernetesDatastores: "external",
  kubernetesDatastoreImages: {},
  kubernetesPlans: {},
};
