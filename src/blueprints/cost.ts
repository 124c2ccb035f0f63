/**
 * A monthly cost estimate for a tenant's resources, from the provider's dated price table
 * (./prices/<provider>.json). An estimate, not a bill: see the table's `notes` and the
 * estimate's `warnings`.
 */
import type { DesiredResource } from "../domain/resources.js";
import { loadPriceTable, type PriceTable } from "./prices.js";

export interface CostLine {
  key: string;
  kind: string;
  /** `externalName`. */
  name: string;
  /** The plan priced (render.yaml's default when the spec has none); `null` when no plan applies. */
  plan: string | null;
  monthly: number;
  /** How the price was made up, e.g. `standard × 2 instances + 10 GB disk`. */
  detail: string;
}

export interface CostEstimate {
  provider: string;
  currency: string;
  /** The price table's `effectiveDate`; empty when the provider has no table. */
  priceDate: string;
  lines: CostLine[];
  totalMonthly: number;
  warnings: string[];
}

/** render.yaml's plan when a spec leaves `plan` out. */
const DEFAULT_PLANS: Readonly<Record<string, string>> = {
  web: "starter",
  pserv: "starter",
  worker: "starter",
  cron: "starter",
  postgres: "basic-256mb",
  keyvalue: "starter",
};

/** Render's size of a persistent disk when `disk.sizeGB` is left out. */
const DEFAULT_DISK_GB = 10;

const SERVICE_KINDS = new Set(["web", "pserv", "worker", "cron"]);

/** Rounds money to cents. */
function cents(amount: number): number {
  return Math.round((amount + Number.EPSILON) * 100) / 100;
}

