import { execFile } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { promisify } from "node:util";

/**
 * Low-level process and process-group probes for the local supervisor (POSIX only).
 *
 * Zombies count as gone everywhere here: a process that has exited but was not reaped yet
 * (its parent is busy, or it was orphaned under an init that does not reap) still answers
 * `kill(pid, 0)`, yet it runs no code, holds no port and cannot be signalled away. On Linux
 * the state comes from `/proc/<pid>/stat`; elsewhere from `ps`.
 */

const execFileAsync = promisify(execFile);
const hasProc = process.platform === "linux";

/** The fields of `/proc/<pid>/stat` (or `ps`) this module needs. */
export interface ProcInfo {
  pid: number;
  /** One-letter state: R, S, D, Z (zombie), T, X (dead), ... */
  state: string;
  pgid: number;
}

function errnoCode(err: unknown): string | undefined {
  return typeof err === "object" && err !== null && "code" in err ? String(err.code) : undefined;
}

function isGone(state: string): boolean {
  return state === "Z" || state === "X" || state === "x";
}

/** Parses `/proc/<pid>/stat`; the command name may itself contain spaces and parentheses. */
function parseStat(text: string): ProcInfo | null {
  const close = text.lastIndexOf(")");
  const pid = Number.parseInt(text, 10);
  if (close < 0 || !Number.isInteger(pid)) return null;
  const rest = text.slice(close + 2).split(" ");
  const state = rest[0];
  const pgid = Number(rest[2]);
  if (!state || !Number.isInteger(pgid)) return null;
  return { pid, state, pgid };
}

async function readProcInfo(pid: number): Promise<ProcInfo | null> {
  if (hasProc) {
    try {
      return parseStat(await readFile(`/proc/${pid}/stat`, "utf8"));
    } catch {
      return null;
    }
  }
  const all = await psList(["-p", String(pid)]);
  return all.find((p) => p.pid === pid) ?? null;
}

async function psList(selector: string[]): Promise<ProcInfo[]> {
  try {
    const { stdout } = await execFileAsync("ps", [...selector, "-o", "pid=,pgid=,stat="]);
    const out: ProcInfo[] = [];
    for (const line of stdout.split("\n")) {
      const [pid, pgid, stat] = line.trim().split(/\s+/);
      if (pid && pgid && stat) out.push({ pid: Number(pid), pgid: Number(pgid), state: stat.charAt(0) });
    }
    return out;
  } catch {
    // ps exits non-zero when nothing matches.
    return [];
  }
}

/** Whether `pid` is a live (not zombie) process. EPERM counts as alive: it exists, just not ours. */
export async function isProcessAlive(pid: number): Promise<boolean> {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    return errnoCode(err) === "EPERM";
  }
  const info = await readProcInfo(pid);
  // Vanished between the two checks, or a zombie.
  return info !== null && !isGone(info.state);
}

/** Live (non-zombie) members of process group `pgid`. */
export async function groupMembers(pgid: number): Promise<number[]> {
  if (!Number.isInteger(pgid) || pgid <= 1) return [];
  if (!hasProc) {
    return (await psList(["-A"])).filter((p) => p.pgid === pgid && !isGone(p.state)).map((p) => p.pid);
  }
  let entries: string[];
  try {
    entries = await readdir("/proc");
  } catch {
    return [];
  }
  const members: number[] = [];
  await Promise.all(
    entries.map(async (name) => {
      if (!/^\d+$/.test(name)) return;
      const info = await readProcInfo(Number(name));
      if (info && info.pgid === pgid && !isGone(info.state)) members.push(info.pid);
    }),
  );
  return members.sort((a, b) => a - b);
}

/**
 * Whether process group `pgid` still has a live member. `kill(-pgid, 0)` failing with ESRCH is
 * the definitive "gone"; when it succeeds the members are listed so that zombies do not count.
 */
export async function isGroupAlive(pgid: number): Promise<boolean> {
  if (!Number.isInteger(pgid) || pgid <= 1) return false;
  try {
    process.kill(-pgid, 0);
  } catch (err) {
    return errnoCode(err) === "EPERM";
  }
  return (await groupMembers(pgid)).length > 0;
}

/** Sends `signal` to every process of group `pgid`; false when the group no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  if (!Number.isInteger(pgid) || pgid <= 1) return false; // never -1 (everything) or -0 (our own group)
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (err) {
    if (errnoCode(err) === "ESRCH") return false;
    throw err;
  }
}

/**
 * Whether the environment `pid` was started with contains every `name=value` of `marker`.
 * Linux reads `/proc/<pid>/environ` (readable for processes of the same user); elsewhere
 * `ps eww` prints the environment after the command line. Unreadable means "not ours".
 */
export async function hasEnvMarker(pid: number, marker: Record<string, string>): Promise<boolean> {
  const wanted = Object.entries(marker).map(([k, v]) => `${k}=${v}`);
  if (hasProc) {
    let raw: string;
    try {
      raw = await readFile(`/proc/${pid}/environ`, "utf8");
    } catch {
      return false;
    }
    const vars = new Set(raw.split("\0"));
    return wanted.every((w) => vars.has(w));
  }
  try {
    const { stdout } = await execFileAsync("ps", ["eww", "-o", "command=", "-p", String(pid)]);
    const words = new Set(stdout.trim().split(/\s+/));
    return wanted.every((w) => words.has(w));
  } catch {
    return false;
  }
}

/** Live members of group `pgid` that carry `marker` in their environment. */
export async function markedGroupMembers(pgid: number, marker: Record<string, string>): Promise<number[]> {
  const members = await groupMembers(pgid);
  const marked = await Promise.all(members.map(async (pid) => ((await hasEnvMarker(pid, marker)) ? pid : 0)));
  return marked.filter((pid) => pid > 0);
}

/** Polls `predicate` every `intervalMs` until it is true (→ true) or `timeoutMs` passed (→ false). */
export async function waitUntil(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs: number,
  intervalMs = 25,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return true;
    const left = deadline - Date.now();
    if (left <= 0) return false;
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, left)));
  }
}

/**
 * SIGKILLs `pids` and waits (up to `timeoutMs`) until none is alive: delivery is
 * asynchronous, a killed process may run for a moment. Resolves to whether all are gone.
 */
export async function killAndWait(pids: readonly number[], timeoutMs: number): Promise<boolean> {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  return waitUntil(async () => {
    for (const pid of pids) if (await isProcessAlive(pid)) return false;
    return true;
  }, timeoutMs);
}
