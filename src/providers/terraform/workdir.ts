import { randomBytes } from "node:crypto";
import { cp, mkdir, readdir, rm, stat, writeFile } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import { ProviderError } from "../provider.js";
import type { RootModule } from "./root-module.js";

/**
 * Work directories: one per run (a plan and the apply of that plan, a destroy), under
 * `<dataDir>/terraform/runs/`, readable by Tenantry's user only, removed when the run ends.
 * They hold the root module, copies of local modules and the CLI's own files (`.terraform/`,
 * the saved plan); never credentials. Provider plugins are shared through the plugin cache.
 */

export interface WorkDir {
  path: string;
  /** Removes the directory and everything in it. */
  remove(): Promise<void>;
}

/** Creates a work directory for `name` with the root module and its local modules. */
export async function createWorkDir(
  runsDir: string,
  name: string,
  root: RootModule,
  modulesDir: string,
): Promise<WorkDir> {
  await mkdir(runsDir, { recursive: true, mode: 0o700 });
  const path = join(runsDir, `${name}-${randomBytes(4).toString("hex")}`);
  await mkdir(path, { mode: 0o700 });
  const remove = () => rm(path, { recursive: true, force: true });
  try {
    for (const m of root.localModules) {
      const from = resolve(modulesDir, m.source);
      const within = relative(modulesDir, from);
      if (within.startsWith(`..${sep}`) || within === "..") {
        throw new ProviderError(
          `stack ${m.stack}: module source ${m.source} is outside TENANTRY_TERRAFORM_MODULES_DIR (${modulesDir})`,
          { retryable: false, code: "TERRAFORM_MODULE_NOT_FOUND" },
        );
      }
      const info = await stat(from).catch(() => undefined);
      if (!info?.isDirectory()) {
        throw new ProviderError(
          `stack ${m.stack}: no module folder ${m.source} under TENANTRY_TERRAFORM_MODULES_DIR (${modulesDir})`,
          { retryable: false, code: "TERRAFORM_MODULE_NOT_FOUND" },
        );
      }
      // The module's own files only: not a `.terraform` folder or state someone left there.
      await cp(from, join(path, "modules", m.stack), {
        recursive: true,
        filter: (src) =>
          !/(^|[/\\])(\.terraform|terraform\.tfstate(\.backup)?|\.terraform\.lock\.hcl)$/.test(src),
      });
    }
    await writeFile(join(path, "main.tf.json"), `${JSON.stringify(root.json, null, 2)}\n`, { mode: 0o600 });
  } catch (err) {
    await remove();
    throw err;
  }
  return { path, remove };
}

/**
 * Removes work directories older than `olderThanMs` (a process that crashed mid-run left
 * them; no run lasts that long): several Tenantry processes may share a data directory, so
 * a fresh one may be another's.
 */
export async function sweepWorkDirs(runsDir: string, olderThanMs: number): Promise<number> {
  const entries = await readdir(runsDir).catch(() => [] as string[]);
  let removed = 0;
  for (const entry of entries) {
    const path = join(runsDir, entry);
    const info = await stat(path).catch(() => undefined);
    if (!info || Date.now() - info.mtimeMs < olderThanMs) continue;
    await rm(path, { recursive: true, force: true });
    removed++;
  }
  return removed;
}
