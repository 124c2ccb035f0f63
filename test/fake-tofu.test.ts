import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestDatabase, type TestDatabase } from "./support/db.js";
import { createFakeTofu, type FakeTofu, type RunResult } from "./support/fake-tofu/index.js";

/**
 * The fake `tofu` against the real CLI: the same scenario (a terraform_data-only module
 * with a local module, a pg backend on this file's database) run by both, with the same
 * messages, exit codes, state shape, stale-plan refusal and lock behaviour (each blocks
 * on a lock the other holds); the same rejections of bad configuration; then what only
 * the fake does (injected failures, delays and SIGKILL, invocation records, the module
 * catalogue, cloud-backend validation).
 *
 * The real side runs when `terraform` or `tofu` is on PATH; the fake then impersonates
 * that one. Otherwise those tests are skipped with a warning.
 */

function onPath(name: string): string | undefined {
  const r = spawnSync("sh", ["-c", `command -v ${name}`]);
  return r.status === 0 ? r.stdout.toString().trim() : undefined;
}

const REAL = (() => {
  for (const name of ["terraform", "tofu"] as const) {
    const bin = onPath(name);
    if (bin) return { bin, flavor: name };
  }
  return undefined;
})();
if (!REAL)
  console.warn(
    "[fake-tofu.test] neither terraform nor tofu is on PATH: the comparisons with the real CLI are skipped",
  );
const itReal = REAL ? it : it.skip;
// Each test runs the CLI several times (a process of node + tsx, or Go, each): slower than most.
vi.setConfig({ testTimeout: 60_000 });
const FLAVOR = REAL?.flavor ?? "tofu";

let database: TestDatabase;
let connStr: string;
let fake: FakeTofu;
let root: string;

beforeAll(async () => {
  database = await createTestDatabase();
  const u = new URL(database.url);
  u.searchParams.set("sslmode", "disable"); // lib/pq (the real CLI) defaults to TLS
  connStr = u.toString();
  fake = createFakeTofu({ flavor: FLAVOR, dumpWorkDir: true, cloudState: true, modules: CATALOGUE });
  root = mkdtempSync(path.join(os.tmpdir(), "fake-tofu-test-"));
});

afterAll(async () => {
  await fake?.close();
  if (root) rmSync(root, { recursive: true, force: true });
  await database?.drop();
});

// ——— configurations ————————————————————————————————————————————————

const INFRA = {
  variable: { prefix: { type: "string" } },
  resource: {
    terraform_data: {
      a: { input: "${var.prefix}-a" },
      b: { input: "${terraform_data.a.output}/b", triggers_replace: ["${var.prefix}"] },
    },
  },
  output: {
    endpoint: { value: "https://${terraform_data.b.output}" },
    pw: { value: "secret-${terraform_data.a.id}", sensitive: true },
  },
};

function mainModule(opts: { withGone: boolean }) {
  return {
    terraform: { required_version: ">= 1.6", backend: { pg: {} } },
    variable: { name: { type: "string", default: "acme" } },
    locals: { greeting: "hello-${var.name}" },
    module: { infra: { source: "./modules/infra", prefix: "${local.greeting}" } },
    resource: {
      terraform_data: {
        root: { input: { a: "${var.name}", n: 3 } },
        ...(opts.withGone && { gone: { input: "bye" } }),
      },
    },
    output: {
      infra__endpoint: { value: "${module.infra.endpoint}" },
      infra__pw: { value: "${module.infra.pw}", sensitive: true },
      root_out: { value: "${terraform_data.root.output}" },
    },
  };
}

const CATALOGUE = {
  "terraform-aws-modules/vpc/aws@5.8.1": {
    variable: { name: { type: "string" } },
    resource: { aws_vpc: { this: { cidr_block: "10.0.0.0/16", tags: { Name: "${var.name}" } } } },
    output: { vpc_id: { value: "${aws_vpc.this.id}" }, arn: { value: "${aws_vpc.this.arn}" } },
  },
  "terraform-aws-modules/vpc/aws@5.9.0": { output: { v: { value: "5.9.0" } } },
  "git::https://git.example.com/stacks.git//network?ref=v1": {
    resource: { terraform_data: { net: { input: "net" } } },
    output: { id: { value: "${terraform_data.net.id}" } },
  },
};

function workDir(name: string, files: Record<string, unknown>): string {
  const dir = path.join(root, name);
  rmSync(dir, { recursive: true, force: true });
  for (const [file, content] of Object.entries(files)) {
    const full = path.join(dir, file);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, typeof content === "string" ? content : JSON.stringify(content, null, 2));
  }
  return dir;
}

function envFor(schema: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    TF_CLI_CONFIG_FILE: "/dev/null",
    PG_CONN_STR: connStr,
    PG_SCHEMA_NAME: schema,
    ...extra,
  };
}

interface Cli {
  name: "fake" | "real";
  run(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<RunResult>;
  start(args: string[], cwd: string, env: NodeJS.ProcessEnv): ReturnType<FakeTofu["start"]>;
}

const fakeCli: Cli = {
  name: "fake",
  run: (args, cwd, env) => fake.run(args, { cwd, env }),
  start: (args, cwd, env) => fake.start(args, { cwd, env }),
};
const realCli: Cli = {
  name: "real",
  run: (args, cwd, env) => fake.run(args, { cwd, env, bin: REAL!.bin }),
  start: (args, cwd, env) => fake.start(args, { cwd, env, bin: REAL!.bin }),
};

// ——— normalising what differs by nature (ids, times) ————————————————————

const ID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

function blank(v: unknown): unknown {
  if (typeof v === "string") return v.replace(ID, "<id>");
  if (Array.isArray(v)) return v.map(blank);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === "@timestamp" || k === "timestamp") continue;
      out[k] = k === "elapsed_seconds" ? 0 : blank(x);
    }
    return out;
  }
  return v;
}

/** Messages as a sorted multiset (independent resources may be applied in any order). */
function messageSet(r: RunResult): string[] {
  return r.messages.map((m) => JSON.stringify(blank(m)).replace(/after \d+s/g, "after Ns")).sort();
}

