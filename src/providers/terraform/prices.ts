/**
 * Dated price tables of the clouds a Terraform stack may build on, one JSON file per cloud
 * under ./prices/. Imported statically so that `tsc` emits them next to the compiled
 * module, and checked when this module loads: a malformed table fails at start-up rather
 * than giving a wrong estimate (as src/blueprints/prices.ts does for the other targets).
 */
import awsPrices from "./prices/aws.json" with { type: "json" };
import gcpPrices from "./prices/gcp.json" with { type: "json" };

/** A price for a resource type that needs no attribute to be priced. */
export interface FixedPrice {
  /** Per hour; the month is `hoursPerMonth` hours. */
  hourly?: number;
  /** Per month. */
  monthly?: number;
  /** Billed by use only (storage held, requests, bytes): counted as 0, with `note`. */
  usageOnly?: boolean;
  /** Shown on the estimate's line, e.g. what is not counted. */
  note?: string;
}

export interface TerraformPriceTable {
  /** `aws`, `gcp`. */
  provider: string;
  /** The resource types the table is for: `aws_`, `google_`. */
  resourcePrefix: string;
  /** ISO 4217 code, e.g. `USD`. */
  currency: string;
  /** The region the prices are for; other regions differ. */
  region: string;
  /** `YYYY-MM-DD`: when the prices were written down (see `notes` for how). */
  effectiveDate: string;
  /** Where the prices come from (the cloud's pricing pages). */
  source: string;
  /** Hours in a month for hourly prices (AWS and Google both bill 730). */
  hoursPerMonth: number;
  /** Hourly on-demand price of a machine by type (EC2 instance type, Compute Engine machine type). */
  machines: Readonly<Record<string, number>>;
  /** Hourly price of a managed database instance by class or tier, one zone, engines `databaseEngines`. */
  databases: Readonly<Record<string, number>>;
  /** The database engines `databases` prices (`postgres`; Cloud SQL's `POSTGRES`, a prefix of `POSTGRES_16`). */
  databaseEngines: readonly string[];
  /** Database storage per GB-month, one zone, by storage type. */
  databaseStoragePerGBMonth: Readonly<Record<string, number>>;
  /** Hourly price of a cache node by node type (AWS), or per GB-hour by `TIER/BAND` (Memorystore). */
  caches: Readonly<Record<string, number>>;
  /** Types priced whatever their attributes. */
  fixed: Readonly<Record<string, FixedPrice>>;
  /** Types that cost nothing by themselves (networks, IAM, parameter groups…). */
  free: readonly string[];
  /** Prefixes of such types: `aws_iam_`, `random_`. */
  freePrefixes: readonly string[];
  notes: readonly string[];
}

const PRICE_MAPS = ["machines", "databases", "databaseStoragePerGBMonth", "caches"] as const;
const STRING_LISTS = ["databaseEngines", "free", "freePrefixes", "notes"] as const;

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

function fixedProblems(type: string, price: unknown): string[] {
  const at = `fixed["${type}"]`;
  if (!isRecord(price)) return [`${at} must be an object`];
  const problems: string[] = [];
  const known = new Set(["hourly", "monthly", "usageOnly", "note"]);
  for (const key of Object.keys(price)) if (!known.has(key)) problems.push(`${at} has an unknown key ${key}`);
  const kinds = [price.hourly !== undefined, price.monthly !== undefined, price.usageOnly === true];
  if (kinds.filter(Boolean).length !== 1)
    problems.push(`${at} needs exactly one of hourly, monthly, usageOnly: true`);
  for (const rate of ["hourly", "monthly"] as const) {
    if (price[rate] !== undefined && !isPrice(price[rate]))
      problems.push(`${at}.${rate} must be a number ≥ 0`);
  }
  if (price.usageOnly !== undefined && typeof price.usageOnly !== "boolean")
    problems.push(`${at}.usageOnly must be true or false`);
  if (price.note !== undefined && (typeof price.note !== "string" || price.note === ""))
    problems.push(`${at}.note must be a non-empty string`);
  if (price.usageOnly === true && price.note === undefined)
    problems.push(`${at} is usage-based and needs a note saying how`);
  return problems;
}

/** Checks a parsed price table; throws one error listing every problem found. */
export function validateTerraformPriceTable(raw: unknown, origin: string): TerraformPriceTable {
  if (!isRecord(raw)) throw new Error(`price table ${origin} is malformed: not an object`);
  const problems: string[] = [];
  for (const field of ["provider", "resourcePrefix", "region", "source"] as const) {
    if (typeof raw[field] !== "string" || raw[field] === "")
      problems.push(`${field} must be a non-empty string`);
  }
  if (typeof raw.currency !== "string" || !/^[A-Z]{3}$/.test(raw.currency))
    problems.push("currency must be a three-letter code such as USD");
  if (!isIsoDate(raw.effectiveDate)) problems.push("effectiveDate must be a date written YYYY-MM-DD");
  if (!isPrice(raw.hoursPerMonth) || raw.hoursPerMonth === 0)
    problems.push("hoursPerMonth must be a number > 0");
  for (const map of PRICE_MAPS) {
    const prices = raw[map];
    if (!isRecord(prices)) {
      problems.push(`${map} must be an object of name → price`);
      continue;
    }
    for (const [name, price] of Object.entries(prices)) {
      if (!isPrice(price)) problems.push(`${map}["${name}"] must be a number ≥ 0`);
    }
  }
  if (!isRecord(raw.fixed)) problems.push("fixed must be an object of resource type → price");
  else for (const [type, price] of Object.entries(raw.fixed)) problems.push(...fixedProblems(type, price));
  for (const list of STRING_LISTS) {
    const value = raw[list];
    if (!Array.isArray(value) || !value.every((n) => typeof n === "string" && n !== ""))
      problems.push(`${list} must be an array of non-empty strings`);
  }
  if (problems.length > 0) throw new Error(`price table ${origin} is malformed: ${problems.join("; ")}`);
  return raw as unknown as TerraformPriceTable;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

const TABLES: readonly TerraformPriceTable[] = [
  validateTerraformPriceTable(awsPrices, "providers/terraform/prices/aws.json"),
  validateTerraformPriceTable(gcpPrices, "providers/terraform/prices/gcp.json"),
].map((t) => deepFreeze(structuredClone(t)));

// One estimate adds prices from several tables: they must be in one currency.
if (new Set(TABLES.map((t) => t.currency)).size > 1) {
  throw new Error("price tables under providers/terraform/prices/ must share one currency");
}

/** Every cloud's price table (`aws`, `gcp`). */
export function terraformPriceTables(): readonly TerraformPriceTable[] {
  return TABLES;
}
