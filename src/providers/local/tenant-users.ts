import { execFile } from "node:child_process";
import { constants as fsConstants } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import type { Logger } from "pino";
import { tenantDiscriminator } from "../../domain/naming.js";
import { nameTaken, ownerMarker, ownerMarkerText } from "../ownership.js";
import { type ActionResult, type ProviderContext, ProviderError } from "../provider.js";
import { killAndWait, waitUntil } from "./process-group.js";

/**
 * One unprivileged OS user per local tenant, when Tenantry runs as root.
 *
 * Every process of a tenant (builds, services, cron runs, its private redis-servers) runs
 * with that user's uid and gid and no supplementary groups, so one tenant cannot read
 * another's `/proc/<pid>/environ`, files or memory, nor Tenantry's key files (0600, root).
 *
 * Files (see `localTenantDir`): the tenant directory and its service directories are
 * Tenantry's (root, group = the tenant's group, 0710: the tenant may pass through them to its
 * own directories, never list or change them); what the tenant's code may write is its own,
 * 0700: each release directory (given to it after the source is copied, before the build),
 * `.home` (HOME) and `.tmp` (TMPDIR). Tenantry's records (deploy.json, logs, pid files, owner
 * markers) stay where the tenant cannot replace them, so nothing a tenant writes can make
 * Tenantry signal a process or serve a file that is not the tenant's.
 *
 * The user: `t-<slug>-<discriminator>` (at most 32 characters), a system account with no
 * login shell and no password, its uid and gid from a range of their own (default
 * 200000–299999), and the tenant's ownership marker in its comment (GECOS) field
 * (`tenantry <installation>/<organization>/<tenant>`). A user with that name but another
 * comment is not ours: `NAME_TAKEN`, never used or removed. It is made on the first deploy of
 * anything that runs (`ensure`) and removed with the tenant (`release`): its leftover
 * processes killed, `userdel`, its files in the tenant directory and the shared temporary
 * directories removed, the removal checked.
 */

const execFileAsync = promisify(execFile);

/** Whose processes run as whom. `users`: one OS user per tenant; `off`: Tenantry's own user. */
export type IsolationMode = "users" | "off";

/** What a tenant's processes run as, and where its own files go. */
export interface RunAs {
  uid: number;
  gid: number;
  user: string;
  /** `<tenantDir>/.home`, the tenant's HOME (0700, the tenant's). */
  home: string;
  /** `<tenantDir>/.tmp`, the tenant's TMPDIR (0700, the tenant's). */
  tmp: string;
}

export interface TenantUsersOptions {
  mode: IsolationMode;
  /** Tenantry's data directory (tenant directories live under `<dataDir>/tenants/`). */
  dataDir: string;
  /** Where tenant directories are, by tenant. */
  tenantDir(tenant: { id: string; slug: string }): string;
  /** uids and gids of tenant users (inclusive). @default [200000, 299999] */
  idRange?: [number, number];
  logger?: Logger;
}

export interface TenantUsers {
  readonly mode: IsolationMode;
  /** The tenant's identity, made when missing; null when isolation is off. */
  ensure(ctx: ProviderContext): Promise<RunAs | null>;
  /** Gives a directory tree the tenant's code writes in (a release) to the tenant. */
  give(dir: string, who: RunAs | null): Promise<void>;
  /** Makes a directory of Tenantry's one the tenant may pass through (root:<tenant group> 0710). */
  share(dir: string, who: RunAs | null): Promise<void>;
  /** Removes the tenant's user and its own files; done (with a detail) when there is none. */
  release(ctx: ProviderContext): Promise<ActionResult>;
}

/** HOME, TMPDIR, USER and LOGNAME of a tenant's processes (nothing when isolation is off). */
export function runAsEnv(who: RunAs | null): Record<string, string> {
  if (!who) return {};
  return { HOME: who.home, TMPDIR: who.tmp, USER: who.user, LOGNAME: who.user };
}

/** The spawn options that make a child run as the tenant (nothing when isolation is off). */
export function runAsSpawn(who: RunAs | null): { uid?: number; gid?: number } {
  return who ? { uid: who.uid, gid: who.gid } : {};
}