function types(r: RunResult): string[] {
  return r.messages.map((m) => String(m.type));
}

function diagnostics(r: RunResult): { summary: string; detail: string; range?: unknown }[] {
  return r.messages
    .filter((m) => m.type === "diagnostic")
    .map((m) => m.diagnostic as { summary: string; detail: string; range?: unknown });
}

/** The state's shape: what each instance holds, with ids blanked and serial left out. */
function stateShape(s: unknown): unknown {
  const st = blank(s) as Record<string, unknown>;
  const { serial: _s, lineage: _l, ...rest } = st;
  return rest;
}

/** `show -json` of a plan, without what the fake leaves out (relevant_attributes) or what differs by run. */
function planShape(p: Record<string, unknown>): unknown {
  const { relevant_attributes: _r, ...rest } = blank(p) as Record<string, unknown>;
  const changes = (rest.resource_changes as { address: string }[]).sort((a, b) =>
    a.address < b.address ? -1 : 1,
  );
  return { ...rest, resource_changes: changes };
}

// ——— the scenario both CLIs run ———————————————————————————————————————

interface ScenarioRecord {
  version: unknown;
  init: RunResult;
  plan1: RunResult;
  show1: Record<string, unknown>;
  apply1: RunResult;
  applyAgain: RunResult;
  output: RunResult;
  stateList: RunResult;
  state1: unknown;
  plan2: RunResult;
  show2: Record<string, unknown>;
  apply2: RunResult;
  stalePlanApply: RunResult;
  noChanges: RunResult;
  planDestroy: RunResult;
  showDestroy: Record<string, unknown>;
  destroy: RunResult;
  stateAfterDestroy: unknown;
}

async function scenario(cli: Cli): Promise<ScenarioRecord> {
  const schema = `scenario_${cli.name}`;
  const dir = workDir(`scenario-${cli.name}`, {
    "main.tf.json": mainModule({ withGone: true }),
    "modules/infra/main.tf.json": INFRA,
  });
  const env = envFor(schema);
  const version = JSON.parse((await cli.run(["version", "-json"], dir, env)).stdout);
  const init = await cli.run(["init", "-input=false", "-json"], dir, env);
  const plan1 = await cli.run(
    ["plan", "-input=false", "-json", "-out=tfplan", "-lock-timeout=5s", "-detailed-exitcode"],
    dir,
    env,
  );
  const show1 = JSON.parse((await cli.run(["show", "-json", "tfplan"], dir, env)).stdout);
  const apply1 = await cli.run(
    ["apply", "-input=false", "-json", "-auto-approve", "-lock-timeout=5s", "tfplan"],
    dir,
    env,
  );
  const applyAgain = await cli.run(["apply", "-input=false", "-json", "-auto-approve", "tfplan"], dir, env);
  const output = await cli.run(["output", "-json"], dir, env);
  const stateList = await cli.run(["state", "list"], dir, env);
  const state1 = await fake.state(connStr, schema);

  // Second round: another name (update, replace), one resource gone from the configuration (delete).
  writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify(mainModule({ withGone: false }), null, 2));
  const env2 = envFor(schema, { TF_VAR_name: "beta" });
  const plan2 = await cli.run(
    ["plan", "-input=false", "-json", "-out=tfplan2", "-detailed-exitcode"],
    dir,
    env2,
  );
  const show2 = JSON.parse((await cli.run(["show", "-json", "tfplan2"], dir, env2)).stdout);
  const stale = await cli.run(["plan", "-input=false", "-json", "-out=stale", "-refresh=false"], dir, env2);
  expect(stale.code).toBe(0);
  const apply2 = await cli.run(["apply", "-input=false", "-json", "-auto-approve", "tfplan2"], dir, env2);
  const stalePlanApply = await cli.run(
    ["apply", "-input=false", "-json", "-auto-approve", "stale"],
    dir,
    env2,
  );
  const noChanges = await cli.run(["plan", "-input=false", "-json", "-detailed-exitcode"], dir, env2);
  const planDestroy = await cli.run(
    ["plan", "-input=false", "-json", "-destroy", "-out=destroy.plan", "-detailed-exitcode"],
    dir,
    env2,
  );
  const showDestroy = JSON.parse((await cli.run(["show", "-json", "destroy.plan"], dir, env2)).stdout);
  const destroy = await cli.run(
    ["destroy", "-input=false", "-json", "-auto-approve", "-lock-timeout=5s"],
    dir,
    env2,
  );
  const stateAfterDestroy = await fake.state(connStr, schema);
  return {
    version,
    init,
    plan1,
    show1,
    apply1,
    applyAgain,
    output,
    stateList,
    state1,
    plan2,
    show2,
    apply2,
    stalePlanApply,
    noChanges,
    planDestroy,
    showDestroy,
    destroy,
    stateAfterDestroy,
  };
}

