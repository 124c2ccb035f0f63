import { readFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

/**
 * Tenant processes outlive Tenantry on purpose (a restart adopts them). A test that fails
 * half-way would leave them running: this kills every process group the supervisor of a
 * data directory still has a pid file for.
 */
export async function killSupervisedProcesses(dataDir: string): Promise<number> {
  const dir = path.join(dataDir, "supervisor");
  const files = await readdir(dir).catch(() => [] as string[]);
  let killed = 0;
  for (const file of files.filter((f) => f.endsWith(".pid"))) {
    try {
      const { pgid } = JSON.parse(await readFile(path.join(dir, file), "utf8")) as { pgid?: number };
      if (typeof pgid === "number" && pgid > 1) {
        process.kill(-pgid, "SIGKILL");
        killed++;
      }
    } catch {
      // Already gone, or not a pid file of ours.
    }
  }
  return killed;
}

/**
 * Whether a process is running: it exists and is not a zombie (a killed process whose
 * parent is gone waits for init to reap it, and `kill(pid, 0)` still succeeds on it).
 */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) state …"; comm may hold spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true; // no /proc (macOS): kill(0) is all we know
  }
}
