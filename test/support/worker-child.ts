import { type ChildProcess, spawn } from "node:child_process";
import { realpathSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startTenantry, type Tenantry } from "../../src/app.js";
import { loadConfig } from "../../src/config/config.js";
import { createKubernetesProvider } from "../../src/providers/kubernetes/kubernetes-provider.js";
import { ProviderRegistry } from "../../src/providers/provider.js";
import { createTerraformProvider } from "../../src/providers/terraform/terraform-provider.js";
import { createProbeProvider } from "./probe-provider.js";

/**
 * A Tenantry process that runs only workers, on the probe provider. Run as a child
 * process (see {@link spawnWorkerChild}); prints `READY <workerId>` once started.
 *
 * Environment: DATABASE_URL, TENANTRY_DATA_DIR, TENANTRY_ENCRYPTION_KEY,
 * TENANTRY_LEASE_SECONDS, TENANTRY_WORKER_CONCURRENCY, TENANTRY_POLL_INTERVAL_MS (and the
 * other TENANTRY_* variables), plus for the probe:
 * - PROBE_DELAY_MS: delay of every driver call;
 * - PROBE_HANG_KEY: the create of this resource key hangs forever before creating;
 * - PROBE_HANG_AFTER_KEY: the create of this resource key creates the object, then hangs;
 * - PROBE_WORKER_NAME: the name recorded in probe.probe_calls.worker;
 * - PROBE_POOL_SIZE: connections of the probe's pool (default 3);
 * - TENANTRY_TEST_WORKER_PROVIDER=kubernetes: also the kubernetes target (TENANTRY_KUBERNETES_*);
 *   `terraform`: also the terraform target (TENANTRY_TERRAFORM_*; state in DATABASE_URL's database).
 */
async function main(): Promise<void> {
  const env = process.env;
  const hangKey = env.PROBE_HANG_KEY || undefined;
  const hangAfterKey = env.PROBE_HANG_AFTER_KEY || undefined;
  const probe = createProbeProvider({
    databaseUrl: env.DATABASE_URL ?? "",
    delayMs: Number(env.PROBE_DELAY_MS ?? 0),
    delay: (call) =>
      call.action === "create" && call.key === hangKey ? Number.POSITIVE_INFINITY : undefined,
    hangAfter: (call) => call.action === "create" && call.key === hangAfterKey,
    worker: env.PROBE_WORKER_NAME || undefined,
    // Small: the probe's queries are short, and the test server is shared.
    poolSize: Number(env.PROBE_POOL_SIZE || 3),
  });
  await probe.ready();
  const config = loadConfig(env);
  // TENANTRY_TEST_WORKER_PROVIDER=kubernetes: the kubernetes target as configured by the
  // TENANTRY_KUBERNETES_* variables (a fake API server's kubeconfig), beside the probe.
  const providers = new ProviderRegistry().register(probe);
  if (env.TENANTRY_TEST_WORKER_PROVIDER === "kubernetes")
    providers.register(createKubernetesProvider({ config }));
  if (env.TENANTRY_TEST_WORKER_PROVIDER === "terraform")
    providers.register(
      createTerraformProvider({ config, dataDir: config.dataDir, databaseUrl: env.DATABASE_URL ?? "" }),
    );
  const app: Tenantry = await startTenantry({ config, api: false, providers });
  process.stdout.write(`READY ${app.worker?.id ?? "none"}\n`);
  const shutdown = () => {
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGTERM", shutdown);
  process.once("SIGINT", shutdown);
}

const here = fileURLToPath(import.meta.url);
const isEntry =
  process.argv[1] !== undefined && realpathSync(path.resolve(process.argv[1])) === realpathSync(here);
if (isEntry) {
  main().catch((err) => {
    process.stderr.write(`worker child failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}

// ---------------------------------------------------------------------------------------
// Used by the tests: spawning and stopping such children.

const projectRoot = path.resolve(path.dirname(here), "../..");

export interface WorkerChild {
  /** The name given as PROBE_WORKER_NAME. */
  name: string;
  /** The engine's worker id (`lease_owner`), from the READY line. */
  workerId: string;
  process: ChildProcess;
  /** Everything the child printed (for diagnostics). */
  output(): string;
  /** SIGKILL, resolving once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM (a clean shutdown), falling back to SIGKILL. */
  stop(): Promise<void>;
  exited: Promise<number | null>;
}

/**
 * Starts `worker-child.ts` as `node --import tsx` with `env` on top of the parent's
 * environment and resolves once it printed READY (rejects if it exits or times out first).
 */
export function spawnWorkerChild(
  name: string,
  env: Record<string, string>,
  options: { readyTimeoutMs?: number } = {},
): Promise<WorkerChild> {
  const child = spawn(process.execPath, ["--import", "tsx", here], {
    cwd: projectRoot,
    env: { ...process.env, LOG_LEVEL: "warn", PROBE_WORKER_NAME: name, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? (signal ? -1 : null)));
  });
  const handle = (workerId: string): WorkerChild => ({
    name,
    workerId,
    process: child,
    output: () => out,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(timer);
      }
    },
  });
  return new Promise<WorkerChild>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      child.kill("SIGKILL");
      reject(new Error(`worker child ${name} did not print READY in time:\n${out}`));
    }, options.readyTimeoutMs ?? 30_000);
    child.stderr?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = /^READY (\S+)$/m.exec(out);
      if (m?.[1] && !settled) {
        settled = true;
        clearTimeout(timer);
        resolve(handle(m[1]));
      }
    });
    void exited.then((code) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new Error(`worker child ${name} exited (${code}) before READY:\n${out}`));
    });
  });
}