describe("the fake and the real CLI run the same scenario alike", () => {
  let f: ScenarioRecord;
  let r: ScenarioRecord | undefined;

  beforeAll(async () => {
    f = await scenario(fakeCli);
    if (REAL) r = await scenario(realCli);
  }, 120_000);

  it("the fake alone: exit codes, message types and the state it leaves", () => {
    expect(f.init.code).toBe(0);
    expect(types(f.init)[0]).toBe("version");
    expect(f.plan1.code).toBe(2); // -detailed-exitcode: changes
    expect(types(f.plan1).filter((t) => t === "planned_change")).toHaveLength(4);
    expect(f.plan1.messages.find((m) => m.type === "change_summary")?.changes).toEqual({
      add: 4,
      change: 0,
      import: 0,
      remove: 0,
      operation: "plan",
    });
    expect(f.apply1.code).toBe(0);
    expect(types(f.apply1).filter((t) => t === "apply_complete")).toHaveLength(4);
    expect(f.applyAgain.code).toBe(1);
    expect(diagnostics(f.applyAgain)[0]?.summary).toBe("Saved plan is stale");
    expect(f.stalePlanApply.code).toBe(1);
    expect(diagnostics(f.stalePlanApply)[0]?.summary).toBe("Saved plan is stale");
    expect(f.stateList.stdout.trim().split("\n")).toEqual([
      "terraform_data.gone",
      "terraform_data.root",
      "module.infra.terraform_data.a",
      "module.infra.terraform_data.b",
    ]);
    const out = JSON.parse(f.output.stdout);
    expect(out.infra__endpoint).toEqual({
      sensitive: false,
      type: "string",
      value: "https://hello-acme-a/b",
    });
    expect(out.infra__pw.sensitive).toBe(true);
    expect(out.root_out).toEqual({
      sensitive: false,
      type: ["object", { a: "string", n: "number" }],
      value: { a: "acme", n: 3 },
    });
    const state = f.state1 as {
      version: number;
      serial: number;
      resources: { name: string; instances: unknown[] }[];
    };
    expect(state.version).toBe(4);
    expect(state.serial).toBeGreaterThan(0);
    expect(f.plan2.code).toBe(2);
    const actions = (f.show2.resource_changes as { address: string; change: { actions: string[] } }[]).map(
      (c) => [c.address, c.change.actions],
    );
    expect(Object.fromEntries(actions)).toEqual({
      "terraform_data.gone": ["delete"],
      "terraform_data.root": ["update"],
      "module.infra.terraform_data.a": ["update"],
      "module.infra.terraform_data.b": ["delete", "create"],
    });
    expect(f.apply2.code).toBe(0);
    expect(f.noChanges.code).toBe(0);
    expect(f.destroy.code).toBe(0);
    expect((f.stateAfterDestroy as { resources: unknown[] }).resources).toEqual([]);
  });

  itReal("version -json has the same fields", () => {
    expect(Object.keys(f.version as object)).toEqual(Object.keys(r!.version as object));
    expect(f.version).toEqual(r!.version);
  });

  itReal("init: the same messages (and the same non-JSON line for a new backend)", () => {
    expect(f.init.code).toBe(r!.init.code);
    expect(messageSet(f.init)).toEqual(messageSet(r!.init));
    const line = (s: string) => s.split("\n").find((l) => l.includes("Successfully configured the backend"));
    expect(line(f.init.stdout)).toBe(line(r!.init.stdout));
  });

  itReal("plan: the same planned changes, summary, outputs and exit code", () => {
    expect(f.plan1.code).toBe(r!.plan1.code);
    expect(messageSet(f.plan1)).toEqual(messageSet(r!.plan1));
    expect(f.plan2.code).toBe(r!.plan2.code);
    expect(messageSet(f.plan2)).toEqual(messageSet(r!.plan2));
    expect(f.noChanges.code).toBe(r!.noChanges.code);
    expect(messageSet(f.noChanges)).toEqual(messageSet(r!.noChanges));
    expect(f.planDestroy.code).toBe(r!.planDestroy.code);
    expect(messageSet(f.planDestroy)).toEqual(messageSet(r!.planDestroy));
  });

  itReal("show -json of a plan: the same representation", () => {
    expect(planShape(f.show1)).toEqual(planShape(r!.show1));
    expect(planShape(f.show2)).toEqual(planShape(r!.show2));
    expect(planShape(f.showDestroy)).toEqual(planShape(r!.showDestroy));
  });

  itReal("apply: the same hooks, summary and outputs; a stale plan refused alike", () => {
    expect(f.apply1.code).toBe(r!.apply1.code);
    expect(messageSet(f.apply1)).toEqual(messageSet(r!.apply1));
    expect(messageSet(f.apply2)).toEqual(messageSet(r!.apply2));
    expect(f.applyAgain.code).toBe(r!.applyAgain.code);
    expect(messageSet(f.applyAgain)).toEqual(messageSet(r!.applyAgain));
    expect(messageSet(f.stalePlanApply)).toEqual(messageSet(r!.stalePlanApply));
  });

  itReal("output -json, state list and destroy agree", () => {
    expect(blank(JSON.parse(f.output.stdout))).toEqual(blank(JSON.parse(r!.output.stdout)));
    expect(f.stateList.stdout.split("\n").sort()).toEqual(r!.stateList.stdout.split("\n").sort());
    expect(f.destroy.code).toBe(r!.destroy.code);
    expect(messageSet(f.destroy)).toEqual(messageSet(r!.destroy));
  });

  itReal("the state in PostgreSQL has the same shape", () => {
    expect(stateShape(f.state1)).toEqual(stateShape(r!.state1));
    expect(stateShape(f.stateAfterDestroy)).toEqual(stateShape(r!.stateAfterDestroy));
  });
});

// ——— a failure half-way ————————————————————————————————————————————————

const FAILING = {
  terraform: { backend: { pg: {} } },
  resource: {
    terraform_data: {
      ok: { input: "k" },
      // The real CLI fails in the provisioner; the fake, which ignores provisioners, is told to fail.
      bad: {
        input: "b",
        depends_on: ["terraform_data.ok"],
        provisioner: { "local-exec": { command: "exit 3" } },
      },
      after: { input: "${terraform_data.bad.output}" },
    },
  },
};

async function failingRun(cli: Cli) {
  const schema = `failing_${cli.name}`;
  const dir = workDir(`failing-${cli.name}`, { "main.tf.json": FAILING });
  await cli.run(["init", "-input=false", "-json"], dir, envFor(schema));
  const apply = await cli.run(["apply", "-input=false", "-json", "-auto-approve"], dir, envFor(schema));
  const state = await fake.state(connStr, schema);
  const plan = await cli.run(["plan", "-input=false", "-json", "-detailed-exitcode"], dir, envFor(schema));
  return { apply, state, plan };
}

