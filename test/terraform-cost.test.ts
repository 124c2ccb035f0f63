import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  estimateTerraformCost,
  type PlannedResourceChange,
  type TerraformCostEstimate,
} from "../src/providers/terraform/cost.js";
import {
  type TerraformPriceTable,
  terraformPriceTables,
  validateTerraformPriceTable,
} from "../src/providers/terraform/prices.js";

/** The `resource_changes` of a `tofu show -json <planfile>` document under test/fixtures/terraform-plans/. */
function planChanges(name: string): PlannedResourceChange[] {
  const doc = JSON.parse(
    readFileSync(new URL(`./fixtures/terraform-plans/${name}`, import.meta.url), "utf8"),
  ) as { resource_changes: PlannedResourceChange[] };
  return doc.resource_changes;
}

function lineOf(estimate: TerraformCostEstimate, address: string) {
  const line = estimate.lines.find((l) => l.address === address);
  if (!line) throw new Error(`no line for ${address}`);
  return line;
}

const change = (
  address: string,
  type: string,
  actions: string[],
  after: Record<string, unknown> | null,
): PlannedResourceChange => ({ address, type, mode: "managed", change: { actions, after } });

function tableOf(provider: string): TerraformPriceTable {
  const table = terraformPriceTables().find((t) => t.provider === provider);
  if (!table) throw new Error(`no ${provider} price table`);
  return table;
}
const aws = tableOf("aws");
const gcp = tableOf("gcp");

