import { createHash } from "node:crypto";
import type { DesiredResource, ServiceKind, ServiceSpec } from "../../domain/resources.js";
import type { OwnerMarker } from "../ownership.js";
import { ProviderError } from "../provider.js";
import { type PlanSizes, resourcesForPlan } from "./plans.js";

/**
 * Blueprint services → Kubernetes objects, as server-side apply bodies. Pure: the driver
 * resolves env values and sends what these return (field manager `tenantry`).
 *
 * | blueprint | objects |
 * | --- | --- |
 * | `web` | Deployment, Service (port 80 → the container's `PORT`), Ingress for `site_url` and each custom domain |
 * | `pserv` | Deployment, Service |
 * | `worker` | Deployment |
 * | `cron` | CronJob (`schedule`; `suspend` while the tenant is suspended) |
 * | a service with `disk` | StatefulSet with a volume claim template instead of a Deployment |
 * | env vars | ConfigMap (plain values) and Secret (secret values), both `envFrom` of every pod |
 * | `numInstances` | `replicas` |
 * | `healthCheckPath` | readiness and liveness probes (HTTP GET on `PORT`) |
 * | `plan` | requests and limits (src/providers/kubernetes/plans.ts) |
 * | `image.url` | the container image; `image.creds` → an image pull secret of that name |
 * | `dockerCommand` | the container's command (`/bin/sh -c …`) |
 *
 * Every object carries `app.kubernetes.io/managed-by: tenantry` and the installation,
 * organization and tenant ids (labels `tenantry.dev/…`), and the resource's key as an
 * annotation: what the driver checks before it adopts or deletes anything.
 */

/** A Kubernetes object as sent or read (`apiVersion`, `kind`, `metadata`, the rest by kind). */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export interface ManifestContext {
  namespace: string;
  /** The tenant's readable slug (its site is `<slug>.<baseDomain>`). */
  slug: string;
  marker: OwnerMarker;
  baseDomain: string;
  ingressClass?: string;
  tls?: { secretName: string } | { clusterIssuer: string };
  storageClass?: string;
  imagePullSecrets: readonly string[];
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
  /** Sizes over the plan table (TENANTRY_KUBERNETES_PLANS). */
  plans?: PlanSizes;
  /** Images of in-cluster data stores (TENANTRY_KUBERNETES_DATASTORE_IMAGES). */
  datastoreImages?: Readonly<Partial<Record<"postgres" | "mariadb" | "mysql" | "redis", string>>>;
}

/** The port every container listens on (`PORT`), as on Render. */
export const CONTAINER_PORT = 10000;
export const FIELD_MANAGER = "tenantry";
export const MANAGED_BY = "app.kubernetes.io/managed-by";
export const LABEL_INSTALLATION = "tenantry.dev/installation";
export const LABEL_ORGANIZATION = "tenantry.dev/organization";
export const LABEL_TENANT = "tenantry.dev/tenant";
/** The label of the objects of one resource (a DNS-label-safe form of its external name). */
export const LABEL_RESOURCE = "tenantry.dev/resource";
export const ANNOTATION_KEY = "tenantry.dev/resource-key";

/** The labels that mark an object as this tenant's (the selector of everything it owns). */
export function ownerLabels(marker: OwnerMarker): Record<string, string> {
  return {
    [MANAGED_BY]: "tenantry",
    [LABEL_INSTALLATION]: marker.installation,
    [LABEL_ORGANIZATION]: marker.organization,
    [LABEL_TENANT]: marker.tenant,
  };
}

/** Whether an object read from the cluster carries exactly this tenant's ownership labels. */
export function isOwnedBy(
  object: { metadata?: { labels?: Record<string, string> } },
  marker: OwnerMarker,
): boolean {
  const labels = object.metadata?.labels ?? {};
  return Object.entries(ownerLabels(marker)).every(([k, v]) => labels[k] === v);
}

/** The label selector of a tenant's objects (`key=value,…`). */
export function tenantSelector(marker: OwnerMarker): string {
  return Object.entries(ownerLabels(marker))
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}

/** A DNS label of at most `max` characters, with a short hash of what was cut. */
export function dnsLabel(name: string, max = 63): string {
  const label = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
  if (label.length <= max) return label;
  const hash = createHash("sha256").update(label).digest("hex").slice(0, 6);
  return `${label.slice(0, max - 7).replace(/-+$/, "")}-${hash}`;
}

/** An object's metadata: the tenant's labels and the resource's, its key as an annotation. */
export function metadata(
  name: string,
  ctx: ManifestContext,
  resource: { key: string; externalName: string },
  extra: { labels?: Record<string, string>; annotations?: Record<string, string> } = {},
): KubeObject["metadata"] {
  return {
    name,
    namespace: ctx.namespace,
    labels: {
      ...ctx.labels,
      ...ownerLabels(ctx.marker),
      [LABEL_RESOURCE]: dnsLabel(resource.externalName),
      "app.kubernetes.io/name": dnsLabel(resource.externalName),
      ...extra.labels,
    },
    annotations: { ...ctx.annotations, [ANNOTATION_KEY]: resource.key, ...extra.annotations },
  };
}