describe("a resource that fails to apply", () => {
  itReal(
    "the fake's injected failure looks like the real CLI's: apply_errored, the diagnostic, a tainted instance replaced next time",
    async () => {
      const r = await failingRun(realCli);
      const realDiag = diagnostics(r.apply)[0]!;
      fake.control({
        failures: [
          { address: "terraform_data.bad", summary: realDiag.summary, detail: realDiag.detail, taint: true },
        ],
      });
      const f = await failingRun(fakeCli);
      fake.control({});
      expect(f.apply.code).toBe(r.apply.code);
      const withoutProvisioners = (x: RunResult) =>
        messageSet({
          ...x,
          messages: x.messages.filter(
            (m) => !String(m.type).startsWith("provision_") && m.type !== "diagnostic",
          ),
        });
      expect(withoutProvisioners(f.apply)).toEqual(withoutProvisioners(r.apply));
      const fd = diagnostics(f.apply)[0] as { summary: string; detail: string; address?: string };
      expect(fd).toMatchObject({
        summary: realDiag.summary,
        detail: realDiag.detail,
        address: "terraform_data.bad",
      });
      expect(stateShape(f.state)).toEqual(stateShape(r.state));
      expect(f.plan.code).toBe(r.plan.code);
      expect(messageSet(f.plan)).toEqual(messageSet(r.plan));
    },
  );
});

// ——— locks: each blocks on the other's ————————————————————————————————

async function advisoryLocks(): Promise<number> {
  const c = new pg.Client({ connectionString: database.url });
  await c.connect();
  try {
    const { rows } = await c.query<{ n: string }>(
      "select count(*) as n from pg_locks where locktype = 'advisory' and granted and database = (select oid from pg_database where datname = current_database())",
    );
    return Number(rows[0]?.n ?? 0);
  } finally {
    await c.end();
  }
}

async function waitFor(cond: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
}

const SLOW = {
  terraform: { backend: { pg: {} } },
  variable: { run: { type: "string" } },
  resource: {
    terraform_data: {
      // The real CLI spends its 6 s in the provisioner; the fake ignores provisioners and is
      // given a delay instead. (Long enough for the other CLI to start on a loaded machine.)
      slow: {
        input: "x",
        triggers_replace: "${var.run}",
        provisioner: { "local-exec": { command: "sleep 6" } },
      },
    },
  },
};

function lockDetail(d: { detail: string } | undefined): string {
  return (d?.detail ?? "")
    .replace(ID, "<id>")
    .replace(/Who: .*/, "Who: <who>")
    .replace(/Created: .*/, "Created: <time>")
    .replace(/Path: .*/, "Path: <path>");
}

describe("state locking with the pg backend", () => {
  itReal(
    "the fake waits for a lock the real CLI holds, and the real CLI for the fake's",
    async () => {
      const schema = "locks";
      const dirReal = workDir("locks-real", { "main.tf.json": SLOW });
      const dirFake = workDir("locks-fake", { "main.tf.json": SLOW });
      expect((await realCli.run(["init", "-input=false", "-json"], dirReal, envFor(schema))).code).toBe(0);
      expect((await fakeCli.run(["init", "-input=false", "-json"], dirFake, envFor(schema))).code).toBe(0);
      const first = await realCli.run(
        ["apply", "-input=false", "-json", "-auto-approve"],
        dirReal,
        envFor(schema, { TF_VAR_run: "1" }),
      );
      expect(first.code).toBe(0);
      expect(await advisoryLocks()).toBe(0);

      // The real CLI holds the lock for its 6-second apply.
      const realApply = realCli.start(
        ["apply", "-input=false", "-json", "-auto-approve"],
        dirReal,
        envFor(schema, { TF_VAR_run: "2" }),
      );
      await waitFor(async () => (await advisoryLocks()) > 0);
      const t0 = Date.now();
      const refused = await fakeCli.run(
        ["plan", "-input=false", "-json", "-lock-timeout=1s"],
        dirFake,
        envFor(schema, { TF_VAR_run: "2" }),
      );
      expect(refused.code).toBe(1);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
      expect(diagnostics(refused)[0]?.summary).toBe("Error acquiring the state lock");
      expect(types(refused)).toContain("state_lock_acquire");
      const waited = await fakeCli.run(
        ["plan", "-input=false", "-json", "-lock-timeout=20s"],
        dirFake,
        envFor(schema, { TF_VAR_run: "2" }),
      );
      expect(waited.code).toBe(0);
      expect((await realApply.result).code).toBe(0);

      // And the other way round: the fake holds it for 6 s.
      fake.control({ delays: { "terraform_data.slow": 6000 } });
      const fakeApply = fakeCli.start(
        ["apply", "-input=false", "-json", "-auto-approve"],
        dirFake,
        envFor(schema, { TF_VAR_run: "3" }),
      );
      await waitFor(async () => (await advisoryLocks()) > 0);
      const realRefused = await realCli.run(
        ["plan", "-input=false", "-json", "-lock-timeout=1s"],
        dirReal,
        envFor(schema, { TF_VAR_run: "3" }),
      );
      expect(realRefused.code).toBe(1);
      expect(diagnostics(realRefused)[0]?.summary).toBe("Error acquiring the state lock");
      const realWaited = await realCli.run(
        ["plan", "-input=false", "-json", "-lock-timeout=20s"],
        dirReal,
        envFor(schema, { TF_VAR_run: "3" }),
      );
      expect(realWaited.code).toBe(0);
      expect((await fakeApply.result).code).toBe(0);
      fake.control({});

      // The same diagnostic, word for word but for the lock's id, holder and time.
      expect(lockDetail(diagnostics(refused)[0])).toBe(lockDetail(diagnostics(realRefused)[0]));
      expect(
        messageSet({ ...refused, messages: refused.messages.filter((m) => m.type !== "diagnostic") }),
      ).toEqual(
        messageSet({ ...realRefused, messages: realRefused.messages.filter((m) => m.type !== "diagnostic") }),
      );
    },
    90_000,
  );

  it("force-unlock -force answers as the pg backend does", async () => {
    const dir = workDir("unlock", { "main.tf.json": SLOW });
    await fakeCli.run(["init", "-input=false", "-json"], dir, envFor("unlock"));
    const r = await fakeCli.run(["force-unlock", "-force", "0123"], dir, envFor("unlock"));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("state has been successfully unlocked!");
  });
});

// ——— what real terraform rejects, the fake rejects alike ——————————————————

interface Rejection {
  name: string;
  files: Record<string, unknown>;
  /** The command whose diagnostics are compared. */
  at: "init" | "plan";
}