describe("estimateTerraformCost on AWS plans", () => {
  it("prices a first plan of the example environment (small profile) line by line", () => {
    const changes = planChanges("aws-small-create.json");
    const estimate = estimateTerraformCost(changes);
    expect(estimate.currency).toBe("USD");
    // Every managed resource has a line, in the plan's order; the data source has none.
    const managed = changes.filter((rc) => rc.mode === "managed").map((rc) => rc.address);
    expect(managed).toHaveLength(18);
    expect(estimate.lines.map((l) => l.address)).toEqual(managed);
    expect(lineOf(estimate, "module.eks.aws_eks_cluster.this[0]").monthly).toBe(73);
    expect(
      lineOf(estimate, 'module.eks.module.eks_managed_node_group["general"].aws_eks_node_group.this[0]'),
    ).toEqual(
      expect.objectContaining({
        monthly: 140.16,
        note: "2 × m6i.large (desired size; the group scales 2–3)",
      }),
    );
    expect(lineOf(estimate, "module.rds.module.db_instance.aws_db_instance.this[0]")).toEqual(
      expect.objectContaining({ monthly: 49.75, note: "db.t4g.medium + 20 GB gp3" }),
    );
    expect(lineOf(estimate, "module.elasticache.aws_elasticache_replication_group.this[0]").monthly).toBe(
      23.36,
    );
    expect(lineOf(estimate, "module.vpc.aws_nat_gateway.this[0]").monthly).toBe(32.85);
    expect(lineOf(estimate, "module.vpc.aws_eip.nat[0]").monthly).toBe(3.65);
    expect(lineOf(estimate, "module.eks.module.kms.aws_kms_key.this[0]").monthly).toBe(1);
    // The bucket is billed by use only: 0, with a note saying so.
    expect(lineOf(estimate, "module.s3_bucket.aws_s3_bucket.this[0]")).toEqual(
      expect.objectContaining({ monthly: 0, note: expect.stringContaining("usage-based") }),
    );
    for (const free of [
      "module.vpc.aws_vpc.this[0]",
      "random_password.postgres",
      "aws_security_group.postgres",
    ]) {
      expect(lineOf(estimate, free)).toEqual(expect.objectContaining({ monthly: 0, note: "no charge" }));
    }
    expect(estimate.unknown).toEqual([]);
    expect(estimate.monthly).toBe(323.77);
    expect(estimate.note).toContain("us-east-1 (aws.json, ");
    expect(estimate.note).toContain("prices vary by region");
    expect(estimate.note).not.toContain("At least");
  });

  it("prices an update by what each resource is after it: replaced, resized, no-op, deleted, new and unknown", () => {
    const estimate = estimateTerraformCost(planChanges("aws-medium-update.json"));
    // no-op: what is there keeps costing.
    expect(lineOf(estimate, "module.eks.aws_eks_cluster.this[0]").monthly).toBe(73);
    // replaced (delete, then create) at its new size.
    expect(
      lineOf(estimate, 'module.eks.module.eks_managed_node_group["general"].aws_eks_node_group.this[0]')
        .monthly,
    ).toBe(420.48);
    expect(
      lineOf(estimate, 'module.eks.module.eks_managed_node_group["gpu"].aws_eks_node_group.this[0]').monthly,
    ).toBe(884.76);
    // Multi-AZ doubles the instance and its storage.
    expect(lineOf(estimate, "module.rds.module.db_instance.aws_db_instance.this[0]")).toEqual(
      expect.objectContaining({ monthly: 255.14, note: "db.m6g.large × 2 (standby) + 100 GB gp3 × 2" }),
    );
    // ha: two nodes.
    expect(lineOf(estimate, "module.elasticache.aws_elasticache_replication_group.this[0]")).toEqual(
      expect.objectContaining({ monthly: 217.54, note: "2 × cache.m6g.large" }),
    );
    // replaced create-before-destroy.
    expect(lineOf(estimate, "module.vpc.aws_nat_gateway.this[0]").monthly).toBe(32.85);
    // deleted: not billed after the plan.
    expect(lineOf(estimate, "module.s3_bucket.aws_s3_bucket.this[0]")).toEqual(
      expect.objectContaining({ monthly: 0, note: "deleted: not billed after this plan" }),
    );
    // Types without a price are listed; the total is a lower bound and says so.
    expect(estimate.unknown).toEqual(["aws_vpc_endpoint.s3", "aws_opensearch_domain.logs"]);
    expect(lineOf(estimate, "aws_vpc_endpoint.s3")).toEqual(
      expect.objectContaining({ monthly: null, note: "no price for aws_vpc_endpoint" }),
    );
    expect(estimate.monthly).toBe(1884.77);
    expect(estimate.note).toMatch(/^At least \$1884\.77 a month: 2 resources have no price\./);
  });

  it("says the cost is unknown when nothing in the plan has a price, instead of showing 0", () => {
    const estimate = estimateTerraformCost([
      change("aws_vpc_endpoint.s3", "aws_vpc_endpoint", ["create"], { vpc_endpoint_type: "Interface" }),
      change("azurerm_resource_group.rg", "azurerm_resource_group", ["create"], { location: "westeurope" }),
    ]);
    expect(estimate.monthly).toBeNull();
    expect(estimate.unknown).toEqual(["aws_vpc_endpoint.s3", "azurerm_resource_group.rg"]);
    expect(lineOf(estimate, "azurerm_resource_group.rg").note).toBe("no price table for this provider");
    expect(estimate.note).toBe("Cost unknown: no resource in this plan has a price.");
    expect(estimateTerraformCost([]).note).toBe("Cost unknown: the plan has no resources.");
    expect(estimateTerraformCost([]).monthly).toBeNull();
  });

  it("costs nothing after a destroy plan", () => {
    const destroy = planChanges("aws-small-create.json")
      .filter((rc) => rc.mode !== "data")
      .map((rc) => ({ ...rc, change: { actions: ["delete"], after: null } }));
    const estimate = estimateTerraformCost(destroy);
    expect(estimate.monthly).toBe(0);
    expect(estimate.unknown).toEqual([]);
    expect(estimate.lines.every((l) => l.note === "deleted: not billed after this plan")).toBe(true);
  });

  it("leaves attributes known only after apply unpriced, saying which", () => {
    const estimate = estimateTerraformCost([
      change("aws_db_instance.db", "aws_db_instance", ["create"], {
        engine: "postgres",
        allocated_storage: 20,
      }),
      change("aws_eks_node_group.ng", "aws_eks_node_group", ["create"], {
        instance_types: ["m6i.large"],
        scaling_config: [{}],
      }),
      change("aws_db_instance.mysql", "aws_db_instance", ["create"], {
        engine: "mysql",
        instance_class: "db.t4g.medium",
      }),
      change("aws_instance.big", "aws_instance", ["create"], { instance_type: "u-12tb1.112xlarge" }),
    ]);
    expect(estimate.lines.map((l) => [l.monthly, l.note])).toEqual([
      [null, "instance class known only after apply"],
      [null, "node group: m6i.large, number of machines known only after apply"],
      [null, "no aws prices for mysql databases"],
      [null, "instance: no price for u-12tb1.112xlarge in aws.json"],
    ]);
    expect(estimate.monthly).toBeNull();
  });

  it("counts an ElastiCache cluster that belongs to a replication group once, with its group", () => {
    const estimate = estimateTerraformCost([
      change("aws_elasticache_replication_group.rg", "aws_elasticache_replication_group", ["create"], {
        node_type: "cache.r6g.large",
        num_node_groups: 2,
        replicas_per_node_group: 1,
      }),
      change("aws_elasticache_cluster.member", "aws_elasticache_cluster", ["create"], {
        replication_group_id: "rg",
      }),
    ]);
    expect(estimate.lines.map((l) => l.monthly)).toEqual([601.52, 0]);
  });

  it("notes when the stack's region is not the prices' region", () => {
    const changes = planChanges("aws-small-create.json");
    expect(estimateTerraformCost(changes, { region: "eu-west-1" }).note).toContain(
      "The stack is in eu-west-1: expect different prices there.",
    );
    expect(estimateTerraformCost(changes, { region: "us-east-1" }).note).not.toContain("The stack is in");
  });
});