const USERADD = "/usr/sbin/useradd";
const USERDEL = "/usr/sbin/userdel";
const MAX_NAME = 32;
const DEFAULT_RANGE: [number, number] = [200_000, 299_999];
/** useradd/userdel exit codes meaning "the account files are locked or busy": try again. */
const BUSY_CODES = new Set([1, 10]);
const TOOL_TIMEOUT_MS = 10_000;
const SHARED_TMP = ["/tmp", "/var/tmp", "/dev/shm"];

/** `t-<slug>-<discriminator>`: the slug shortened, never the discriminator. */
export function tenantUserName(installationId: string, tenant: { id: string; slug: string }): string {
  const disc = tenantDiscriminator(installationId, tenant.id);
  const room = MAX_NAME - 2 - 1 - disc.length;
  const slug = tenant.slug
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .slice(0, room)
    .replace(/^-+|-+$/g, "");
  return slug ? `t-${slug}-${disc}` : `t-${disc}`;
}

/** The comment (GECOS) field that marks a user as the tenant's: the marker without `:`. */
export function tenantUserComment(ctx: {
  installationId: string;
  tenant: { id: string; organizationId: string };
}): string {
  // GECOS is a field of /etc/passwd: no ':' (the separator), no ',' or newline.
  return ownerMarkerText(ownerMarker(ctx))
    .replace(/^tenantry:/, "tenantry ")
    .replace(/[:,\n]/g, "_");
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  comment: string;
  home: string;
}

/** The `/etc/passwd` entry (through NSS) of `name`, or undefined. */
export async function lookupUser(name: string): Promise<PasswdEntry | undefined> {
  try {
    const { stdout } = await execFileAsync("getent", ["passwd", name], { timeout: TOOL_TIMEOUT_MS });
    return parsePasswd(stdout.trim().split("\n")[0] ?? "");
  } catch (err) {
    // getent: 2 = no such key.
    if ((err as { code?: unknown }).code === 2) return undefined;
    throw err;
  }
}

function parsePasswd(line: string): PasswdEntry | undefined {
  const f = line.split(":");
  if (f.length < 7) return undefined;
  const uid = Number(f[2]);
  const gid = Number(f[3]);
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) return undefined;
  return { name: f[0] ?? "", uid, gid, comment: f[4] ?? "", home: f[5] ?? "" };
}

/** Every passwd entry whose comment is a Tenantry tenant marker. */
export async function listTenantUsers(): Promise<PasswdEntry[]> {
  const { stdout } = await execFileAsync("getent", ["passwd"], { timeout: TOOL_TIMEOUT_MS });
  return stdout
    .split("\n")
    .map(parsePasswd)
    .filter((e): e is PasswdEntry => e?.comment.startsWith("tenantry ") === true);
}

/** Runs useradd/userdel, trying again while the account files are locked by someone else. */
async function accountTool(ctx: ProviderContext | undefined, file: string, args: string[]): Promise<void> {
  const deadline = Date.now() + TOOL_TIMEOUT_MS;
  for (let attempt = 1; ; attempt++) {
    ctx?.throwIfAborted();
    try {
      await execFileAsync(file, args, { timeout: TOOL_TIMEOUT_MS });
      return;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (typeof code === "number" && BUSY_CODES.has(code) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, Math.min(50 * attempt, 500)));
        continue;
      }
      throw err;
    }
  }
}

function toolError(err: unknown): string {
  const e = err as { stderr?: string; message?: string };
  return (e.stderr?.trim() || e.message || String(err)).replace(/\s+/g, " ");
}

/**
 * Whether this process can give tenants users of their own, and if not why: it must run as
 * root on Linux with `useradd` and `userdel`, and tenants' directories must be reachable by
 * other users (every parent of the data directory searchable by others).
 */