const REJECTIONS: Rejection[] = [
  { name: "extraneous", files: { "main.tf.json": { resourcez: {} } }, at: "init" },
  {
    name: "unknown-backend",
    files: { "main.tf.json": { terraform: { backend: { nope: {} } } } },
    at: "init",
  },
  {
    name: "backend-attribute",
    files: { "main.tf.json": { terraform: { backend: { pg: { conn: "x" } } } } },
    at: "init",
  },
  {
    name: "two-backends",
    files: { "main.tf.json": '{"terraform": {"backend": {"pg": {}, "local": {}}}}' },
    at: "init",
  },
  { name: "no-source", files: { "main.tf.json": { module: { m: { x: 1 } } } }, at: "init" },
  {
    name: "local-version",
    files: { "main.tf.json": { module: { m: { source: "./m", version: "1.0" } } } },
    at: "init",
  },
  { name: "invalid-json", files: { "main.tf.json": '{"module": \n' }, at: "init" },
  {
    name: "undeclared-var",
    files: { "main.tf.json": { output: { o: { value: "${var.nope}" } } } },
    at: "plan",
  },
  {
    name: "undeclared-module-output",
    files: {
      "main.tf.json": { module: { m: { source: "./m" } }, output: { o: { value: "${module.m.nope}" } } },
      "m/main.tf.json": { output: { x: { value: 1 } } },
    },
    at: "plan",
  },
  {
    name: "undeclared-module",
    files: { "main.tf.json": { output: { o: { value: "${module.nope.x}" } } } },
    at: "plan",
  },
  {
    name: "undeclared-resource",
    files: { "main.tf.json": { output: { o: { value: "${terraform_data.zz.id}" } } } },
    at: "plan",
  },
  {
    name: "unexpected-module-argument",
    files: {
      "main.tf.json": { module: { m: { source: "./m", nope: 1 } } },
      "m/main.tf.json": { output: { x: { value: 1 } } },
    },
    at: "plan",
  },
  {
    name: "core-version",
    files: { "main.tf.json": { terraform: { required_version: ">= 9.0" } } },
    at: "init",
  },
  {
    name: "missing-module-variable",
    files: {
      "main.tf.json": { module: { m: { source: "./m" } } },
      "m/main.tf.json": { variable: { needed: { type: "string" } } },
    },
    at: "plan",
  },
  {
    name: "undeclared-local",
    files: { "main.tf.json": { output: { o: { value: "x-${local.nope}" } } } },
    at: "plan",
  },
  {
    name: "terraform-data-argument",
    files: { "main.tf.json": { resource: { terraform_data: { x: { inputs: 1 } } } } },
    at: "plan",
  },
  {
    name: "registry-module-offline",
    files: { "main.tf.json": { module: { vpc: { source: "example-corp/nothing/aws", version: "1.0.0" } } } },
    at: "init",
  },
];

async function rejectionRun(cli: Cli, rej: Rejection) {
  const dir = workDir(`reject-${rej.name}-${cli.name}`, rej.files);
  const env = envFor(`reject_${cli.name}`);
  const init = await cli.run(["init", "-input=false", "-json"], dir, env);
  if (rej.at === "init") return init;
  expect(init.code).toBe(0);
  return cli.run(["plan", "-input=false", "-json"], dir, env);
}

describe("configuration the real CLI rejects", () => {
  for (const rej of REJECTIONS) {
    it(`${rej.name}: the fake exits 1 with an error diagnostic`, async () => {
      const f = await rejectionRun(fakeCli, rej);
      expect(f.code).toBe(1);
      expect(diagnostics(f)[0]).toBeDefined();
    });

    itReal(`${rej.name}: the same first diagnostic (summary, detail, range) as the real CLI`, async () => {
      const [f, r] = await Promise.all([rejectionRun(fakeCli, rej), rejectionRun(realCli, rej)]);
      expect(f.code).toBe(r.code);
      const df = diagnostics(f)[0]!;
      const dr = diagnostics(r)[0]!;
      expect(df.summary).toBe(dr.summary);
      if (rej.name === "registry-module-offline") {
        // The real one names its DNS failure; the fake says it has no network and no catalogue entry.
        expect(df.detail).toMatch(
          /^Failed to retrieve available versions for module "vpc" \(main\.tf\.json:\d+\) from /,
        );
      } else expect(df.detail).toBe(dr.detail);
      expect(df.range).toEqual(dr.range);
      // Every diagnostic the fake gives, the real CLI gives too.
      const real = diagnostics(r).map((d) => d.summary);
      for (const d of diagnostics(f)) expect(real).toContain(d.summary);
    });
  }
});

// ——— what only the fake does ——————————————————————————————————————————

function simpleModule(schema: string) {
  return {
    dir: workDir(`only-${schema}`, {
      "main.tf.json": mainModule({ withGone: false }),
      "modules/infra/main.tf.json": INFRA,
    }),
    env: envFor(schema),
  };
}