/** The host of a web service: the tenant's site for the first web service, else `<service>-<slug>`. */
export function siteHost(ctx: ManifestContext, serviceName: string, primary: boolean): string {
  const label = primary ? dnsLabel(ctx.slug) : dnsLabel(`${serviceName}-${ctx.slug}`);
  return `${label}.${ctx.baseDomain}`;
}

export function siteUrl(ctx: ManifestContext, host: string): string {
  return `${ctx.tls ? "https" : "http"}://${host}`;
}

/** The in-cluster DNS name of a service: `<name>.<namespace>.svc.cluster.local`. */
export function serviceDns(name: string, namespace: string): string {
  return `${name}.${namespace}.svc.cluster.local`;
}

/** What the driver resolved of a service's env: plain values and secret ones. */
export interface ResolvedEnv {
  values: Record<string, string>;
  secrets: Record<string, string>;
}

export interface ServiceManifests {
  /** Applied first: the ConfigMap and the Secret the pods read. */
  config: KubeObject[];
  /** The Deployment, StatefulSet or CronJob. */
  workload: KubeObject;
  /** Service and Ingresses, applied after the workload. */
  network: KubeObject[];
  /** The hosts of the web service (the first is its `site_url`). */
  hosts: string[];
}

const RESTART = "Always";

/** The objects of one service (see the table at the top). */
export function serviceManifests(
  resource: DesiredResource<ServiceKind>,
  env: ResolvedEnv,
  ctx: ManifestContext,
  options: { primaryWeb: boolean; serviceName: string },
): ServiceManifests {
  const spec = resource.spec;
  const name = dnsLabel(resource.externalName);
  const image = imageOf(resource);
  const envName = dnsLabel(`${name}-env`);
  const config: KubeObject[] = [
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: metadata(envName, ctx, resource),
      data: { PORT: String(CONTAINER_PORT), ...env.values },
    },
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: metadata(envName, ctx, resource),
      type: "Opaque",
      stringData: { ...env.secrets },
    },
  ];
  const selector = { [LABEL_RESOURCE]: name };
  const container: Record<string, unknown> = {
    name: "main",
    image,
    envFrom: [{ configMapRef: { name: envName } }, { secretRef: { name: envName } }],
    resources: resourcesForPlan(spec.plan, ctx.plans),
    ...(spec.dockerCommand ? { command: ["/bin/sh", "-c", spec.dockerCommand] } : {}),
  };
  const serves = resource.kind === "web" || resource.kind === "pserv";
  if (serves) container["ports"] = [{ name: "http", containerPort: CONTAINER_PORT, protocol: "TCP" }];
  if (serves && spec.healthCheckPath) {
    const probe = { httpGet: { path: spec.healthCheckPath, port: CONTAINER_PORT }, periodSeconds: 10 };
    container["readinessProbe"] = { ...probe, failureThreshold: 3 };
    container["livenessProbe"] = { ...probe, failureThreshold: 6, initialDelaySeconds: 30 };
  }
  if (spec.disk) container["volumeMounts"] = [{ name: "disk", mountPath: spec.disk.mountPath }];
  const pullSecrets = [...new Set([...ctx.imagePullSecrets, ...pullSecretOf(spec)])].map((n) => ({
    name: n,
  }));
  const podSpec: Record<string, unknown> = {
    containers: [container],
    ...(pullSecrets.length > 0 ? { imagePullSecrets: pullSecrets } : {}),
    ...(spec.maxShutdownDelaySeconds !== undefined
      ? { terminationGracePeriodSeconds: spec.maxShutdownDelaySeconds }
      : {}),
  };
  const template = { metadata: { labels: { ...ownerLabels(ctx.marker), ...selector } }, spec: podSpec };

  if (resource.kind === "cron") {
    if (!spec.schedule) {
      throw new ProviderError(`${resource.key}: a cron job needs a schedule`, { code: "INVALID_SCHEDULE" });
    }
    return {
      config,
      workload: {
        apiVersion: "batch/v1",
        kind: "CronJob",
        metadata: metadata(name, ctx, resource),
        spec: {
          schedule: spec.schedule,
          suspend: false,
          concurrencyPolicy: "Forbid",
          successfulJobsHistoryLimit: 3,
          failedJobsHistoryLimit: 3,
          jobTemplate: {
            spec: {
              backoffLimit: 0,
              ttlSecondsAfterFinished: 86_400,
              template: {
                metadata: template.metadata,
                spec: {
                  ...podSpec,
                  restartPolicy: "Never",
                  containers: [
                    {
                      ...container,
                      ...(spec.startCommand ? { command: ["/bin/sh", "-c", spec.startCommand] } : {}),
                    },
                  ],
                },
              },
            },
          },
        },
      },
      network: [],
      hosts: [],
    };
  }

  const replicas = spec.numInstances ?? spec.scaling?.minInstances ?? 1;
  const workload: KubeObject = spec.disk
    ? {
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: metadata(name, ctx, resource),
        spec: {
          replicas,
          serviceName: name,
          selector: { matchLabels: selector },
          template: { ...template, spec: { ...podSpec, restartPolicy: RESTART } },
          volumeClaimTemplates: [
            {
              metadata: {
                name: "disk",
                labels: { ...ctx.labels, ...ownerLabels(ctx.marker), ...selector },
                annotations: { [ANNOTATION_KEY]: resource.key },
              },
              spec: {
                accessModes: ["ReadWriteOnce"],
                ...(ctx.storageClass ? { storageClassName: ctx.storageClass } : {}),
                resources: { requests: { storage: `${spec.disk.sizeGB ?? 10}Gi` } },
              },
            },
          ],
        },
      }
    : {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: metadata(name, ctx, resource),
        spec: {
          replicas,
          selector: { matchLabels: selector },
          progressDeadlineSeconds: 600,
          template: { ...template, spec: { ...podSpec, restartPolicy: RESTART } },
        },
      };

  const network: KubeObject[] = [];
  const hosts: string[] = [];
  if (serves) {
    network.push({
      apiVersion: "v1",
      kind: "Service",
      metadata: metadata(name, ctx, resource),
      spec: {
        type: "ClusterIP",
        selector,
        ports: [
          { name: "http", port: resource.kind === "web" ? 80 : CONTAINER_PORT, targetPort: CONTAINER_PORT },
        ],
      },
    });
  }
  if (resource.kind === "web") {
    hosts.push(siteHost(ctx, options.serviceName, options.primaryWeb), ...(spec.domains ?? []));
    hosts.forEach((host, i) => {
      network.push(ingress(dnsLabel(i === 0 ? name : `${name}-${host}`), host, name, resource, ctx));
    });
  }
  return { config, workload, network, hosts };
}