export async function isolationProblem(dataDir: string): Promise<string | undefined> {
  if (process.platform !== "linux") return `it needs Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0)
    return "Tenantry does not run as root, so it cannot run processes as other users";
  for (const tool of [USERADD, USERDEL]) {
    try {
      await fs.access(tool, fsConstants.X_OK);
    } catch {
      return `${tool} is missing (Debian/Ubuntu package passwd, or shadow-utils)`;
    }
  }
  // Tenant users must be able to reach their directories: every parent searchable by others.
  for (let dir = path.dirname(path.resolve(dataDir)); ; dir = path.dirname(dir)) {
    const stat = await fs.stat(dir).catch(() => undefined);
    if (stat && (stat.mode & 0o001) === 0) {
      return `${dir}, a parent of the data directory ${dataDir}, is not searchable by other users (mode ${(stat.mode & 0o777).toString(8)}); choose a TENANTRY_DATA_DIR outside it (for example /var/lib/tenantry) or allow it with chmod o+x ${dir}`;
    }
    if (dir === path.dirname(dir)) break;
  }
  return undefined;
}

export function createTenantUsers(options: TenantUsersOptions): TenantUsers {
  const [idMin, idMax] = options.idRange ?? DEFAULT_RANGE;
  const dataDir = path.resolve(options.dataDir);
  /** One creation at a time per tenant in this process (drivers of one pass run side by side). */
  const making = new Map<string, Promise<RunAs>>();
  let prepared: Promise<void> | undefined;

  /** The data directory and `tenants/` become passable (0711), never listable, by others. */
  function prepareDataDir(): Promise<void> {
    prepared ??= (async () => {
      const tenants = path.join(dataDir, "tenants");
      await fs.mkdir(tenants, { recursive: true });
      await fs.chmod(dataDir, 0o711);
      await fs.chmod(tenants, 0o711);
      // The supervisor's records are Tenantry's alone.
      await fs.mkdir(path.join(dataDir, "supervisor"), { recursive: true, mode: 0o700 });
      await fs.chmod(path.join(dataDir, "supervisor"), 0o700);
    })();
    prepared.catch(() => {
      prepared = undefined;
    });
    return prepared;
  }

  async function own(dir: string, uid: number, gid: number, mode: number): Promise<void> {
    await fs.mkdir(dir, { recursive: true });
    await fs.lchown(dir, uid, gid);
    await fs.chmod(dir, mode);
  }

  async function make(ctx: ProviderContext): Promise<RunAs> {
    await prepareDataDir();
    const name = tenantUserName(ctx.installationId, ctx.tenant);
    const comment = tenantUserComment(ctx);
    const tenantDir = options.tenantDir(ctx.tenant);
    const home = path.join(tenantDir, ".home");
    const tmp = path.join(tenantDir, ".tmp");
    let entry = await lookupUser(name);
    if (!entry) {
      try {
        await accountTool(ctx, USERADD, [
          "--system",
          "--user-group",
          "--no-create-home",
          "--no-log-init",
          "--home-dir",
          home,
          "--shell",
          "/usr/sbin/nologin",
          "--comment",
          comment,
          "-K",
          `SYS_UID_MIN=${idMin}`,
          "-K",
          `SYS_UID_MAX=${idMax}`,
          "-K",
          `SYS_GID_MIN=${idMin}`,
          "-K",
          `SYS_GID_MAX=${idMax}`,
          name,
        ]);
        options.logger?.info({ tenantId: ctx.tenant.id, user: name }, "local: made the tenant's OS user");
      } catch (err) {
        // Made meanwhile by another Tenantry process of this node: checked below.
        entry = await lookupUser(name);
        if (!entry) {
          throw new ProviderError(`local: could not make OS user ${name} for the tenant: ${toolError(err)}`, {
            retryable: true,
            cause: err,
          });
        }
      }
      entry ??= await lookupUser(name);
    }
    if (!entry)
      throw new ProviderError(`local: OS user ${name} is missing right after useradd`, { retryable: true });
    if (entry.comment !== comment) {
      throw nameTaken(
        "OS user",
        name,
        String(entry.uid),
        `its comment is "${entry.comment}", not this tenant's marker`,
      );
    }
    if (entry.uid < idMin || entry.uid > idMax || entry.uid === 0 || entry.gid === 0) {
      throw nameTaken(
        "OS user",
        name,
        String(entry.uid),
        `its uid ${entry.uid} is outside ${idMin}-${idMax}`,
      );
    }
    // The tenant directory is Tenantry's; the tenant passes through it to its own.
    await own(tenantDir, 0, entry.gid, 0o710);
    await own(home, entry.uid, entry.gid, 0o700);
    await own(tmp, entry.uid, entry.gid, 0o700);
    return { uid: entry.uid, gid: entry.gid, user: name, home, tmp };
  }

  async function processesOf(uid: number): Promise<number[]> {
    const pids: number[] = [];
    for (const name of await fs.readdir("/proc").catch(() => [] as string[])) {
      if (!/^\d+$/.test(name)) continue;
      const status = await fs.readFile(`/proc/${name}/status`, "utf8").catch(() => "");
      const real = /^Uid:\s+(\d+)/m.exec(status)?.[1];
      const state = /^State:\s+(\S)/m.exec(status)?.[1];
      if (real !== undefined && Number(real) === uid && state !== "Z" && state !== "X")
        pids.push(Number(name));
    }
    return pids;
  }

  /** Removes what the user owns in the shared temporary directories (sockets, caches). */
  async function removeSharedTmp(uid: number, log: Logger | undefined): Promise<void> {
    for (const dir of SHARED_TMP) {
      const names = await fs.readdir(dir).catch(() => [] as string[]);
      for (const n of names) {
        const p = path.join(dir, n);
        const st = await fs.lstat(p).catch(() => undefined);
        if (st?.uid === uid) {
          await fs
            .rm(p, { recursive: true, force: true })
            .catch((err: unknown) =>
              log?.warn(
                { path: p, err: (err as Error).message },
                "local: could not remove a tenant user's file",
              ),
            );
        }
      }
    }
  }

  return {
    mode: options.mode,

    ensure(ctx) {
      if (options.mode === "off") return Promise.resolve(null);
      ctx.throwIfAborted();
      const key = ctx.tenant.id;
      let p = making.get(key);
      if (!p) {
        p = make(ctx).finally(() => making.delete(key));
        making.set(key, p);
      }
      return p;
    },

    async give(dir, who) {
      if (!who) return;
      // chown -R does not follow symbolic links (-P is the default with -R): a link in the
      // source never gives the tenant the file it points at.
      try {
        await execFileAsync("chown", ["-R", "-P", `${who.uid}:${who.gid}`, dir], { timeout: 5 * 60_000 });
        await fs.chmod(dir, 0o700);
      } catch (err) {
        throw new ProviderError(`local: could not give ${dir} to ${who.user}: ${toolError(err)}`, {
          retryable: true,
          cause: err,
        });
      }
    },

    async share(dir, who) {
      if (!who) return;
      await fs.lchown(dir, 0, who.gid);
      await fs.chmod(dir, 0o710);
    },

    async release(ctx) {
      if (options.mode === "off") return { state: "done" };
      const name = tenantUserName(ctx.installationId, ctx.tenant);
      const tenantDir = options.tenantDir(ctx.tenant);
      const log = options.logger?.child({ tenantId: ctx.tenant.id, user: name });
      const entry = await lookupUser(name);
      if (entry && entry.comment !== tenantUserComment(ctx)) {
        log?.warn({ comment: entry.comment }, "local: left an OS user that is not this tenant's");
        return {
          state: "done",
          detail: `left OS user ${name} in place: its comment is not this tenant's marker`,
        };
      }
      if (entry) {
        // Whatever still runs as the tenant (a daemon a build left behind) goes first:
        // userdel refuses a user with processes, and nothing of the tenant may outlive it.
        const pids = await processesOf(entry.uid);
        if (pids.length > 0) {
          log?.warn({ processes: pids.length }, "local: killing processes left running as the tenant's user");
          if (!(await killAndWait(pids, 5_000))) {
            throw new ProviderError(`local: processes of OS user ${name} are still alive after SIGKILL`, {
              retryable: true,
            });
          }
        }
        try {
          await accountTool(ctx, USERDEL, [name]);
        } catch (err) {
          if ((await lookupUser(name)) !== undefined) {
            throw new ProviderError(`local: could not remove OS user ${name}: ${toolError(err)}`, {
              retryable: true,
              cause: err,
            });
          }
        }
        await removeSharedTmp(entry.uid, log);
      }
      await fs.rm(path.join(tenantDir, ".home"), { recursive: true, force: true });
      await fs.rm(path.join(tenantDir, ".tmp"), { recursive: true, force: true });
      await fs.rmdir(tenantDir).catch(() => {});
      const gone = await waitUntil(async () => (await lookupUser(name)) === undefined, 2_000, 100);
      if (!gone)
        throw new ProviderError(`local: OS user ${name} still exists after userdel`, { retryable: true });
      if (entry) log?.info("local: removed the tenant's OS user");
      return entry
        ? { state: "done", detail: `removed OS user ${name} (uid ${entry.uid})` }
        : { state: "done" };
    },
  };
}
