/**
 * Dated price tables, one JSON file per provider under ./prices/. They are imported
 * statically so that `tsc` emits them next to the compiled module (dist/blueprints/prices/),
 * and checked when this module loads: a malformed table fails loudly at start-up rather
 * than producing a wrong estimate.
 */
import localPrices from "./prices/local.json" with { type: "json" };
import renderPrices from "./prices/render.json" with { type: "json" };

export interface PriceTable {
  provider: string;
  /** ISO 4217 code, e.g. `USD`. */
  currency: string;
  /** `YYYY-MM-DD`: when the prices were last checked against `source`. */
  effectiveDate: string;
  /** Where the prices come from (the provider's pricing page). */
  source: string;
  /** Monthly price per instance, by plan name, for web, pserv, worker and cron services. */
  services: Readonly<Record<string, number>>;
  /** Monthly price of a Postgres instance by plan name (storage extra). */
  postgres: Readonly<Record<string, number>>;
  /** Monthly price of a Key Value instance by plan name. */
  keyvalue: Readonly<Record<string, number>>;
  diskPerGBMonth: number;
  postgresStoragePerGBMonth: number;
  /** What a cron job costs at least per month (cron jobs are billed per running minute). */
  cronMinimumMonthly: number;
  notes: readonly string[];
}

const PRICE_MAPS = ["services", "postgres", "keyvalue"] as const;
const RATES = ["diskPerGBMonth", "postgresStoragePerGBMonth", "cronMinimumMonthly"] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isPrice(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}

function isIsoDate(value: unknown): value is string {
  if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/** Checks a parsed price table; throws one error listing every problem found. */
export function validatePriceTable(raw: unknown, origin: string): PriceTable {
  const problems: string[] = [];
  if (!isRecord(raw)) throw new Error(`price table ${origin} is malformed: not an object`);
  for (const field of ["provider", "source"] as const) {
    if (typeof raw[field] !== "string" || raw[field] === "")
      problems.push(`${field} must be a non-empty string`);
  }
  if (typeof raw.currency !== "string" || !/^[A-Z]{3}$/.test(raw.currency)) {
    problems.push("currency must be a three-letter code such as USD");
  }
  if (!isIsoDate(raw.effectiveDate)) problems.push("effectiveDate must be a date written YYYY-MM-DD");
  for (const map of PRICE_MAPS) {
    const prices = raw[map];
    if (!isRecord(prices) || Object.keys(prices).length === 0) {
      problems.push(`${map} must be a non-empty object of plan → monthly price`);
      continue;
    }
    for (const [plan, price] of Object.entries(prices)) {
      if (!isPrice(price)) problems.push(`${map}["${plan}"] must be a number ≥ 0`);
    }
  }
  for (const rate of RATES) {
    if (!isPrice(raw[rate])) problems.push(`${rate} must be a number ≥ 0`);
  }
  if (!Array.isArray(raw.notes) || !raw.notes.every((n) => typeof n === "string")) {
    problems.push("notes must be an array of strings");
  }
  if (problems.length > 0) {
    throw new Error(`price table ${origin} is malformed: ${problems.join("; ")}`);
  }
  return raw as unknown as PriceTable;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

const TABLES: ReadonlyMap<string, PriceTable> = new Map(
  [
    validatePriceTable(renderPrices, "prices/render.json"),
    validatePriceTable(localPrices, "prices/local.json"),
  ].map((t) => [t.provider, deepFreeze(structuredClone(t))]),
);

/** The price table of a provider (`render`, `local`), or `null` when there is none. */
export function loadPriceTable(provider: string): PriceTable | null {
  return TABLES.get(provider) ?? null;
}

/** Providers that have a price table. */
export function pricedProviders(): string[] {
  return [...TABLES.keys()].sort();
}
