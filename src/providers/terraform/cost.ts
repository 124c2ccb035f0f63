/**
 * A monthly cost estimate of a Terraform stack after a plan, from the `resource_changes`
 * of `tofu show -json <planfile>` and the dated price tables in ./prices/. What has a price
 * in a table is shown; what has none is listed as unknown, and a plan in which nothing has a
 * price says that its cost is unknown rather than showing 0.
 *
 * Pure: no I/O, no clock. An estimate, not a bill: see the tables' `notes`.
 */
import { type TerraformPriceTable, terraformPriceTables } from "./prices.js";

/** One entry of the plan's `resource_changes` (only the fields read here). */
export interface PlannedResourceChange {
  /** `module.eks.aws_eks_cluster.this[0]`. */
  address: string;
  /** `aws_eks_cluster`. */
  type: string;
  /** `managed` or `data`; data sources cost nothing and are left out. */
  mode?: string;
  change: {
    /** `["create"]`, `["no-op"]`, `["update"]`, `["delete", "create"]`, `["delete"]`… */
    actions: readonly string[];
    /** The resource's attributes after the change; those known only after apply are absent. */
    after?: unknown;
  };
}

export interface TerraformCostLine {
  address: string;
  type: string;
  /** What the resource costs a month after the plan; `null` when there is no price for it. */
  monthly: number | null;
  /** How the price was made up, or why there is none. */
  note?: string;
}

export interface TerraformCostEstimate {
  /** ISO 4217 code of every amount. */
  currency: string;
  /** The sum of the priced lines (a lower bound when `unknown` is not empty); `null` when nothing has a price. */
  monthly: number | null;
  /** One per managed resource in the plan, in the plan's order. */
  lines: TerraformCostLine[];
  /** Addresses of the resources without a price. */
  unknown: string[];
  /** One sentence or a few about what the estimate is: prices' region and date, what is missing. */
  note: string;
}

export interface TerraformCostOptions {
  /** The stack's region: the note says when the tables' prices are another region's. */
  region?: string;
  /** @default every table under ./prices/ */
  tables?: readonly TerraformPriceTable[];
}

interface Priced {
  monthly: number | null;
  note?: string;
}

type Attributes = Record<string, unknown>;
type Pricer = (after: Attributes, table: TerraformPriceTable) => Priced;

