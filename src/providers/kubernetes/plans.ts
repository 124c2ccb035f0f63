/**
 * Render's instance types (`plan:`) as container requests and limits on Kubernetes,
 * following Render's published sizes (CPU and memory per instance). Memory requests equal
 * the limit (no overcommit of what a plan promises); CPU requests are a quarter of the
 * limit, so small clusters can pack tenants while a busy one may use its whole share.
 * Documented in docs/kubernetes.md ("Plans").
 */

export interface PlanResources {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}

/** Plan → CPU (cores) and memory (MiB) per instance. */
export const PLAN_SIZES: Readonly<Record<string, { cpu: number; memoryMi: number }>> = {
  free: { cpu: 0.1, memoryMi: 512 },
  starter: { cpu: 0.5, memoryMi: 512 },
  standard: { cpu: 1, memoryMi: 2048 },
  pro: { cpu: 2, memoryMi: 4096 },
  "pro plus": { cpu: 4, memoryMi: 8192 },
  "pro max": { cpu: 4, memoryMi: 16_384 },
  "pro ultra": { cpu: 8, memoryMi: 32_768 },
};

/** Services without a plan get Render's default for new services. */
export const DEFAULT_PLAN = "starter";

const millicores = (cpu: number) => `${Math.max(1, Math.round(cpu * 1000))}m`;

export type PlanSizes = Readonly<Record<string, { cpu: number; memoryMi: number }>>;

/** `Pro Plus`, `pro_plus`, `pro-plus` → `pro plus`. */
export function planKey(plan: string): string {
  return plan
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, " ");
}

/**
 * The plan's requests and limits, from `overrides` (TENANTRY_KUBERNETES_PLANS) over the
 * table; an unknown plan was refused at create (capabilities).
 */
export function resourcesForPlan(plan: string | undefined, overrides: PlanSizes = {}): PlanResources {
  const key = planKey(plan ?? DEFAULT_PLAN);
  const size = overrides[key] ?? PLAN_SIZES[key] ?? PLAN_SIZES[DEFAULT_PLAN] ?? { cpu: 0.5, memoryMi: 512 };
  return {
    requests: { cpu: millicores(size.cpu / 4), memory: `${size.memoryMi}Mi` },
    limits: { cpu: millicores(size.cpu), memory: `${size.memoryMi}Mi` },
  };
}

/** Whether a service plan is in the table (or the overrides). */
export function isKnownPlan(plan: string, overrides: PlanSizes = {}): boolean {
  const key = planKey(plan);
  return key in PLAN_SIZES || key in overrides;
}
