import { hostname } from "node:os";
import type { Logger } from "pino";
import { resourceName, tenantDiscriminator } from "../../domain/naming.js";
import type { RecordedResource } from "../../domain/resources.js";
import type { CallStatus, ProviderMetrics } from "../metrics.js";
import { ownerMarker } from "../ownership.js";
import {
  type ProviderContext,
  ProviderError,
  type StackChange,
  type StackDriver,
  type StackPlan,
  type StackProgress,
  type StackResult,
} from "../provider.js";
import { type BackgroundRun, startBackground } from "./background.js";
import { type CliResult, describeDiagnostics, runCli } from "./cli.js";
import { withOrganizationCloud } from "./cloud-credential.js";
import type { TerraformConfig } from "./config.js";
import { estimateTerraformCost, type PlannedResourceChange } from "./cost.js";
import { lockHolders } from "./locks.js";
import { moduleAddress, outputName, rootModule } from "./root-module.js";
import { toolEnvironment } from "./tool-env.js";
import { createWorkDir, type WorkDir } from "./workdir.js";

/**
 * A tenant's stacks as one Terraform/OpenTofu root module and one state (docs/terraform.md):
 *
 * - `plan`: a fresh work directory, `init`, `plan -out=tfplan`, `show -json tfplan` → what
 *   changes, resource by resource, per stack.
 * - `apply` of that plan: started in the background (an EKS cluster takes a quarter of an
 *   hour, longer than any one call may last); later passes follow the run through its
 *   `-json` stream, and once it ends read `output -json`. A half-way failure fails with the
 *   CLI's diagnostics; what was created is in the state, so a retry plans the rest.
 * - After a crash nobody follows the run: the next pass plans again. While the old CLI
 *   process still holds the state lock, the plan cannot take it and the pass waits; once
 *   it is released, the plan shows only what is left, and that is applied. Nothing finished
 *   is applied twice (the state says it exists).
 * - `destroy`: the same in the background, then verified: `state list` must be empty.
 *
 * State: in Tenantry's PostgreSQL by default (the `pg` backend, one schema for all tenants,
 * a workspace per tenant named after its unique platform name: the pg backend's locks are
 * per workspace row, while separate schemas would share lock ids), or the customer's
 * S3/GCS bucket a stack names.
 */

interface Run {
  kind: "apply" | "destroy";
  cli: BackgroundRun;
  dir: WorkDir;
  env: NodeJS.ProcessEnv;
  startedAt: number;
  /** Progress from the `-json` stream. */
  done: number;
  total: number;
  current: Set<string>;
  /** Finished (or failed) resources not reported yet. */
  unreported: StackProgress[];
  outcome?: CliResult;
  /** The launch failed (the binary could not start). */
  failed?: Error;
}

export interface TerraformDriverOptions {
  config: TerraformConfig & { terraformBin: string };
  /** The `pg` backend's database (TENANTRY_TERRAFORM_STATE_URL, else Tenantry's own). */
  stateUrl: string;
  /** `<dataDir>/terraform/runs`. */
  runsDir: string;
  pluginCacheDir: string;
  logger?: Logger;
  /** Every CLI run, as provider `terraform` with its subcommand as the method (docs/observability.md). */
  metrics?: ProviderMetrics;
}

const PLAN_FILE = "tfplan";