function ingress(
  ingressName: string,
  host: string,
  serviceName: string,
  resource: { key: string; externalName: string },
  ctx: ManifestContext,
): KubeObject {
  const tls = ctx.tls;
  const issuer: Record<string, string> =
    tls && "clusterIssuer" in tls ? { "cert-manager.io/cluster-issuer": tls.clusterIssuer } : {};
  const secretName = tls
    ? "secretName" in tls
      ? tls.secretName
      : dnsLabel(`${ingressName}-tls`)
    : undefined;
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: metadata(ingressName, ctx, resource, { annotations: issuer }),
    spec: {
      ...(ctx.ingressClass ? { ingressClassName: ctx.ingressClass } : {}),
      ...(secretName ? { tls: [{ hosts: [host], secretName }] } : {}),
      rules: [
        {
          host,
          http: {
            paths: [
              {
                path: "/",
                pathType: "Prefix",
                backend: { service: { name: serviceName, port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    },
  };
}

/** The image of an image service; other runtimes are refused at create (capabilities). */
export function imageOf(resource: { key: string; spec: ServiceSpec }): string {
  const url = resource.spec.image?.url;
  if (!url) {
    throw new ProviderError(
      `${resource.key}: the kubernetes target runs images only (runtime: image with image.url)`,
      { code: "PROVIDER_PERMANENT" },
    );
  }
  return url;
}

function pullSecretOf(spec: ServiceSpec): string[] {
  const name = spec.image?.creds?.fromRegistryCreds.name;
  return name ? [dnsLabel(name)] : [];
}

/** A Job running `command` once in the service's image and env (preDeployCommand, hooks.bootstrap). */
export function jobManifest(
  jobName: string,
  resource: DesiredResource<ServiceKind>,
  command: string,
  ctx: ManifestContext,
  options: { activeDeadlineSeconds: number; ttlSecondsAfterFinished: number },
): KubeObject {
  const name = dnsLabel(resource.externalName);
  const envName = dnsLabel(`${name}-env`);
  const pullSecrets = [...new Set([...ctx.imagePullSecrets, ...pullSecretOf(resource.spec)])].map((n) => ({
    name: n,
  }));
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: metadata(jobName, ctx, resource),
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: options.activeDeadlineSeconds,
      ttlSecondsAfterFinished: options.ttlSecondsAfterFinished,
      template: {
        metadata: { labels: { ...ownerLabels(ctx.marker), "tenantry.dev/job": jobName } },
        spec: {
          restartPolicy: "Never",
          ...(pullSecrets.length > 0 ? { imagePullSecrets: pullSecrets } : {}),
          containers: [
            {
              name: "main",
              image: imageOf(resource),
              command: ["/bin/sh", "-c", command],
              envFrom: [{ configMapRef: { name: envName } }, { secretRef: { name: envName } }],
              resources: resourcesForPlan(resource.spec.plan, ctx.plans),
            },
          ],
        },
      },
    },
  };
}

/** The tenant's namespace (per-tenant mode): its unique platform name. */
export function namespaceManifest(
  name: string,
  ctx: Pick<ManifestContext, "marker" | "labels" | "annotations">,
): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name,
      labels: { ...ctx.labels, ...ownerLabels(ctx.marker) },
      annotations: { ...ctx.annotations },
    },
  };
}