describe("test control", () => {
  it("fails a resource's apply as told, N times, leaving the state written so far; then succeeds", async () => {
    const { dir, env } = simpleModule("failures");
    fake.control({
      failures: [
        {
          address: "module.infra.terraform_data.b",
          summary: "Error creating B",
          detail: "quota exceeded",
          times: 2,
        },
      ],
    });
    await fakeCli.run(["init", "-input=false", "-json"], dir, env);
    for (let i = 0; i < 2; i++) {
      const r = await fakeCli.run(["apply", "-input=false", "-json", "-auto-approve"], dir, env);
      expect(r.code).toBe(1);
      const errored = r.messages.find((m) => m.type === "apply_errored") as {
        hook: { resource: { addr: string } };
      };
      expect(errored.hook.resource.addr).toBe("module.infra.terraform_data.b");
      const d = diagnostics(r)[0] as { summary: string; detail: string; address?: string };
      expect(d).toMatchObject({
        summary: "Error creating B",
        detail: "quota exceeded",
        address: "module.infra.terraform_data.b",
      });
      // No "Apply complete!" after a failure, as with the real CLI.
      expect(
        r.messages.filter((m) => (m.changes as { operation?: string } | undefined)?.operation === "apply"),
      ).toEqual([]);
      const state = await fake.state(connStr, "failures");
      const names = state!.resources.map((x) => `${x.module ?? ""}.${x.name}`);
      expect(names).toContain("module.infra.a");
      expect(names).not.toContain("module.infra.b");
    }
    const ok = await fakeCli.run(["apply", "-input=false", "-json", "-auto-approve"], dir, env);
    expect(ok.code).toBe(0);
    fake.control({
      failures: [{ address: "terraform_data.root", on: "destroy", summary: "Error deleting root", times: 1 }],
    });
    const d1 = await fakeCli.run(["destroy", "-input=false", "-json", "-auto-approve"], dir, env);
    expect(d1.code).toBe(1);
    expect(diagnostics(d1)[0]?.summary).toBe("Error deleting root");
    expect((await fake.state(connStr, "failures"))!.resources.map((x) => x.name)).toEqual(["root"]);
    expect((await fakeCli.run(["destroy", "-input=false", "-json", "-auto-approve"], dir, env)).code).toBe(0);
    fake.control({});
  });

  it("a fake SIGKILLed mid-apply leaves a partial state and no lock", async () => {
    const { dir, env } = simpleModule("sigkill");
    await fakeCli.run(["init", "-input=false", "-json"], dir, env);
    fake.control({ delays: { "module.infra.terraform_data.b": 30_000 } });
    const { child, result } = fakeCli.start(["apply", "-input=false", "-json", "-auto-approve"], dir, env);
    await waitFor(async () => {
      const s = await fake.state(connStr, "sigkill");
      return !!s?.resources.some((x) => x.name === "a");
    });
    child.kill("SIGKILL");
    expect((await result).signal).toBe("SIGKILL");
    fake.control({});
    const s = await fake.state(connStr, "sigkill");
    expect(s!.resources.map((x) => x.name).sort()).toEqual(["a", "root"]);
    const again = await fakeCli.run(["plan", "-input=false", "-json", "-detailed-exitcode"], dir, env);
    expect(again.code).toBe(2);
    expect(again.messages.find((m) => m.type === "change_summary")?.changes).toMatchObject({ add: 1 });
  });

  it("records each invocation (argv, cwd, env names, exit code) and never an environment value", async () => {
    const { dir, env } = simpleModule("records");
    const before = fake.invocations().length;
    await fakeCli.run(["init", "-input=false", "-json"], dir, env);
    await fakeCli.run(["plan", "-input=false", "-json", "-out=tfplan", "-lock-timeout=5s"], dir, env);
    const mine = fake.invocations().slice(before);
    expect(mine.map((i) => i.argv[0])).toEqual(["init", "plan"]);
    expect(mine[1]).toMatchObject({
      argv: ["plan", "-input=false", "-json", "-out=tfplan", "-lock-timeout=5s"],
      exitCode: 0,
    });
    expect(mine[0]!.cwd).toBe(dir);
    expect(mine[0]!.env).toEqual(
      expect.arrayContaining(["PG_CONN_STR", "PG_SCHEMA_NAME", "TF_IN_AUTOMATION", "TF_INPUT"]),
    );
    expect(JSON.stringify(mine)).not.toContain(connStr);
    // Each invocation's working directory, as it left it.
    const dumps = fake.workDirDumps().filter((d) => d.cwd === dir);
    expect(Object.keys(dumps.at(-1)!.files)).toEqual(
      expect.arrayContaining([
        "main.tf.json",
        "modules/infra/main.tf.json",
        ".terraform/terraform.tfstate",
        "tfplan",
      ]),
    );
    for (const d of dumps) for (const text of Object.values(d.files)) expect(text).not.toContain(connStr);
  });

  it("a -backend-config conn_str is kept in .terraform/terraform.tfstate, as the real CLI keeps it (the dumps show it)", async () => {
    const { dir, env } = simpleModule("leak");
    const { PG_CONN_STR: _drop, ...noConn } = env;
    const r = await fakeCli.run(
      ["init", "-input=false", "-json", `-backend-config=conn_str=${connStr}`],
      dir,
      noConn,
    );
    expect(r.code).toBe(0);
    const dump = fake
      .workDirDumps()
      .filter((d) => d.cwd === dir)
      .at(-1)!;
    expect(dump.files[".terraform/terraform.tfstate"]).toContain(connStr);
    expect((await fakeCli.run(["plan", "-input=false", "-json"], dir, noConn)).code).toBe(0);
  });
});

