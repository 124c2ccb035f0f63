import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RecordedResource } from "../../domain/resources.js";
import {
  bootstrapFailed,
  bootstrapPollMs,
  bootstrapTimeoutMs,
  formatDuration,
  operationIdOf,
} from "../bootstrap.js";
import type { ActionResult, BootstrapHook, ProviderContext } from "../provider.js";
import { toolEnvironment } from "./tool-env.js";

/**
 * `hooks.bootstrap` on a stack tenant: the command runs on the Tenantry host (`/bin/sh -c`),
 * in a private temporary directory, with every output of the tenant's stacks in its
 * environment under its name in upper case (`cluster_endpoint` → `CLUSTER_ENDPOINT`, secret
 * ones too), an output named `kubeconfig` written to a file at `$KUBECONFIG`, and
 * `$TENANTRY_HELM_BIN` (typically: `"$TENANTRY_HELM_BIN" upgrade --install …`). Started by
 * one call and followed by the next ones (the `bootstrapping` phase); the directory is
 * removed when it ends. On failure the last lines of its output are the error.
 */

interface HookRun {
  operation: string | undefined;
  child: ChildProcess;
  dir: string;
  startedAt: number;
  output: string[];
  exit?: { code: number | null; signal: NodeJS.Signals | null };
  timedOut: boolean;
  /** Secret values the hook was given: never repeated in its error. */
  secrets: string[];
}

const KEEP_LINES = 40;

export function createStackBootstrap(options: { helmBin: string }) {
  const runs = new Map<string, HookRun>();

  function envOf(resources: readonly RecordedResource[]): Record<string, string> {
    const env: Record<string, string> = {};
    for (const r of resources) {
      if (r.kind !== "stack") continue;
      for (const [k, v] of Object.entries(r.outputs)) {
        env[k.toUpperCase()] = typeof v === "string" ? v : JSON.stringify(v);
      }
      for (const [k, v] of Object.entries(r.secretOutputs)) env[k.toUpperCase()] = v;
    }
    return env;
  }

  async function start(ctx: ProviderContext, hook: BootstrapHook, resources: readonly RecordedResource[]) {
    const dir = await mkdtemp(join(tmpdir(), "tenantry-bootstrap-"));
    const outputs = envOf(resources);
    const env = toolEnvironment();
    Object.assign(env, outputs, {
      TENANTRY_HELM_BIN: options.helmBin,
      TENANTRY_TENANT_ID: ctx.tenant.id,
      TENANTRY_TENANT_SLUG: ctx.tenant.slug,
      HOME: env["HOME"] ?? dir,
    });
    if (outputs["KUBECONFIG"] !== undefined) {
      const file = join(dir, "kubeconfig");
      await writeFile(file, outputs["KUBECONFIG"], { mode: 0o600 });
      env["KUBECONFIG"] = file;
    }
    const child = spawn("/bin/sh", ["-c", hook.command], {
      cwd: dir,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const run: HookRun = {
      operation: operationIdOf(ctx),
      child,
      dir,
      startedAt: Date.now(),
      output: [],
      timedOut: false,
      secrets: resources.flatMap((r) => Object.values(r.secretOutputs)).filter((v) => v.length >= 6),
    };
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString("utf8").split("\n")) if (line !== "") run.output.push(line);
      if (run.output.length > KEEP_LINES) run.output.splice(0, run.output.length - KEEP_LINES);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    const timer = setTimeout(() => {
      run.timedOut = true;
      child.kill("SIGTERM");
    }, bootstrapTimeoutMs(hook));
    timer.unref();
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      run.exit = { code, signal };
      void rm(dir, { recursive: true, force: true });
    });
    child.once("error", (err) => {
      run.output.push(`could not start /bin/sh: ${err.message}`);
      run.exit = { code: 127, signal: null };
    });
    return run;
  }

  return {
    async run(
      ctx: ProviderContext,
      hook: BootstrapHook,
      resources: RecordedResource[],
    ): Promise<ActionResult> {
      let run = runs.get(ctx.tenant.id);
      // A run of an earlier operation (a failed create now retried) is not this one's.
      if (run && run.operation !== operationIdOf(ctx) && run.exit) {
        runs.delete(ctx.tenant.id);
        run = undefined;
      }
      if (!run) {
        run = await start(ctx, hook, resources);
        runs.set(ctx.tenant.id, run);
        return { state: "pending", retryAfterMs: 500, detail: "bootstrap hook started" };
      }
      const elapsed = Date.now() - run.startedAt;
      if (!run.exit) {
        return {
          state: "pending",
          retryAfterMs: bootstrapPollMs(elapsed, 500, 10_000),
          detail: `bootstrap hook running for ${formatDuration(elapsed)}`,
        };
      }
      runs.delete(ctx.tenant.id);
      if (run.exit.code === 0) {
        return { state: "done", detail: `bootstrap hook finished in ${formatDuration(elapsed)}` };
      }
      const how = run.timedOut
        ? `timed out after ${formatDuration(elapsed)}`
        : run.exit.signal
          ? `was killed (${run.exit.signal})`
          : `exited with ${run.exit.code}`;
      let tail = run.output.slice(-20).join("\n");
      for (const secret of run.secrets) tail = tail.split(secret).join("[redacted]");
      throw bootstrapFailed(`hooks.bootstrap ${how}: ${hook.command}${tail ? `\n${tail}` : ""}`);
    },
    close() {
      for (const run of runs.values()) if (!run.exit) run.child.kill("SIGTERM");
      runs.clear();
    },
  };
}