function money(amount: number, currency: string): string {
  return currency === "USD" ? `$${amount.toFixed(2)}` : `${amount.toFixed(2)} ${currency}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function count(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : null;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** Looks a plan up case-insensitively; runs of spaces and `_` count as one space (`pro_plus` is `pro plus`). */
function priceOf(prices: Readonly<Record<string, number>>, plan: string): number | undefined {
  const lower = plan.trim().toLowerCase();
  for (const candidate of [plan, lower, lower.replace(/[\s_]+/g, " ")]) {
    if (Object.hasOwn(prices, candidate)) return prices[candidate];
  }
  return undefined;
}

function isStaticSite(r: DesiredResource): boolean {
  // Validation reads the deprecated `env:` spelling into `runtime`.
  return r.kind === "web" && r.spec.runtime === "static";
}

interface Priced {
  plan: string | null;
  monthly: number;
  detail: string;
}

/** Prices one resource; pushes warnings about anything it cannot price exactly. */
function priceResource(r: DesiredResource, table: PriceTable, warnings: string[]): Priced {
  const label = `${r.key} (${r.externalName})`;
  if (isStaticSite(r)) return { plan: null, monthly: 0, detail: "static site (no charge)" };
  if (r.kind === "envgroup") return { plan: null, monthly: 0, detail: "env var group (no charge)" };

  if (r.kind === "mysql") {
    // A MySQL/MariaDB database (Tenantry's `engine:` extension): no price table has one.
    if (table.provider !== "local") {
      warnings.push(`${label}: no ${table.provider} price for a MySQL/MariaDB database; counted as 0`);
      return { plan: r.spec.plan ?? null, monthly: 0, detail: "MySQL/MariaDB database: not priced" };
    }
    return { plan: null, monthly: 0, detail: `${r.spec.engine} database (no charge)` };
  }

  if (r.kind === "stack") {
    warnings.push(
      `${label}: a Terraform stack is priced from its plan (the terraform target), not here; counted as 0`,
    );
    return { plan: null, monthly: 0, detail: "Terraform stack: priced from its plan" };
  }

  const specPlan = "plan" in r.spec && typeof r.spec.plan === "string" ? r.spec.plan : undefined;
  const defaultPlan = DEFAULT_PLANS[r.kind];
  if (defaultPlan === undefined) {
    warnings.push(`${label}: no price for resources of kind "${r.kind}"; counted as 0`);
    return { plan: specPlan ?? null, monthly: 0, detail: "not priced" };
  }
  const given = specPlan !== undefined && specPlan.trim() !== "";
  const plan = given ? specPlan : defaultPlan;
  const planLabel = given ? plan : `${plan} (default plan)`;
  const prices = SERVICE_KINDS.has(r.kind)
    ? table.services
    : r.kind === "postgres"
      ? table.postgres
      : table.keyvalue;
  const unit = priceOf(prices, plan);
  if (unit === undefined) {
    warnings.push(
      `${label}: unknown ${r.kind} plan "${plan}" in the ${table.provider} price table; counted as 0`,
    );
    return { plan, monthly: 0, detail: `${planLabel}: unknown plan` };
  }

  if (r.kind === "cron") {
    return {
      plan,
      monthly: table.cronMinimumMonthly,
      detail: `${planLabel}, billed per running minute: monthly minimum ${money(table.cronMinimumMonthly, table.currency)}`,
    };
  }

  if (r.kind === "postgres") {
    let monthly = unit;
    let detail = planLabel;
    const ha = isRecord(r.spec.highAvailability) && r.spec.highAvailability.enabled === true;
    if (ha) {
      monthly += unit;
      detail += " × 2 (high availability standby)";
    }
    const replicas = Array.isArray(r.spec.readReplicas) ? r.spec.readReplicas.length : 0;
    if (replicas > 0) {
      monthly += unit * replicas;
      detail += ` + ${plural(replicas, "read replica")}`;
    }
    const storage = count(r.spec.diskSizeGB);
    if (storage !== null && storage > 0) {
      monthly += storage * table.postgresStoragePerGBMonth;
      detail += ` + ${storage} GB storage`;
    }
    return { plan, monthly, detail };
  }

  if (r.kind === "keyvalue") return { plan, monthly: unit, detail: planLabel };

  // web, pserv, worker: per instance, plus a persistent disk.
  let instances = count(r.spec.numInstances) ?? 1;
  let detail: string;
  const scaling = isRecord(r.spec.scaling) ? r.spec.scaling : null;
  if (scaling) {
    const min = count(scaling.minInstances) ?? 1;
    const max = count(scaling.maxInstances) ?? min;
    instances = min;
    detail = `${planLabel} × ${min}–${max} instances (autoscaling, minimum counted)`;
    if (max > min) {
      warnings.push(
        `${label} autoscales up to ${max} instances: up to ${money(cents(unit * max), table.currency)} a month for compute instead of ${money(cents(unit * min), table.currency)}`,
      );
    }
  } else {
    detail = `${planLabel} × ${plural(instances, "instance")}`;
  }
  let monthly = unit * instances;
  if (isRecord(r.spec.disk)) {
    const size = count(r.spec.disk.sizeGB) ?? DEFAULT_DISK_GB;
    monthly += size * table.diskPerGBMonth;
    detail += ` + ${size} GB disk`;
  }
  return { plan, monthly, detail };
}

/** Estimates what `resources` cost a month on `provider` (`render`, `local`, …). */
export function estimateCost(resources: DesiredResource[], provider: string): CostEstimate {
  const table = loadPriceTable(provider);
  const warnings: string[] = [];
  if (!table) {
    warnings.push(`no price table for provider "${provider}": every cost is shown as 0`);
    return {
      provider,
      currency: "USD",
      priceDate: "",
      lines: resources.map((r) => ({
        key: r.key,
        kind: r.kind,
        name: r.externalName,
        plan: "plan" in r.spec && typeof r.spec.plan === "string" ? r.spec.plan : null,
        monthly: 0,
        detail: "no price table",
      })),
      totalMonthly: 0,
      warnings,
    };
  }
  const lines = resources.map((r): CostLine => {
    const priced = priceResource(r, table, warnings);
    return { key: r.key, kind: r.kind, name: r.externalName, ...priced, monthly: cents(priced.monthly) };
  });
  if (resources.some((r) => r.kind === "cron") && table.cronMinimumMonthly > 0) {
    warnings.push(
      `cron jobs are billed per running minute: only the ${money(table.cronMinimumMonthly, table.currency)} monthly minimum per job is counted`,
    );
  }
  return {
    provider: table.provider,
    currency: table.currency,
    priceDate: table.effectiveDate,
    lines,
    totalMonthly: cents(lines.reduce((sum, l) => sum + l.monthly, 0)),
    warnings,
  };
}
