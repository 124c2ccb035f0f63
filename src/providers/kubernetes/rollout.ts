import type { Observed } from "../provider.js";
import { ProviderError } from "../provider.js";
import type { KubeObject } from "./manifests.js";

/** The annotation of a suspended workload (scaled to 0, or a suspended CronJob): what resume undoes. */
export const SUSPENDED = "tenantry.dev/suspended";

/** A Deployment, StatefulSet or CronJob as read back. */
export interface Workload extends KubeObject {
  metadata: KubeObject["metadata"] & { generation?: number; annotations?: Record<string, string> };
  spec?: { replicas?: number; suspend?: boolean };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

/**
 * Where a workload's rollout stands: `ready` once the controller has seen its current
 * generation and every wanted replica is updated and available (no old one left),
 * `converging` before, `suspended` when Tenantry scaled it to 0. A Deployment past its
 * progress deadline is `KUBERNETES_ROLLOUT_FAILED` with the controller's message.
 */
export function rolloutState(key: string, w: Workload): Observed {
  const base = { providerId: `${w.kind}/${w.metadata.name}` };
  if (w.metadata.annotations?.[SUSPENDED] === "true") return { ...base, state: "suspended" };
  if (w.kind === "CronJob") return { ...base, state: "ready" };
  const status = w.status ?? {};
  const want = w.spec?.replicas ?? 1;
  const stuck = status.conditions?.find(
    (c) => c.type === "Progressing" && c.status === "False" && c.reason === "ProgressDeadlineExceeded",
  );
  if (stuck) {
    throw new ProviderError(
      `${key}: ${w.kind} ${w.metadata.name} did not roll out: ${stuck.message ?? stuck.reason}`,
      { code: "KUBERNETES_ROLLOUT_FAILED" },
    );
  }
  const current = (status.observedGeneration ?? 0) >= (w.metadata.generation ?? 0);
  const done =
    current &&
    (status.updatedReplicas ?? 0) >= want &&
    (status.availableReplicas ?? status.readyReplicas ?? 0) >= want &&
    (status.replicas ?? 0) <= want;
  if (done) return { ...base, state: "ready" };
  return {
    ...base,
    state: "converging",
    retryAfterMs: 1000,
    detail: `rolling out: ${status.updatedReplicas ?? 0}/${want} updated, ${status.availableReplicas ?? 0} available`,
  };
}
