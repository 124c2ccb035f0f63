import { resourceName, tenantDiscriminator } from "../../domain/naming.js";
import { nameTaken, ownerMarker } from "../ownership.js";
import { type ProviderContext, ProviderError } from "../provider.js";
import type { KubernetesConfig } from "./config.js";
import type { KubeClient } from "./kube-client.js";
import {
  ANNOTATION_KEY,
  dnsLabel,
  isOwnedBy,
  type KubeObject,
  LABEL_RESOURCE,
  type ManifestContext,
  namespaceManifest,
} from "./manifests.js";

/**
 * What every driver of the kubernetes target shares: the client, the configuration, and
 * where a tenant's objects live (its own namespace, or the shared one).
 */
export class KubeTarget {
  /** The shared namespace was seen to exist (it is the operator's; never created or deleted here). */
  #sharedSeen = false;

  constructor(
    readonly client: KubeClient,
    readonly config: KubernetesConfig & { kubernetesBaseDomain: string },
  ) {}

  /** Per-tenant: `t-<slug>-<discriminator>` (unique to the tenant); shared: the configured one. */
  namespaceOf(ctx: Pick<ProviderContext, "tenant" | "installationId">): string {
    if (this.config.kubernetesNamespaces === "shared" && this.config.kubernetesNamespace) {
      return this.config.kubernetesNamespace;
    }
    return resourceName("t", ctx.tenant.slug, tenantDiscriminator(ctx.installationId, ctx.tenant.id));
  }

  manifestContext(ctx: Pick<ProviderContext, "tenant" | "installationId">): ManifestContext {
    const c = this.config;
    return {
      namespace: this.namespaceOf(ctx),
      slug: ctx.tenant.slug,
      marker: ownerMarker(ctx),
      baseDomain: c.kubernetesBaseDomain,
      ...(c.kubernetesIngressClass ? { ingressClass: c.kubernetesIngressClass } : {}),
      ...(c.kubernetesTlsSecret
        ? { tls: { secretName: c.kubernetesTlsSecret } }
        : c.kubernetesClusterIssuer
          ? { tls: { clusterIssuer: c.kubernetesClusterIssuer } }
          : {}),
      ...(c.kubernetesStorageClass ? { storageClass: c.kubernetesStorageClass } : {}),
      imagePullSecrets: c.kubernetesImagePullSecrets,
      labels: c.kubernetesLabels,
      annotations: c.kubernetesAnnotations,
      plans: c.kubernetesPlans,
      datastoreImages: c.kubernetesDatastoreImages,
    };
  }

  /** A resource's objects of one kind, found by its label, that are provably the tenant's and the resource's. */
  async resourceObjects(
    ctx: ProviderContext,
    r: { key: string; externalName: string },
    apiVersion: string,
    kind: string,
  ): Promise<KubeObject[]> {
    const m = this.manifestContext(ctx);
    const found = await this.client.list<KubeObject>(
      ctx,
      apiVersion,
      kind,
      m.namespace,
      `${LABEL_RESOURCE}=${dnsLabel(r.externalName)}`,
    );
    return found.filter((o) => isOwnedBy(o, m.marker) && o.metadata.annotations?.[ANNOTATION_KEY] === r.key);
  }

  /**
   * Deletes (foreground) every object of a resource of these kinds; the number still there
   * (being deleted). A resource is gone when it is 0.
   */
  async deleteResourceObjects(
    ctx: ProviderContext,
    r: { key: string; externalName: string },
    kinds: readonly { apiVersion: string; kind: string }[],
  ): Promise<number> {
    let left = 0;
    for (const { apiVersion, kind } of kinds) {
      for (const object of await this.resourceObjects(ctx, r, apiVersion, kind)) {
        left++;
        if (!object.metadata["deletionTimestamp"]) {
          await this.client.delete(ctx, { apiVersion, kind, metadata: object.metadata }, "Foreground");
        }
      }
    }
    return left;
  }

  /**
   * Makes sure the tenant's namespace exists and is its own (per-tenant mode): a namespace of
   * that name without the tenant's labels is never used (`NAME_TAKEN`); one that is going
   * away (a destroy not finished) is waited for.
   */
  async ensureNamespace(ctx: ProviderContext): Promise<"ready" | "terminating"> {
    if (this.config.kubernetesNamespaces === "shared") {
      if (this.#sharedSeen) return "ready";
      const name = this.namespaceOf(ctx);
      const found = await this.client.read(ctx, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
      if (!found) {
        throw new ProviderError(
          `the shared namespace ${name} (TENANTRY_KUBERNETES_NAMESPACE) does not exist: create it (kubectl create namespace ${name}) and retry`,
          { retryable: false, code: "KUBERNETES_NAMESPACE_MISSING" },
        );
      }
      this.#sharedSeen = true;
      return "ready";
    }
    const name = this.namespaceOf(ctx);
    const m = this.manifestContext(ctx);
    const existing = await this.client.read<{
      apiVersion: string;
      kind: string;
      metadata: { name: string; labels?: Record<string, string> };
      status?: { phase?: string };
    }>(ctx, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
    if (existing && !isOwnedBy(existing, m.marker)) {
      throw nameTaken("namespace", name, undefined, "it does not carry this tenant's labels");
    }
    if (existing?.status?.phase === "Terminating") return "terminating";
    if (!existing) await this.client.apply(ctx, namespaceManifest(name, m));
    return "ready";
  }
}