describe("estimateTerraformCost on Google Cloud plans", () => {
  it("prices the example environment: regional node pools, a regional Cloud SQL instance, Memorystore", () => {
    const estimate = estimateTerraformCost(planChanges("gcp-small-gpu-create.json"));
    expect(lineOf(estimate, "module.gke.google_container_cluster.primary").monthly).toBe(73);
    // node_locations is known only after apply: a regional pool is 3 zones by default.
    expect(lineOf(estimate, 'module.gke.google_container_node_pool.pools["general"]')).toEqual(
      expect.objectContaining({
        monthly: 293.46,
        note: "3 × e2-standard-4 (1 per zone × 3 zones, assumed) autoscaling to 2 per zone; the minimum is counted",
      }),
    );
    // A GPU pool autoscaling from 0 costs nothing until it scales.
    expect(lineOf(estimate, 'module.gke.google_container_node_pool.pools["gpu"]').monthly).toBe(0);
    expect(lineOf(estimate, "module.postgres.google_sql_database_instance.default")).toEqual(
      expect.objectContaining({ monthly: 105.5, note: "db-custom-1-3840 × 2 (standby) + 20 GB PD_SSD × 2" }),
    );
    expect(lineOf(estimate, "module.redis.google_redis_instance.default").monthly).toBe(71.54);
    // The private services range is internal: no charge.
    expect(
      lineOf(
        estimate,
        "module.private_service_access.google_compute_global_address.google-managed-services-range",
      ),
    ).toEqual(expect.objectContaining({ monthly: 0, note: "internal address: no charge" }));
    // null_resource and random_password are in every table's free list.
    expect(lineOf(estimate, "module.private_service_access.null_resource.dependency_setter").monthly).toBe(0);
    expect(estimate.unknown).toEqual([]);
    expect(estimate.monthly).toBe(543.5);
    expect(estimate.note).toContain("us-central1 (gcp.json, ");
  });

  it("leaves Memorystore sizes beyond the priced capacity band and Enterprise Plus unpriced", () => {
    const estimate = estimateTerraformCost([
      change("google_redis_instance.r", "google_redis_instance", ["create"], {
        tier: "STANDARD_HA",
        memory_size_gb: 6,
      }),
      change("google_sql_database_instance.db", "google_sql_database_instance", ["create"], {
        database_version: "POSTGRES_16",
        settings: [{ tier: "db-perf-optimized-N-2", edition: "ENTERPRISE_PLUS" }],
      }),
    ]);
    expect(estimate.unknown).toEqual(["google_redis_instance.r", "google_sql_database_instance.db"]);
    expect(estimate.lines.map((l) => l.note)).toEqual([
      "no price for STANDARD_HA/M2 in gcp.json",
      "Cloud SQL Enterprise Plus is not priced",
    ]);
  });
});