export function createTerraformStackDriver(options: TerraformDriverOptions): StackDriver & {
  close(): Promise<void>;
} {
  const { config } = options;
  const bin = config.terraformBin;
  const runs = new Map<string, Run>();
  /** Work directories of plans made and not yet applied, by tenant. */
  const planned = new Map<string, WorkDir>();

  const workspaceOf = (ctx: Pick<ProviderContext, "tenant" | "installationId">) =>
    resourceName("t", ctx.tenant.slug, tenantDiscriminator(ctx.installationId, ctx.tenant.id));

  /** Whether the tenant's state is in the `pg` backend: its stacks' `state`, else TENANTRY_TERRAFORM_STATE. */
  const usesPg = (stacks: readonly RecordedResource[]) => {
    const declared = stacks.find((s) => s.kind === "stack" && s.spec.state);
    const state = declared?.kind === "stack" ? declared.spec.state : config.terraformState;
    return !state || state.backend === "pg";
  };

  /** The CLI's environment: Tenantry's own secrets left out; the state's connection as variables. */
  function envFor(ctx: ProviderContext, pg: boolean): NodeJS.ProcessEnv {
    const env = toolEnvironment();
    env["TF_IN_AUTOMATION"] = "1";
    env["TF_INPUT"] = "0";
    env["CHECKPOINT_DISABLE"] = "1";
    env["TF_PLUGIN_CACHE_DIR"] = options.pluginCacheDir;
    if (pg) {
      const url = new URL(options.stateUrl);
      // Who holds a lock is found by this name (pg_stat_activity), see locks.ts.
      url.searchParams.set("application_name", `tenantry ${hostname()} ${process.pid} ${ctx.tenant.slug}`);
      if (!url.searchParams.has("sslmode") && ["localhost", "127.0.0.1", "::1"].includes(url.hostname)) {
        url.searchParams.set("sslmode", "disable");
      }
      env["PG_CONN_STR"] = url.toString();
      env["PG_SCHEMA_NAME"] = config.terraformStateSchema;
      env["TF_WORKSPACE"] = workspaceOf(ctx);
    }
    return env;
  }

  function stacksOf(resources: readonly RecordedResource[]): RecordedResource<"stack">[] {
    return resources.filter((r): r is RecordedResource<"stack"> => r.kind === "stack");
  }

  async function prepare(ctx: ProviderContext, stacks: RecordedResource<"stack">[]): Promise<WorkDir> {
    // The organization's cloud role (`/v1/credentials`) for stacks that name no account.
    const credential = (await ctx.credentials?.resolve("terraform")) ?? null;
    const root = rootModule(withOrganizationCloud(stacks, credential?.secret), {
      marker: ownerMarker(ctx),
      sessionName: `tenantry-${ctx.tenant.slug}`.slice(0, 64),
      stateKey: workspaceOf(ctx),
      ...(config.terraformState ? { defaultState: config.terraformState } : {}),
    });
    return createWorkDir(options.runsDir, workspaceOf(ctx), root, config.terraformModulesDir);
  }

  const lockTimeout = () => `-lock-timeout=${config.terraformLockTimeoutSeconds}s`;

  /**
   * Runs a command that ends within the call (init, plan, show, output): stopped when the
   * call's signal aborts (the lease is lost, the action's time is up). The lease is renewed
   * while it runs, so a first `init` that downloads providers may take minutes.
   */
  async function short(ctx: ProviderContext, dir: WorkDir, env: NodeJS.ProcessEnv, args: string[]) {
    const started = performance.now();
    const result = await runCli(bin, args, {
      cwd: dir.path,
      env,
      signal: ctx.signal,
      graceMs: 5000,
    }).catch((err: unknown) => {
      meter(args, "error", started);
      throw new ProviderError(`could not run ${bin}: ${err instanceof Error ? err.message : String(err)}`, {
        retryable: false,
        code: "TERRAFORM_UNAVAILABLE",
      });
    });
    meter(args, ctx.signal.aborted ? "aborted" : runStatus(result), started);
    ctx.throwIfAborted();
    return result;
  }

  /** One CLI run counted: its subcommand (`init`, `plan`, `apply`…), how it ended, how long it took. */
  function meter(args: readonly string[], status: CallStatus, started: number): void {
    options.metrics?.call("terraform", args[0] ?? "", status, (performance.now() - started) / 1000);
  }

  /** `init`, and for the pg backend the tenant's workspace: the directory is ready for any command. */
  async function initialise(ctx: ProviderContext, dir: WorkDir, env: NodeJS.ProcessEnv, pg: boolean) {
    const initEnv = { ...env };
    // `init` runs in the default workspace; the tenant's is made (or found) next.
    delete initEnv["TF_WORKSPACE"];
    const init = await short(ctx, dir, initEnv, ["init", "-input=false", "-no-color", "-json"]);
    if (init.code !== 0) throw await failure(ctx, "init", init);
    if (pg) {
      const ws = await short(ctx, dir, initEnv, [
        "workspace",
        "select",
        "-or-create",
        "-no-color",
        workspaceOf(ctx),
      ]);
      if (ws.code !== 0) throw await failure(ctx, "workspace select", ws);
    }
  }

  /** A failed command as a ProviderError: a held lock is retryable and names its holder. */
  async function failure(ctx: ProviderContext, what: string, result: CliResult): Promise<ProviderError> {
    const text = describeDiagnostics(result);
    if (/Error acquiring the state lock|already locked/i.test(`${text}\n${result.stderr}`)) {
      const holders = await lockHolders(options.stateUrl).catch(() => []);
      const who = holders.length > 0 ? ` Held by: ${holders.join("; ")}.` : "";
      return new ProviderError(`${what}: the tenant's Terraform state is locked.${who}\n${text}`, {
        retryable: true,
        code: "TERRAFORM_STATE_LOCKED",
      });
    }
    ctx.logger.warn({ command: what, code: result.code }, "terraform command failed");
    return new ProviderError(`${bin.split("/").pop()} ${what} failed:\n${text}`, {
      retryable: false,
      code:
        what === "apply"
          ? "TERRAFORM_APPLY_FAILED"
          : what === "destroy"
            ? "TERRAFORM_DESTROY_FAILED"
            : "TERRAFORM_FAILED",
    });
  }

  /** What a plan's resource changes mean for each stack (its module's resources, nested ones too). */
  function changesOf(
    show: {
      resource_changes?: { address: string; module_address?: string; change: { actions: string[] } }[];
    },
    keys: readonly { key: string; name: string }[],
  ): { changes: StackChange[]; resources: { address: string; action: StackChange["action"] }[] } {
    const byStack = new Map<string, { actions: Set<StackChange["action"]>; addresses: string[] }>();
    const resources: { address: string; action: StackChange["action"] }[] = [];
    for (const rc of show.resource_changes ?? []) {
      const action = actionOf(rc.change.actions);
      resources.push({ address: rc.address, action });
      const stack = /^module\.([^.[]+)/.exec(rc.module_address ?? rc.address)?.[1];
      if (!stack || action === "none") continue;
      const entry = byStack.get(stack) ?? { actions: new Set(), addresses: [] };
      entry.actions.add(action);
      entry.addresses.push(rc.address);
      byStack.set(stack, entry);
    }
    const changes: StackChange[] = keys.map(({ key, name }) => {
      const entry = byStack.get(name);
      const actions = entry?.actions ?? new Set();
      const action: StackChange["action"] = actions.has("replace")
        ? "replace"
        : actions.has("create") && actions.size === 1
          ? "create"
          : actions.has("delete") && actions.size === 1
            ? "delete"
            : actions.size > 0
              ? "update"
              : "none";
      return { key, action, ...(entry ? { addresses: entry.addresses } : {}) };
    });
    return { changes, resources };
  }

  /** Makes a plan in a fresh directory; the directory is kept for the apply of that plan. */
  async function makePlan(
    ctx: ProviderContext,
    desired: readonly RecordedResource[],
    recorded: readonly RecordedResource[] = desired,
  ): Promise<{ plan: StackPlan; dir: WorkDir; env: NodeJS.ProcessEnv; hasChanges: boolean }> {
    const stacks = stacksOf(desired);
    const pg = usesPg(stacks);
    const env = envFor(ctx, pg);
    const dir = await prepare(ctx, stacks);
    try {
      await initialise(ctx, dir, env, pg);
      const plan = await short(ctx, dir, env, [
        "plan",
        "-input=false",
        "-no-color",
        "-json",
        `-out=${PLAN_FILE}`,
        lockTimeout(),
      ]);
      if (plan.code !== 0) throw await failure(ctx, "plan", plan);
      const show = await short(ctx, dir, env, ["show", "-json", "-no-color", PLAN_FILE]);
      if (show.code !== 0) throw await failure(ctx, "show", show);
      const parsed = JSON.parse(show.text) as {
        resource_changes?: (PlannedResourceChange & {
          module_address?: string;
          change: { actions: string[] };
        })[];
        output_changes?: Record<string, { actions: string[] }>;
      };
      const region = stacks.find((st) => st.spec.cloud?.region)?.spec.cloud?.region;
      const estimate = estimateTerraformCost(parsed.resource_changes ?? [], region ? { region } : {});
      const keys = [
        ...new Map(
          [...recorded, ...desired].filter((r) => r.kind === "stack").map((r) => [r.key, r]),
        ).values(),
      ].map((r) => ({ key: r.key, name: (r as RecordedResource<"stack">).spec.name }));
      const { changes, resources } = changesOf(parsed, keys);
      const summary = plan.messages.find((m) => m.type === "change_summary")?.["@message"];
      const outputsChange = Object.values(parsed.output_changes ?? {}).some(
        (o) => !o.actions.includes("no-op"),
      );
      const hasChanges = resources.some((r) => r.action !== "none") || outputsChange;
      return {
        plan: {
          changes,
          ref: dir.path,
          ...(summary ? { summary: summary.replace(/^Plan: /, "").replace(/\.$/, "") } : {}),
          resources,
          cost: { currency: estimate.currency, monthly: estimate.monthly, note: estimate.note },
        },
        dir,
        env,
        hasChanges,
      };
    } catch (err) {
      await dir.remove();
      throw err;
    }
  }

  function track(
    kind: Run["kind"],
    dir: WorkDir,
    env: NodeJS.ProcessEnv,
    args: string[],
    total: number,
  ): Run {
    const run: Run = {
      kind,
      dir,
      env,
      startedAt: Date.now(),
      done: 0,
      total,
      current: new Set(),
      unreported: [],
      cli: startBackground(bin, args, { cwd: dir.path, env }),
    };
    const started = performance.now();
    run.cli.result.then(
      (r) => {
        run.outcome = r;
        meter(args, runStatus(r), started);
      },
      (err: unknown) => {
        run.failed = err instanceof Error ? err : new Error(String(err));
        meter(args, "error", started);
      },
    );
    return run;
  }

  /** Reads what the run printed since the last look: progress, and finished resources to report. */
  function follow(run: Run): void {
    for (const m of run.cli.poll()) {
      const addr = m.hook?.resource?.addr;
      if (!addr) continue;
      if (m.type === "apply_start") run.current.add(addr);
      if (m.type === "apply_complete" || m.type === "apply_errored") {
        run.current.delete(addr);
        if (m.type === "apply_complete") run.done++;
        run.unreported.push({
          address: addr,
          action: m.hook?.action ?? run.kind,
          status: m.type === "apply_complete" ? "complete" : "errored",
          ...(m.hook?.elapsed_seconds !== undefined ? { elapsedSeconds: m.hook.elapsed_seconds } : {}),
        });
      }
    }
  }

  function progress(run: Run): string {
    const elapsed = Math.round((Date.now() - run.startedAt) / 1000);
    const current = [...run.current].slice(0, 3).join(", ");
    return `${run.kind === "apply" ? "applying" : "destroying"}: ${run.done}${run.total ? `/${run.total}` : ""} resources done after ${elapsed}s${current ? `; now ${current}` : ""}`;
  }

  /** Outputs of the finished apply, per stack: the listed outputs, secret ones apart. */
  async function outputsOf(
    ctx: ProviderContext,
    dir: WorkDir,
    env: NodeJS.ProcessEnv,
    desired: readonly RecordedResource[],
  ): Promise<Extract<StackResult, { state: "done" }>["resources"]> {
    const out = await short(ctx, dir, env, ["output", "-json", "-no-color"]);
    if (out.code !== 0) throw await failure(ctx, "output", out);
    const values = JSON.parse(out.text || "{}") as Record<string, { value: unknown }>;
    const resources: Extract<StackResult, { state: "done" }>["resources"] = {};
    for (const stack of stacksOf(desired)) {
      const outputs: Record<string, unknown> = {};
      const secretOutputs: Record<string, string> = {};
      for (const o of stack.spec.outputs) {
        const v = values[outputName(stack.spec.name, o.name)]?.value;
        if (v === undefined || v === null) continue;
        if (o.secret) secretOutputs[o.name] = typeof v === "string" ? v : JSON.stringify(v);
        else outputs[o.name] = v;
      }
      resources[stack.key] = {
        providerId: `${env["TF_WORKSPACE"] ?? "state"}/${moduleAddress(stack.spec.name)}`,
        outputs,
        secretOutputs,
      };
    }
    return resources;
  }

  async function finish(
    ctx: ProviderContext,
    run: Run,
    desired: readonly RecordedResource[],
  ): Promise<StackResult> {
    runs.delete(ctx.tenant.id);
    try {
      if (run.failed) {
        throw new ProviderError(`could not run ${bin}: ${run.failed.message}`, {
          code: "TERRAFORM_UNAVAILABLE",
        });
      }
      const outcome = run.outcome as CliResult;
      follow(run);
      if (outcome.code !== 0) {
        const err = await failure(ctx, run.kind, outcome);
        throw new ProviderError(err.message, {
          code: err.code,
          retryable: err.retryable,
          progress: run.unreported.splice(0),
        });
      }
      follow(run);
      if (run.kind === "apply") {
        return {
          state: "done",
          resources: await outputsOf(ctx, run.dir, run.env, desired),
          detail: progress(run),
          progress: run.unreported.splice(0),
        };
      }
      const list = await short(ctx, run.dir, run.env, ["state", "list", "-no-color"]);
      if (list.code !== 0) throw await failure(ctx, "state list", list);
      const left = list.text.split("\n").filter((l) => l.trim() !== "");
      if (left.length > 0) {
        throw new ProviderError(
          `destroy left ${left.length} resources in the state: ${left.slice(0, 10).join(", ")}; retry to destroy what is left`,
          {
            retryable: false,
            code: "TERRAFORM_DESTROY_FAILED",
          },
        );
      }
      if (run.env["TF_WORKSPACE"]) await dropWorkspace(ctx, run);
      return {
        state: "done",
        resources: {},
        detail: "destroyed; nothing left in the state",
        progress: run.unreported.splice(0),
      };
    } finally {
      await run.dir.remove();
    }
  }

  /** The tenant's empty workspace is deleted with it (the pg backend's row). */
  async function dropWorkspace(ctx: ProviderContext, run: Run) {
    const name = run.env["TF_WORKSPACE"] as string;
    const env = { ...run.env };
    delete env["TF_WORKSPACE"];
    // The active workspace cannot be deleted: switch to `default` first.
    const select = await short(ctx, run.dir, env, ["workspace", "select", "-no-color", "default"]);
    if (select.code !== 0) throw await failure(ctx, "workspace select", select);
    const del = await short(ctx, run.dir, env, ["workspace", "delete", "-no-color", name]);
    if (del.code !== 0 && !/doesn't exist|does not exist/.test(`${del.text}${del.stderr}`)) {
      throw await failure(ctx, "workspace delete", del);
    }
  }

  const pending = (run: Run): StackResult => {
    follow(run);
    return {
      state: "pending",
      retryAfterMs: 2000,
      detail: progress(run),
      progress: run.unreported.splice(0),
    };
  };

  return {
    kinds: ["stack"],
    limits: { actionTimeoutMs: 10 * 60_000, maxWaitMs: 3 * 60 * 60_000 },

    async plan(ctx, desired) {
      const active = runs.get(ctx.tenant.id);
      if (active && active.outcome === undefined && active.failed === undefined) {
        throw new ProviderError(
          `a Terraform ${active.kind} of this tenant is still going (${progress(active)})`,
          {
            retryable: true,
            code: "TERRAFORM_STATE_LOCKED",
          },
        );
      }
      if (active) {
        // A run nobody followed to its end (its operation gave up waiting): its result is in the state.
        runs.delete(ctx.tenant.id);
        await active.dir.remove();
      }
      await planned.get(ctx.tenant.id)?.remove();
      planned.delete(ctx.tenant.id);
      const made = await makePlan(ctx, desired);
      if (!made.hasChanges) {
        await made.dir.remove();
        return { ...made.plan, ref: "" };
      }
      planned.set(ctx.tenant.id, made.dir);
      return made.plan;
    },

    async apply(ctx, desired, plan) {
      const active = runs.get(ctx.tenant.id);
      if (active) {
        if (active.outcome === undefined && active.failed === undefined) return pending(active);
        if (active.kind === "apply") return finish(ctx, active, desired);
        runs.delete(ctx.tenant.id);
        await active.dir.remove();
      }
      const stacks = stacksOf(desired);
      const env = envFor(ctx, usesPg(stacks));
      let dir = plan?.ref ? planned.get(ctx.tenant.id) : undefined;
      let total = plan?.changes.flatMap((c) => c.addresses ?? []).length ?? 0;
      let replanned: StackPlan | undefined;
      if (plan && !plan.ref) {
        // Nothing to change on the platform: the outputs as they are.
        const fresh = await prepare(ctx, stacks);
        try {
          await initialise(ctx, fresh, env, usesPg(stacks));
          return { state: "done", resources: await outputsOf(ctx, fresh, env, desired) };
        } finally {
          await fresh.remove();
        }
      }
      if (!dir) {
        // No run known here (a crash, another worker): plan again. A CLI still running
        // holds the lock: wait for it.
        let made: Awaited<ReturnType<typeof makePlan>>;
        try {
          made = await makePlan(ctx, desired);
        } catch (err) {
          return waitForLock(err);
        }
        if (!made.hasChanges) {
          try {
            return { state: "done", resources: await outputsOf(ctx, made.dir, made.env, desired) };
          } finally {
            await made.dir.remove();
          }
        }
        dir = made.dir;
        total = made.plan.resources?.filter((r) => r.action !== "none").length ?? 0;
        replanned = made.plan;
      }
      planned.delete(ctx.tenant.id);
      const run = track(
        "apply",
        dir,
        env,
        ["apply", "-input=false", "-no-color", "-json", "-auto-approve", lockTimeout(), PLAN_FILE],
        total,
      );
      runs.set(ctx.tenant.id, run);
      const started = pending(run);
      return replanned && started.state === "pending" ? { ...started, plan: replanned } : started;
    },

    async destroy(ctx, recorded) {
      const active = runs.get(ctx.tenant.id);
      if (active) {
        const over = active.outcome !== undefined || active.failed !== undefined;
        if (active.kind === "destroy") return over ? finish(ctx, active, recorded) : pending(active);
        if (!over) {
          // An apply of an earlier operation runs on: stop it (it writes its state), then destroy.
          active.cli.stop();
          return { state: "pending", retryAfterMs: 2000, detail: "stopping the running apply first" };
        }
        runs.delete(ctx.tenant.id);
        await active.dir.remove();
      }
      await planned.get(ctx.tenant.id)?.remove();
      planned.delete(ctx.tenant.id);
      const stacks = stacksOf(recorded);
      const pg = usesPg(stacks);
      const env = envFor(ctx, pg);
      const dir = await prepare(ctx, stacks);
      try {
        await initialise(ctx, dir, env, pg);
      } catch (err) {
        await dir.remove();
        return waitForLock(err);
      }
      const run = track(
        "destroy",
        dir,
        env,
        ["destroy", "-input=false", "-no-color", "-json", "-auto-approve", lockTimeout()],
        0,
      );
      runs.set(ctx.tenant.id, run);
      return pending(run);
    },

    async close() {
      // A run still going is left to finish (it writes its state and releases the lock);
      // the next process's plan waits for it. Its directory is swept a day later.
      for (const run of runs.values()) {
        if (run.outcome === undefined && run.failed === undefined) {
          options.logger?.info({ pid: run.cli.pid, kind: run.kind }, "leaving a Terraform run to finish");
        } else {
          await run.dir.remove();
        }
      }
      for (const dir of planned.values()) await dir.remove();
      runs.clear();
      planned.clear();
    },
  };
}

/**
 * A held state lock where a run may still be going (after a crash, another worker's CLI):
 * waited for, as a bounded `pending`; any other error is thrown.
 */
function waitForLock(err: unknown): StackResult {
  if (err instanceof ProviderError && err.code === "TERRAFORM_STATE_LOCKED") {
    return { state: "pending", retryAfterMs: 5000, detail: err.message.split("\n")[0] ?? "state locked" };
  }
  throw err;
}

function actionOf(actions: readonly string[]): StackChange["action"] {
  if (actions.includes("delete") && actions.includes("create")) return "replace";
  if (actions.includes("create")) return "create";
  if (actions.includes("delete")) return "delete";
  if (actions.includes("update")) return "update";
  return "none";
}

/** A run that exited 0 is `ok`; one ended by a signal (Tenantry stopped it) `aborted`; else `error`. */
function runStatus(result: Pick<CliResult, "code" | "signal">): CallStatus {
  if (result.code === 0) return "ok";
  return result.signal ? "aborted" : "error";
}