describe("modules from the catalogue", () => {
  it("installs registry and git modules from FAKE_TOFU_MODULES, and fails init for one it lacks", async () => {
    const dir = workDir("catalogue", {
      "main.tf.json": {
        terraform: {
          backend: { pg: {} },
          required_providers: { aws: { source: "hashicorp/aws", version: ">= 5.0" } },
        },
        provider: {
          aws: [{ region: "us-east-1", default_tags: [{ tags: { "tenantry-tenant": "acme", team: "a" } }] }],
        },
        module: {
          vpc: { source: "terraform-aws-modules/vpc/aws", version: "~> 5.8.0", name: "acme" },
          net: { source: "git::https://git.example.com/stacks.git//network?ref=v1" },
        },
        output: { vpc_id: { value: "${module.vpc.vpc_id}" }, net: { value: "${module.net.id}" } },
      },
    });
    const env = envFor("catalogue");
    const init = await fakeCli.run(["init", "-input=false", "-json"], dir, env);
    expect(init.code).toBe(0);
    const logs = init.messages.filter((m) => m.type === "log").map((m) => m["@message"]);
    expect(logs).toContain("- vpc in .terraform/modules/vpc");
    expect(logs).toContain("- net in .terraform/modules/net/network");
    const plan = await fakeCli.run(["plan", "-input=false", "-json", "-out=tfplan"], dir, env);
    expect(plan.code).toBe(0);
    const show = JSON.parse((await fakeCli.run(["show", "-json", "tfplan"], dir, env)).stdout);
    const vpc = show.resource_changes.find(
      (c: { address: string }) => c.address === "module.vpc.aws_vpc.this",
    );
    expect(vpc.provider_name).toBe(
      `${FLAVOR === "terraform" ? "registry.terraform.io" : "registry.opentofu.org"}/hashicorp/aws`,
    );
    expect(vpc.change.after.tags_all).toEqual({ "tenantry-tenant": "acme", team: "a", Name: "acme" });
    expect(vpc.change.after_unknown).toMatchObject({ id: true, arn: true });
    expect(
      (await fakeCli.run(["apply", "-input=false", "-json", "-auto-approve", "tfplan"], dir, env)).code,
    ).toBe(0);
    const out = JSON.parse((await fakeCli.run(["output", "-json"], dir, env)).stdout);
    expect(out.vpc_id.value).toMatch(/^this-/);

    const missing = workDir("catalogue-missing", {
      "main.tf.json": { module: { x: { source: "git::https://git.example.com/other.git" } } },
    });
    const r = await fakeCli.run(["init", "-input=false", "-json"], missing, env);
    expect(r.code).toBe(1);
    expect(diagnostics(r)[0]?.summary).toBe("Failed to download module");
    expect(diagnostics(r)[0]?.detail).toContain("FAKE_TOFU_MODULES has no entry");
  });

  it("says plainly that modules written in HCL are not supported", async () => {
    const dir = workDir("hcl", {
      "main.tf.json": { module: { m: { source: "./m" } } },
      "m/main.tf": 'resource "terraform_data" "x" {}\n',
    });
    const r = await fakeCli.run(["init", "-input=false", "-json"], dir, envFor("hcl"));
    expect(r.code).toBe(1);
    expect(diagnostics(r)[0]?.summary).toBe("HCL configuration files are not supported by the fake");
    expect(diagnostics(r)[0]?.detail).toContain("m/main.tf");
  });

  it("count: one instance per index; lowering it deletes the extra ones", async () => {
    const config = (n: number) => ({
      variable: { n: { type: "number", default: n } },
      resource: { terraform_data: { item: { count: "${var.n}", input: "item-${count.index}" } } },
      output: { first: { value: "${terraform_data.item[0].output}" } },
    });
    const dir = workDir("count", { "main.tf.json": config(2) });
    const env = envFor("count");
    await fakeCli.run(["init", "-input=false", "-json"], dir, env);
    expect((await fakeCli.run(["apply", "-input=false", "-json", "-auto-approve"], dir, env)).code).toBe(0);
    expect((await fakeCli.run(["state", "list"], dir, env)).stdout).toBe(
      "terraform_data.item[0]\nterraform_data.item[1]\n",
    );
    writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify(config(1)));
    const plan = await fakeCli.run(["plan", "-input=false", "-json"], dir, env);
    const change = plan.messages.find((m) => m.type === "planned_change")?.change as {
      action: string;
      reason: string;
    };
    expect(change).toMatchObject({ action: "delete", reason: "delete_because_count_index" });
  });
});

describe("the root module the terraform target writes", () => {
  const TENANT_TAGS = {
    "tenantry-installation": "inst-1",
    "tenantry-organization": "org-1",
    "tenantry-tenant": "acme",
  };
  const files = {
    "main.tf.json": {
      terraform: {
        required_version: ">= 1.6",
        backend: { pg: {} },
        required_providers: { aws: { source: "hashicorp/aws", version: ">= 5.0" } },
      },
      provider: {
        aws: [
          {
            region: "us-east-1",
            assume_role: [
              {
                role_arn: "arn:aws:iam::123456789012:role/x",
                external_id: "ext-1",
                session_name: "tenantry-acme",
              },
            ],
            default_tags: [{ tags: TENANT_TAGS }],
          },
        ],
      },
      module: {
        infra: { source: "./modules/infra", region: "us-east-1", profile: "small" },
        vpc: { source: "terraform-aws-modules/vpc/aws", version: "5.8.1", name: "x" },
      },
      output: {
        infra__cluster_endpoint: { value: "${module.infra.cluster_endpoint}" },
        infra__db_password: { value: "${module.infra.db_password}", sensitive: true },
      },
    },
    "modules/infra/main.tf.json": {
      variable: { region: { type: "string" }, profile: { type: "string", default: "small" } },
      resource: {
        aws_db_instance: {
          main: { engine: "postgres", instance_class: "db.t3.${var.profile}", tags: { Stack: "infra" } },
        },
      },
      output: {
        cluster_endpoint: { value: "${aws_db_instance.main.endpoint}" },
        db_password: { value: "${aws_db_instance.main.password}", sensitive: true },
      },
    },
  };

  it("init installs the providers and modules; plan, show, apply, output and destroy behave", async () => {
    const dir = workDir("generated", files);
    const cache = path.join(root, "plugin-cache");
    const env = envFor("generated", { TF_PLUGIN_CACHE_DIR: cache });
    const init = await fakeCli.run(["init", "-input=false", "-json", "-no-color"], dir, env);
    expect(init.code).toBe(0);
    const logs = init.messages.map((m) => String(m["@message"]));
    expect(logs).toContain(
      'Finding matching versions for provider: hashicorp/aws, version_constraint: ">= 5.0"',
    );
    expect(logs).toContain("- vpc in .terraform/modules/vpc");
    const again = await fakeCli.run(["init", "-input=false", "-json", "-upgrade", "-reconfigure"], dir, env);
    expect(again.code).toBe(0);
    expect(again.messages.map((m) => String(m["@message"]))).toContain(
      "hashicorp/aws v5.0.0: Using from the shared cache directory",
    );
    const plan = await fakeCli.run(
      ["plan", "-input=false", "-json", "-out=tfplan", "-lock-timeout=5s", "-detailed-exitcode"],
      dir,
      env,
    );
    expect(plan.code).toBe(2);
    const show = JSON.parse((await fakeCli.run(["show", "-json", "tfplan"], dir, env)).stdout);
    expect(show).toMatchObject({ format_version: "1.2", applyable: true, complete: true, errored: false });
    const db = show.resource_changes.find(
      (c: { address: string }) => c.address === "module.infra.aws_db_instance.main",
    );
    expect(db).toMatchObject({
      module_address: "module.infra",
      mode: "managed",
      type: "aws_db_instance",
      name: "main",
    });
    expect(db.change.after).toMatchObject({
      instance_class: "db.t3.small",
      tags_all: { ...TENANT_TAGS, Stack: "infra" },
    });
    expect(db.change.after_unknown).toMatchObject({ id: true, endpoint: true, password: true });
    expect(show.output_changes.infra__db_password).toMatchObject({
      actions: ["create"],
      after_sensitive: true,
    });
    const apply = await fakeCli.run(
      ["apply", "-input=false", "-json", "-auto-approve", "-lock-timeout=5s", "tfplan"],
      dir,
      env,
    );
    expect(apply.code).toBe(0);
    const outputs = apply.messages.find((m) => m.type === "outputs")?.outputs as Record<
      string,
      Record<string, unknown>
    >;
    expect(outputs.infra__db_password).toEqual({ sensitive: true, type: "string" });
    expect(outputs.infra__cluster_endpoint?.value).toMatch(/^main-endpoint-/);
    const out = JSON.parse((await fakeCli.run(["output", "-json"], dir, env)).stdout);
    expect(out.infra__db_password.value).toEqual(expect.any(String));
    const state = await fake.state(connStr, "generated");
    const dbState = state!.resources.find((r) => r.type === "aws_db_instance")!;
    expect(dbState.provider).toBe(
      `provider["${FLAVOR === "terraform" ? "registry.terraform.io" : "registry.opentofu.org"}/hashicorp/aws"]`,
    );
    expect(dbState.instances[0]!.attributes.tags_all).toEqual({ ...TENANT_TAGS, Stack: "infra" });
    const destroy = await fakeCli.run(
      ["destroy", "-input=false", "-json", "-auto-approve", "-lock-timeout=5s"],
      dir,
      env,
    );
    expect(destroy.code).toBe(0);
    expect((await fakeCli.run(["state", "list"], dir, env)).stdout).toBe("");
  });
});