function isRecord(value: unknown): value is Attributes {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The value at a path of keys and indexes (`scaling_config`, 0, `desired_size`), or undefined. */
function get(value: unknown, ...path: (string | number)[]): unknown {
  let at = value;
  for (const key of path) {
    if (typeof key === "number") at = Array.isArray(at) ? at[key] : undefined;
    else at = isRecord(at) ? at[key] : undefined;
  }
  return at;
}

function count(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : null;
}

function text(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

/** Rounds money to cents. */
function cents(amount: number): number {
  return Math.round((amount + Number.EPSILON) * 100) / 100;
}

function money(amount: number, currency: string): string {
  return currency === "USD" ? `$${amount.toFixed(2)}` : `${amount.toFixed(2)} ${currency}`;
}

function unknownPrice(note: string): Priced {
  return { monthly: null, note };
}

/** `n × rate` an hour for a month, with how it was made up. */
function hourly(table: TerraformPriceTable, rate: number, n: number, label: string): Priced {
  return { monthly: rate * n * table.hoursPerMonth, note: label };
}

/** A machine type's price × n; unknown when the type is (not yet) known or not in the table. */
function machines(table: TerraformPriceTable, type: unknown, n: number | null, what: string): Priced {
  const name = text(type);
  if (name === null) return unknownPrice(`${what}: machine type known only after apply`);
  const rate = table.machines[name];
  if (rate === undefined) return unknownPrice(`${what}: no price for ${name} in ${table.provider}.json`);
  if (n === null) return unknownPrice(`${what}: ${name}, number of machines known only after apply`);
  return hourly(table, rate, n, `${n} × ${name}`);
}

/** A managed database: its class or tier, ×2 with a standby, plus storage (×2 too). */
function database(
  table: TerraformPriceTable,
  d: {
    engine: string | null;
    tier: string | null;
    standby: boolean;
    storageGB: number | null;
    storageType: string;
  },
): Priced {
  if (d.engine === null) return unknownPrice("database engine known only after apply");
  const engine = d.engine;
  if (!table.databaseEngines.some((e) => engine.startsWith(e)))
    return unknownPrice(`no ${table.provider} prices for ${engine} databases`);
  if (d.tier === null) return unknownPrice("instance class known only after apply");
  const rate = table.databases[d.tier];
  if (rate === undefined) return unknownPrice(`no price for ${d.tier} in ${table.provider}.json`);
  const copies = d.standby ? 2 : 1;
  let monthly = rate * copies * table.hoursPerMonth;
  let note = d.standby ? `${d.tier} × 2 (standby)` : d.tier;
  if (d.storageGB !== null && d.storageGB > 0) {
    const storageRate = table.databaseStoragePerGBMonth[d.storageType];
    if (storageRate === undefined) return unknownPrice(`no price for ${d.storageType} database storage`);
    monthly += d.storageGB * storageRate * copies;
    note += ` + ${d.storageGB} GB ${d.storageType}${d.standby ? " × 2" : ""}`;
  }
  return { monthly, note };
}

/** Memorystore for Redis capacity bands: the per-GB price falls as an instance grows. */
function memorystoreBand(gb: number): string {
  if (gb <= 4) return "M1";
  if (gb <= 10) return "M2";
  if (gb <= 35) return "M3";
  if (gb <= 100) return "M4";
  return "M5";
}

function gkeZones(after: Attributes): { zones: number | null; assumed: boolean } {
  const locations = get(after, "node_locations");
  if (Array.isArray(locations) && locations.length > 0) return { zones: locations.length, assumed: false };
  const location = text(get(after, "location"));
  if (location === null) return { zones: null, assumed: false };
  // `us-central1-a` is a zone; `us-central1` a region, where GKE puts a pool in 3 zones by default.
  return /-[a-z]$/.test(location) ? { zones: 1, assumed: false } : { zones: 3, assumed: true };
}

const PRICERS: Readonly<Record<string, Pricer>> = {
  aws_instance: (after, table) => machines(table, after.instance_type, 1, "instance"),

  aws_eks_node_group: (after, table) => {
    const types = after.instance_types;
    const type = Array.isArray(types) ? types[0] : undefined;
    const desired = count(get(after, "scaling_config", 0, "desired_size"));
    const priced = machines(table, type, desired, "node group");
    const min = count(get(after, "scaling_config", 0, "min_size"));
    const max = count(get(after, "scaling_config", 0, "max_size"));
    if (priced.monthly === null || min === null || max === null) return priced;
    return { ...priced, note: `${priced.note} (desired size; the group scales ${min}–${max})` };
  },

  aws_db_instance: (after, table) =>
    database(table, {
      engine: text(after.engine),
      tier: text(after.instance_class),
      standby: after.multi_az === true,
      storageGB: count(after.allocated_storage),
      // RDS's own default when a plan leaves the storage type to the API.
      storageType: text(after.storage_type) ?? "gp2",
    }),

  aws_elasticache_replication_group: (after, table) => {
    const type = text(after.node_type);
    if (type === null) return unknownPrice("node type known only after apply");
    const rate = table.caches[type];
    if (rate === undefined) return unknownPrice(`no price for ${type} in ${table.provider}.json`);
    const clusters = count(after.num_cache_clusters);
    const shards = count(after.num_node_groups);
    const replicas = count(after.replicas_per_node_group);
    const nodes = clusters ?? (shards !== null ? shards * ((replicas ?? 0) + 1) : null);
    if (nodes === null) return unknownPrice(`${type}: number of nodes known only after apply`);
    return hourly(table, rate, nodes, `${nodes} × ${type}`);
  },

  aws_elasticache_cluster: (after, table) => {
    if (text(after.replication_group_id) !== null)
      return { monthly: 0, note: "a member of a replication group, counted there" };
    const type = text(after.node_type);
    const rate = type === null ? undefined : table.caches[type];
    if (type === null || rate === undefined)
      return unknownPrice(`no price for node type ${type ?? "(unknown)"}`);
    const nodes = count(after.num_cache_nodes) ?? 1;
    return hourly(table, rate, nodes, `${nodes} × ${type}`);
  },

  google_compute_instance: (after, table) => machines(table, after.machine_type, 1, "instance"),

  google_container_node_pool: (after, table) => {
    const machine = get(after, "node_config", 0, "machine_type");
    const perZone = count(after.node_count) ?? count(get(after, "autoscaling", 0, "min_node_count"));
    const total = count(get(after, "autoscaling", 0, "total_min_node_count"));
    const { zones, assumed } = gkeZones(after);
    const nodes = total ?? (perZone !== null && zones !== null ? perZone * zones : null);
    const priced = machines(table, machine, nodes, "node pool");
    if (priced.monthly === null) return priced;
    const notes = [priced.note];
    if (total === null && perZone !== null)
      notes.push(`(${perZone} per zone × ${zones} zones${assumed ? ", assumed" : ""})`);
    const max = count(get(after, "autoscaling", 0, "max_node_count"));
    if (max !== null) notes.push(`autoscaling to ${max} per zone; the minimum is counted`);
    return { monthly: priced.monthly, note: notes.join(" ") };
  },

  google_sql_database_instance: (after, table) => {
    if (get(after, "settings", 0, "edition") === "ENTERPRISE_PLUS")
      return unknownPrice("Cloud SQL Enterprise Plus is not priced");
    return database(table, {
      engine: text(after.database_version),
      tier: text(get(after, "settings", 0, "tier")),
      standby: get(after, "settings", 0, "availability_type") === "REGIONAL",
      storageGB: count(get(after, "settings", 0, "disk_size")),
      storageType: text(get(after, "settings", 0, "disk_type")) ?? "PD_SSD",
    });
  },

  google_redis_instance: (after, table) => {
    const tier = text(after.tier) ?? "BASIC";
    const gb = count(after.memory_size_gb);
    if (gb === null) return unknownPrice("memory size known only after apply");
    const key = `${tier}/${memorystoreBand(gb)}`;
    const rate = table.caches[key];
    if (rate === undefined) return unknownPrice(`no price for ${key} in ${table.provider}.json`);
    return hourly(table, rate, gb, `${gb} GB ${tier} (${key} per GB-hour)`);
  },

  google_compute_address: (after, table) => address(after, table, "google_compute_address"),
  google_compute_global_address: (after, table) => address(after, table, "google_compute_global_address"),
};

function address(after: Attributes, table: TerraformPriceTable, type: string): Priced {
  if (after.address_type === "INTERNAL") return { monthly: 0, note: "internal address: no charge" };
  return fixedPrice(table, type) ?? unknownPrice("no price for an external address");
}

function fixedPrice(table: TerraformPriceTable, type: string): Priced | null {
  const price = table.fixed[type];
  if (price === undefined) return null;
  if (price.usageOnly) return { monthly: 0, note: price.note ?? "usage-based" };
  const monthly = price.hourly !== undefined ? price.hourly * table.hoursPerMonth : (price.monthly ?? 0);
  return price.note === undefined ? { monthly } : { monthly, note: price.note };
}

function isFree(table: TerraformPriceTable, type: string): boolean {
  return table.free.includes(type) || table.freePrefixes.some((p) => type.startsWith(p));
}

/** Prices what a resource is after the plan with the table for its type. */
function priceResource(type: string, after: unknown, tables: readonly TerraformPriceTable[]): Priced {
  const table = tables.find((t) => type.startsWith(t.resourcePrefix));
  if (table) {
    const pricer = PRICERS[type];
    if (pricer) return isRecord(after) ? pricer(after, table) : unknownPrice("attributes unknown");
    const fixed = fixedPrice(table, type);
    if (fixed) return fixed;
  }
  // Types of utility providers (random, tls, time…) are in every table's free lists.
  if ((table ? [table] : tables).some((t) => isFree(t, type))) return { monthly: 0, note: "no charge" };
  return unknownPrice(table ? `no price for ${type}` : "no price table for this provider");
}

function describeTables(tables: readonly TerraformPriceTable[]): string {
  return tables.map((t) => `${t.region} (${t.provider}.json, ${t.effectiveDate})`).join(" and ");
}

/** Estimates what the stack costs a month once `changes` (a plan's `resource_changes`) are applied. */
export function estimateTerraformCost(
  changes: readonly PlannedResourceChange[],
  options: TerraformCostOptions = {},
): TerraformCostEstimate {
  const tables = options.tables ?? terraformPriceTables();
  const currency = tables[0]?.currency ?? "USD";
  const lines: TerraformCostLine[] = [];
  const used = new Set<TerraformPriceTable>();
  for (const rc of changes) {
    const actions = rc.change.actions;
    if (rc.mode === "data" || actions.includes("read")) continue;
    let priced: Priced;
    if (actions.includes("delete") && !actions.includes("create")) {
      priced = { monthly: 0, note: "deleted: not billed after this plan" };
    } else if (actions.includes("forget")) {
      priced = {
        monthly: 0,
        note: "forgotten: left in the cloud (and still billed there), no longer in this stack",
      };
    } else if (["create", "update", "no-op"].some((a) => actions.includes(a))) {
      priced = priceResource(rc.type, rc.change.after, tables);
      const table = tables.find((t) => rc.type.startsWith(t.resourcePrefix));
      if (table && priced.monthly !== null) used.add(table);
    } else {
      priced = unknownPrice(`unrecognised actions ${JSON.stringify(actions)}`);
    }
    const line: TerraformCostLine = {
      address: rc.address,
      type: rc.type,
      monthly: priced.monthly === null ? null : cents(priced.monthly),
    };
    if (priced.note !== undefined) line.note = priced.note;
    lines.push(line);
  }

  const unknown = lines.filter((l) => l.monthly === null).map((l) => l.address);
  const priced = lines.filter((l) => l.monthly !== null);
  if (priced.length === 0) {
    const why = lines.length === 0 ? "the plan has no resources" : "no resource in this plan has a price";
    return { currency, monthly: null, lines, unknown, note: `Cost unknown: ${why}.` };
  }
  const monthly = cents(priced.reduce((sum, l) => sum + (l.monthly ?? 0), 0));
  const notes: string[] = [];
  if (unknown.length > 0)
    notes.push(
      `At least ${money(monthly, currency)} a month: ${unknown.length} resource${unknown.length === 1 ? " has" : "s have"} no price.`,
    );
  const usedTables = [...used];
  if (usedTables.length > 0) {
    notes.push(`On-demand list prices of ${describeTables(usedTables)}; prices vary by region.`);
    const other = usedTables.filter((t) => options.region !== undefined && t.region !== options.region);
    if (other.length > 0) notes.push(`The stack is in ${options.region}: expect different prices there.`);
  }
  notes.push("Usage (data transfer, requests, data stored) is not counted.");
  return { currency, monthly, lines, unknown, note: notes.join(" ") };
}
