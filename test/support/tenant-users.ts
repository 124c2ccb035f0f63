import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { listTenantUsers } from "../../src/providers/local/tenant-users.js";

const execFileAsync = promisify(execFile);

/**
 * Tenant OS users (Tenantry as root) that a test left behind, by not destroying its tenants:
 * those whose home is under `dir` (a test's data directory), or, with `orphans`, whose home
 * is gone altogether. Their processes are killed first (userdel refuses a busy user).
 */
export async function removeTenantUsers(options: { under?: string; orphans?: boolean }): Promise<number> {
  if (process.getuid?.() !== 0) return 0;
  const users = await listTenantUsers().catch(() => []);
  const prefix = options.under ? path.resolve(options.under) + path.sep : undefined;
  let removed = 0;
  for (const user of users) {
    const mine = prefix !== undefined && user.home.startsWith(prefix);
    const orphan = options.orphans === true && !existsSync(path.dirname(user.home));
    if (!mine && !orphan) continue;
    for (const pid of await readdir("/proc").catch(() => [] as string[])) {
      if (!/^\d+$/.test(pid)) continue;
      const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
      if (Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]) === user.uid) {
        try {
          process.kill(Number(pid), "SIGKILL");
        } catch {
          // gone
        }
      }
    }
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        await execFileAsync("/usr/sbin/userdel", [user.name]);
        removed++;
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
  return removed;
}