describe("Terraform price tables", () => {
  it("are dated, sourced, for one region each, and frozen", () => {
    for (const table of [aws, gcp]) {
      expect(table.effectiveDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(table.source).toMatch(/^https:\/\//);
      expect(table.region).not.toBe("");
      expect(table.notes.some((n) => n.includes("vary by region"))).toBe(true);
      expect(Object.isFrozen(table.machines)).toBe(true);
    }
    expect(aws.region).toBe("us-east-1");
  });

  it("price every machine, database and cache size the example modules use", () => {
    const read = (cloud: string) =>
      readFileSync(new URL(`../examples/terraform/${cloud}/main.tf`, import.meta.url), "utf8");
    const quoted = (text: string, re: RegExp) => [...text.matchAll(re)].map((m) => m[1] ?? "");
    const awsTf = read("aws");
    const awsMachines = quoted(awsTf, /"((?:m6i|g5)\.\d*x?large)"/g);
    expect(awsMachines.length).toBeGreaterThanOrEqual(6);
    for (const m of awsMachines) expect(aws.machines[m], m).toBeDefined();
    for (const d of quoted(awsTf, /"(db\.[a-z0-9]+\.[a-z0-9]+)"/g)) expect(aws.databases[d], d).toBeDefined();
    for (const c of quoted(awsTf, /"(cache\.[a-z0-9]+\.[a-z0-9]+)"/g)) expect(aws.caches[c], c).toBeDefined();
    const gcpTf = read("gcp");
    const gcpMachines = quoted(gcpTf, /"([a-z][a-z0-9]*-standard-\d+)"/g);
    expect(gcpMachines.length).toBeGreaterThanOrEqual(6);
    for (const m of gcpMachines) expect(gcp.machines[m], m).toBeDefined();
    for (const d of quoted(gcpTf, /"(db-custom-\d+-\d+)"/g)) expect(gcp.databases[d], d).toBeDefined();
  });

  it("refuse a malformed table at load, listing every problem", () => {
    const broken = {
      ...structuredClone(aws),
      currency: "dollars",
      effectiveDate: "2026-02-30",
      machines: { "m6i.large": -1 },
      fixed: { aws_eks_cluster: { hourly: 0.1, monthly: 73 }, aws_s3_bucket: { usageOnly: true } },
      free: "aws_vpc",
    };
    expect(() => validateTerraformPriceTable(broken, "prices/broken.json")).toThrow(
      'price table prices/broken.json is malformed: currency must be a three-letter code such as USD; effectiveDate must be a date written YYYY-MM-DD; machines["m6i.large"] must be a number ≥ 0; fixed["aws_eks_cluster"] needs exactly one of hourly, monthly, usageOnly: true; fixed["aws_s3_bucket"] is usage-based and needs a note saying how; free must be an array of non-empty strings',
    );
    expect(() => validateTerraformPriceTable([], "x.json")).toThrow("not an object");
  });
});