describe("backends", () => {
  it("s3 and gcs: keys checked like the real CLI; refused without cloud state, kept in a file with it", async () => {
    const bad = workDir("s3-bad", {
      "main.tf.json": { terraform: { backend: { s3: { bucket: "b", key: "k", region: "r", nope: 1 } } } },
    });
    const r1 = await fakeCli.run(["init", "-input=false", "-json"], bad, envFor("s3"));
    expect(r1.code).toBe(1);
    expect(diagnostics(r1)[0]).toMatchObject({
      summary: "Extraneous JSON object property",
      detail: 'No argument or block type is named "nope".',
    });
    const good = workDir("s3-good", {
      "main.tf.json": {
        terraform: {
          backend: { s3: { bucket: "tenants", key: "acme/terraform.tfstate", region: "us-east-1" } },
        },
        resource: { terraform_data: { x: { input: 1 } } },
      },
    });
    expect((await fakeCli.run(["init", "-input=false", "-json"], good, envFor("s3"))).code).toBe(0);
    expect(
      (await fakeCli.run(["apply", "-input=false", "-json", "-auto-approve"], good, envFor("s3"))).code,
    ).toBe(0);
    expect((await fakeCli.run(["state", "list"], good, envFor("s3"))).stdout).toBe("terraform_data.x\n");
    const gcs = workDir("gcs", { "main.tf.json": { terraform: { backend: { gcs: { prefix: "p" } } } } });
    const r2 = await fakeCli.run(["init", "-input=false", "-json"], gcs, envFor("gcs"));
    expect(r2.code).toBe(1);
    expect(diagnostics(r2)[0]?.summary).toBe("Missing required argument");
  });

  it("local: terraform.tfstate in the working directory", async () => {
    const dir = workDir("local", {
      "main.tf.json": { resource: { terraform_data: { x: { input: "${path.module}" } } } },
    });
    await fakeCli.run(["init", "-input=false", "-json"], dir, envFor("local"));
    expect(
      (await fakeCli.run(["apply", "-input=false", "-json", "-auto-approve"], dir, envFor("local"))).code,
    ).toBe(0);
    const files = fake
      .workDirDumps()
      .filter((d) => d.cwd === dir)
      .at(-1)!.files;
    expect(JSON.parse(files["terraform.tfstate"]!).resources[0].instances[0].attributes.input).toEqual({
      value: ".",
      type: "string",
    });
  });
});

describe("flavours", () => {
  it("as tofu it speaks as OpenTofu (tofu.ui, `log` init steps, its pg creation lock); as terraform as Terraform", async () => {
    const tofu = createFakeTofu({ flavor: "tofu" });
    const terraform = createFakeTofu({ flavor: "terraform" });
    try {
      expect(path.basename(tofu.bin)).toBe("tofu");
      expect(path.basename(terraform.bin)).toBe("terraform");
      const dir = workDir("flavour", {
        "main.tf.json": {
          resource: { terraform_data: { x: { input: "<&>" } } },
          output: { o: { value: "${terraform_data.x.output}" } },
        },
      });
      const v = JSON.parse((await tofu.run(["version", "-json"], { cwd: dir })).stdout);
      expect(v).toEqual({
        terraform_version: expect.any(String),
        platform: "linux_amd64",
        provider_selections: {},
      });
      const init = await tofu.run(["init", "-input=false", "-json"], { cwd: dir, env: envFor("flavour") });
      expect(init.messages[0]).toMatchObject({
        "@module": "tofu.ui",
        type: "version",
        "@message": expect.stringMatching(/^OpenTofu /),
      });
      expect(new Set(types(init))).toEqual(new Set(["version", "log"]));
      const tv = JSON.parse((await terraform.run(["version", "-json"], { cwd: dir })).stdout);
      expect(tv).toMatchObject({ terraform_outdated: false });
      // Go's JSON encoder escapes <, > and & (show -json, output -json, Terraform's messages);
      // OpenTofu's message logger does not.
      const tfPlan = await terraform.run(["apply", "-input=false", "-json", "-auto-approve"], {
        cwd: dir,
        env: envFor("flavour"),
      });
      expect(tfPlan.stdout).toContain('"value":"\\u003c\\u0026\\u003e"');
      const out = await terraform.run(["output", "-json"], { cwd: dir, env: envFor("flavour") });
      expect(out.stdout).toContain('"value": "\\u003c\\u0026\\u003e"');
    } finally {
      await tofu.close();
      await terraform.close();
    }
  });
});
