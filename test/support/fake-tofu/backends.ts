import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { Backend } from "./config.js";
import { plain } from "./json-source.js";
import { formatState, goUuid, parseState, type StateV4 } from "./state.js";
import { type Diagnostic, DiagnosticsError, FLAVORS, type Flavor, fail, type Ui } from "./ui.js";

/**
 * State storage: `pg` (PostgreSQL, with the real backend's tables and advisory locks, so
 * that the fake and the real CLI exclude each other), `local` (a file in the working
 * directory), and `s3`/`gcs` (keys checked; then refused, or kept in a local file when
 * the test maps cloud backends to a directory).
 */

/** The selected workspace: `TF_WORKSPACE`, else what `workspace select` recorded, else `default`. */
export function currentWorkspace(): string {
  const env = process.env["TF_WORKSPACE"];
  if (env) return env;
  try {
    const recorded = readFileSync(".terraform/environment", "utf8").trim();
    if (recorded) return recorded;
  } catch {}
  return "default";
}

export interface StateStore {
  /** Takes the state lock, retrying until `timeoutMs` as `-lock-timeout` does. */
  lock(operation: string, timeoutMs: number, ui: Ui): Promise<void>;
  read(): Promise<StateV4 | null>;
  write(state: StateV4): Promise<void>;
  unlock(): Promise<void>;
  /** `force-unlock`: the message to print on success. */
  forceUnlock(id: string): Promise<void>;
  close(): Promise<void>;
}

export interface BackendConfig {
  type: "pg" | "local" | "s3" | "gcs";
  /** Effective settings (block, then environment, then defaults). */
  settings: Record<string, unknown>;
  /** The block's own attributes, as `.terraform/terraform.tfstate` records them. */
  block: Record<string, unknown>;
}

const ATTRIBUTES: Record<string, (flavor: Flavor) => string[]> = {
  pg: (f) => [
    "conn_str",
    "schema_name",
    "skip_schema_creation",
    "skip_table_creation",
    "skip_index_creation",
    ...(f === "tofu" ? ["table_name", "index_name"] : []),
  ],
  local: () => ["path", "workspace_dir"],
  // terraform v1.11's s3 backend
  s3: () =>
    "bucket key region allowed_account_ids dynamodb_endpoint ec2_metadata_service_endpoint ec2_metadata_service_endpoint_mode endpoint forbidden_account_ids iam_endpoint sts_endpoint sts_region encrypt acl access_key secret_key kms_key_id dynamodb_table use_lockfile profile retry_mode shared_config_files shared_credentials_file shared_credentials_files token skip_credentials_validation skip_requesting_account_id skip_metadata_api_check skip_region_validation skip_s3_checksum sse_customer_key workspace_key_prefix force_path_style use_path_style max_retries custom_ca_bundle http_proxy https_proxy no_proxy insecure use_fips_endpoint use_dualstack_endpoint assume_role assume_role_with_web_identity endpoints".split(
      " ",
    ),
  gcs: () =>
    "bucket prefix credentials access_token impersonate_service_account impersonate_service_account_delegates encryption_key kms_encryption_key storage_custom_endpoint".split(
      " ",
    ),
};

/** A backend type's attributes, in the order `.terraform/terraform.tfstate` lists them. */
export function backendAttributes(type: string, flavor: Flavor): string[] {
  return [...(ATTRIBUTES[type]?.(flavor) ?? [])].sort();
}

/** Backend types the real CLIs know; the fake implements the four above. */
const KNOWN = [
  "local",
  "remote",
  "azurerm",
  "consul",
  "cos",
  "gcs",
  "http",
  "inmem",
  "kubernetes",
  "oss",
  "pg",
  "s3",
];

export function resolveBackend(
  backend: Backend | undefined,
  flavor: Flavor,
  env: NodeJS.ProcessEnv,
): BackendConfig {
  if (!backend) return { type: "local", settings: { path: "terraform.tfstate" }, block: {} };
  if (!KNOWN.includes(backend.type)) {
    fail("Unsupported backend type", `There is no backend type named "${backend.type}".`, {
      range: backend.typeRange,
      context: "terraform.backend",
    });
  }
  const allowed = ATTRIBUTES[backend.type]?.(flavor);
  if (!allowed) {
    fail(
      "Backend type not implemented by the fake",
      `The fake implements the pg, local, s3 and gcs backends; "${backend.type}" needs the real CLI.`,
      { range: backend.typeRange, context: "terraform.backend" },
    );
  }
  const diags: Diagnostic[] = [];
  const block: Record<string, unknown> = {};
  for (const p of backend.attrs) {
    if (!allowed.includes(p.key)) {
      diags.push({
        severity: "error",
        summary: "Extraneous JSON object property",
        detail: `No argument or block type is named "${p.key}".`,
        range: p.keyRange,
        context: `terraform.backend.${backend.type}`,
      });
    } else block[p.key] = plain(p.value);
  }
  if (diags.length) throw new DiagnosticsError(diags);
  const settings: Record<string, unknown> = { ...block };
  const type = backend.type as BackendConfig["type"];
  if (type === "pg") {
    settings.conn_str ??= env.PG_CONN_STR;
    settings.schema_name ??= env.PG_SCHEMA_NAME || "terraform_remote_state";
    for (const k of ["skip_schema_creation", "skip_table_creation", "skip_index_creation"]) {
      const e = env[`PG_${k.toUpperCase()}`];
      settings[k] ??= e ? e === "true" || e === "1" : false;
    }
    settings.table_name ??= (flavor === "tofu" && env.PG_TABLE_NAME) || "states";
    settings.index_name ??= (flavor === "tofu" && env.PG_INDEX_NAME) || "states_by_name";
  }
  if (type === "local") settings.path ??= "terraform.tfstate";
  if (type === "s3") {
    settings.region ??= env.AWS_REGION || env.AWS_DEFAULT_REGION;
    for (const k of ["bucket", "key", "region"]) {
      if (settings[k] === undefined) {
        fail("Missing Required Value", `The attribute "${k}" is required by the backend.`, {
          range: backend.bodyRange,
          context: "terraform.backend.s3",
        });
      }
    }
  }
  if (type === "gcs" && settings.bucket === undefined) {
    fail("Missing required argument", 'The argument "bucket" is required, but no definition was found.', {
      range: backend.bodyRange,
      context: "terraform.backend.gcs",
    });
  }
  return { type, settings, block };
}

export async function openStore(
  cfg: BackendConfig,
  flavor: Flavor,
  cloudDir: string | undefined,
): Promise<StateStore> {
  switch (cfg.type) {
    case "pg":
      return PgStore.open(cfg.settings, flavor);
    case "local":
      return new FileStore(path.resolve(String(cfg.settings.path)), flavor);
    case "s3":
    case "gcs": {
      const where =
        cfg.type === "s3"
          ? path.join(String(cfg.settings.bucket), String(cfg.settings.key))
          : path.join(String(cfg.settings.bucket), String(cfg.settings.prefix ?? ""), "default.tfstate");
      if (!cloudDir) {
        fail(
          "Failed to get existing workspaces",
          `The fake ${FLAVORS[flavor].cli} has no network and cannot reach ${cfg.type} (${where}). A test can keep s3/gcs state in local files: createFakeTofu({ cloudStateDir }) (FAKE_TOFU_CONTROL's "cloudStateDir").`,
        );
      }
      return new FileStore(path.join(cloudDir, cfg.type, where), flavor);
    }
  }
}

interface LockInfo {
  ID: string;
  Path: string;
  Operation: string;
  Who: string;
  Version: string;
  Created: string;
  Info: string;
}

function newLockInfo(operation: string, flavor: Flavor): LockInfo {
  return {
    ID: goUuid(),
    Path: "",
    Operation: operation,
    Who: `${os.userInfo().username}@${os.hostname()}`,
    Version: FLAVORS[flavor].version,
    Created: goTime(new Date()),
    Info: "",
  };
}

/** Go's default time format: `2026-12-03 06:48:06.84685513 +0000 UTC`. */
function goTime(d: Date): string {
  const iso = d.toISOString();
  const frac = `${iso.slice(20, 23)}${String(Math.floor(Math.random() * 1e6)).padStart(6, "0")}`.replace(
    /0+$/,
    "",
  );
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${frac ? `.${frac}` : ""} +0000 UTC`;
}

class LockError extends Error {}

/** The real "Error acquiring the state lock" diagnostic. */
function lockDiagnostic(err: Error, info: LockInfo, flavor: Flavor): never {
  const product = FLAVORS[flavor].product;
  fail(
    "Error acquiring the state lock",
    `Error message: ${err.message}\nLock Info:\n  ID:        ${info.ID}\n  Path:      ${info.Path}\n  Operation: ${info.Operation}\n  Who:       ${info.Who}\n  Version:   ${info.Version}\n  Created:   ${info.Created}\n  Info:      ${info.Info}\n\n\n${product} acquires a state lock to protect the state from being written\nby multiple users at the same time. Please resolve the issue above and try\nagain. For most commands, you can disable locking with the "-lock=false"\nflag, but this is not recommended.`,
  );
}

/**
 * Retries like Terraform's `statemgr.LockWithContext`: at once, then after 1 s, 2 s, 4 s…
 * (at most 16 s apart) until the timeout. Says "Acquiring state lock…" once 400 ms have
 * passed without the lock, as the CLI does.
 */
async function retryLock(
  attempt: () => Promise<void>,
  timeoutMs: number,
  ui: Ui,
  onFail: (e: Error) => never,
) {
  const deadline = Date.now() + timeoutMs;
  const slow = setTimeout(() => {
    if (ui.json)
      ui.message(
        "info",
        "Acquiring state lock. This may take a few moments...",
        { type: "state_lock_acquire" },
        true,
      );
  }, 400);
  let delay = 1000;
  try {
    for (;;) {
      try {
        await attempt();
        return;
      } catch (err) {
        if (!(err instanceof LockError)) throw err;
        const left = deadline - Date.now();
        if (left <= 0) onFail(err);
        await new Promise((r) => setTimeout(r, Math.min(delay, left)));
        if (Date.now() >= deadline) onFail(err);
        delay = Math.min(delay * 2, 16_000);
      }
    }
  } finally {
    clearTimeout(slow);
  }
}

function quoteIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

/** FNV-1 (not 1a), 32 bits: OpenTofu's creation-lock id is its negation. */
function fnv1(s: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(s)) {
    h = Math.imul(h, 0x01000193) >>> 0;
    h = (h ^ b) >>> 0;
  }
  return h;
}

/**
 * The `pg` backend. One connection per command: the advisory lock lives in that session,
 * so the lock goes when the process dies (SIGKILL included), as with the real CLI.
 */
export class PgStore implements StateStore {
  #held: string | undefined;
  /** The workspace this command works on (one state row each). */
  readonly workspace = currentWorkspace();

  private constructor(
    private readonly client: pg.Client,
    private readonly schema: string,
    private readonly table: string,
    private readonly flavor: Flavor,
  ) {}

  static async open(settings: Record<string, unknown>, flavor: Flavor): Promise<PgStore> {
    const conn = settings.conn_str;
    if (typeof conn !== "string" || !conn) {
      fail(
        'Error configuring the backend "pg"',
        "No conn_str in the backend block and PG_CONN_STR is not set: the fake needs a PostgreSQL connection string.",
      );
    }
    const client = new pg.Client({ connectionString: conn });
    client.on("error", () => {});
    try {
      await client.connect();
    } catch (err) {
      fail(`Error configuring the backend "pg"`, (err as Error).message);
    }
    const schema = String(settings.schema_name);
    const table = flavor === "tofu" ? String(settings.table_name) : "states";
    const index = flavor === "tofu" ? String(settings.index_name) : "states_by_name";
    const ignoreRace = (err: unknown) => {
      // Two first runs at once: CREATE … IF NOT EXISTS can still collide on the catalogue.
      const code = (err as { code?: string }).code;
      if (code !== "23505" && code !== "42P07" && code !== "42710" && code !== "42P06") throw err;
    };
    if (!settings.skip_schema_creation) {
      const { rows } = await client.query<{ count: string }>(
        "select count(1) from information_schema.schemata where schema_name = $1",
        [schema],
      );
      if (Number(rows[0]?.count) < 1)
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`).catch(ignoreRace);
    }
    if (!settings.skip_table_creation) {
      await client
        .query("CREATE SEQUENCE IF NOT EXISTS public.global_states_id_seq AS bigint")
        .catch(ignoreRace);
      await client
        .query(
          `CREATE TABLE IF NOT EXISTS ${quoteIdent(schema)}.${quoteIdent(table)} (
            id bigint NOT NULL DEFAULT nextval('public.global_states_id_seq') PRIMARY KEY,
            name text UNIQUE,
            data text
          )`,
        )
        .catch(ignoreRace);
    }
    if (!settings.skip_index_creation) {
      await client
        .query(
          `CREATE UNIQUE INDEX IF NOT EXISTS ${quoteIdent(index)} ON ${quoteIdent(schema)}.${quoteIdent(table)} (name)`,
        )
        .catch(ignoreRace);
    }
    return new PgStore(client, schema, table, flavor);
  }

  get #qualified(): string {
    return `${quoteIdent(this.schema)}.${quoteIdent(this.table)}`;
  }

  /** Terraform v1.11 uses -1 for "creating a workspace"; OpenTofu one id per schema and table. */
  get #creationLockId(): string {
    return this.flavor === "terraform" ? "-1" : String(-fnv1(`${this.schema}\x00${this.table}`));
  }

  async lock(operation: string, timeoutMs: number, ui: Ui): Promise<void> {
    const info = newLockInfo(operation, this.flavor);
    await retryLock(
      () => this.#tryLock(info),
      timeoutMs,
      ui,
      (e) => lockDiagnostic(e, info, this.flavor),
    );
  }

  async #tryLock(info: LockInfo): Promise<void> {
    const creation = this.#creationLockId;
    const t = quoteIdent(this.table);
    const { rows } = await this.client.query<{ id: string; did_lock: boolean; did_lock_create: boolean }>(
      `SELECT ${t}.id, pg_try_advisory_lock(${t}.id) AS did_lock, pg_try_advisory_lock($1) AS did_lock_create FROM ${this.#qualified} WHERE ${t}.name = $2`,
      [creation, this.workspace],
    );
    const row = rows[0];
    if (!row) {
      const inner = await this.client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1) AS ok", [
        creation,
      ]);
      if (!inner.rows[0]?.ok) throw new LockError(`Already locked for workspace creation: ${this.workspace}`);
      info.Path = creation;
      this.#held = creation;
      return;
    }
    if (!row.did_lock) {
      if (row.did_lock_create) await this.client.query("SELECT pg_advisory_unlock($1)", [creation]);
      throw new LockError(`Workspace is already locked: ${this.workspace}`);
    }
    if (!row.did_lock_create) {
      await this.client.query("SELECT pg_advisory_unlock($1)", [row.id]);
      throw new LockError(`Cannot lock workspace; already locked for workspace creation: ${this.workspace}`);
    }
    await this.client.query("SELECT pg_advisory_unlock($1)", [creation]);
    info.Path = String(row.id);
    this.#held = String(row.id);
  }

  async read(): Promise<StateV4 | null> {
    const { rows } = await this.client.query<{ data: string }>(
      `SELECT data FROM ${this.#qualified} WHERE name = $1`,
      [this.workspace],
    );
    const data = rows[0]?.data;
    return data ? parseState(data) : null;
  }

  async write(state: StateV4): Promise<void> {
    await this.client.query(
      `INSERT INTO ${this.#qualified} (name, data) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET data = $2 WHERE ${quoteIdent(this.table)}.name = $1`,
      [this.workspace, formatState(state)],
    );
  }

  async unlock(): Promise<void> {
    if (this.#held) await this.client.query("SELECT pg_advisory_unlock($1)", [this.#held]);
    this.#held = undefined;
  }

  /** The workspaces: `default` and every row (`workspace list`). */
  async workspaces(): Promise<string[]> {
    const { rows } = await this.client.query<{ name: string }>(
      `SELECT name FROM ${this.#qualified} ORDER BY name`,
    );
    return [...new Set(["default", ...rows.map((r) => r.name)])];
  }

  /** Makes a workspace (an empty state row), under the creation lock as the real backend does. */
  async createWorkspace(name: string): Promise<void> {
    const creation = this.#creationLockId;
    const { rows } = await this.client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1) AS ok", [
      creation,
    ]);
    if (!rows[0]?.ok) throw new LockError(`Already locked for workspace creation: ${name}`);
    try {
      await this.client.query(
        `INSERT INTO ${this.#qualified} (name, data) VALUES ($1, '') ON CONFLICT (name) DO NOTHING`,
        [name],
      );
    } finally {
      await this.client.query("SELECT pg_advisory_unlock($1)", [creation]);
    }
  }

  /** The state of another workspace (null: none or empty). */
  async stateOf(name: string): Promise<StateV4 | null> {
    const { rows } = await this.client.query<{ data: string }>(
      `SELECT data FROM ${this.#qualified} WHERE name = $1`,
      [name],
    );
    const data = rows[0]?.data;
    return data ? parseState(data) : null;
  }

  async deleteWorkspace(name: string): Promise<void> {
    await this.client.query(`DELETE FROM ${this.#qualified} WHERE name = $1`, [name]);
  }

  /** The real pg backend keeps no lock record: unlocking from another session succeeds and changes nothing. */
  async forceUnlock(_id: string): Promise<void> {}

  async close(): Promise<void> {
    await this.client.end().catch(() => {});
  }
}

/**
 * A state file with a lock beside it, as the local backend keeps
 * `.terraform.tfstate.lock.info`. The lock is that file, created exclusively; a lock file
 * whose process is gone counts as released (the real CLI holds an fcntl lock, which the
 * kernel drops with the process).
 */
class FileStore implements StateStore {
  #locked = false;

  constructor(
    private readonly file: string,
    private readonly flavor: Flavor,
  ) {}

  get #lockFile(): string {
    return path.join(path.dirname(this.file), `.${path.basename(this.file)}.lock.info`);
  }

  async lock(operation: string, timeoutMs: number, ui: Ui): Promise<void> {
    const info = newLockInfo(operation, this.flavor);
    info.Path = this.file;
    mkdirSync(path.dirname(this.file), { recursive: true });
    await retryLock(
      async () => {
        try {
          const fd = openSync(this.#lockFile, "wx");
          writeFileSync(fd, JSON.stringify({ ...info, pid: process.pid }));
          closeSync(fd);
          this.#locked = true;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
          let holder: (LockInfo & { pid?: number }) | undefined;
          try {
            holder = JSON.parse(readFileSync(this.#lockFile, "utf8")) as LockInfo & { pid?: number };
          } catch {}
          if (holder?.pid && !alive(holder.pid)) {
            rmSync(this.#lockFile, { force: true });
            throw new LockError("stale lock removed; retrying");
          }
          if (holder) Object.assign(info, holder);
          throw new LockError(`resource temporarily unavailable`);
        }
      },
      timeoutMs,
      ui,
      (e) => lockDiagnostic(e, info, this.flavor),
    );
  }

  async read(): Promise<StateV4 | null> {
    if (!existsSync(this.file)) return null;
    const text = readFileSync(this.file, "utf8");
    return text.trim() ? parseState(text) : null;
  }

  async write(state: StateV4): Promise<void> {
    mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.fake-tofu-${process.pid}`;
    writeFileSync(tmp, formatState(state));
    renameSync(tmp, this.file);
  }

  async unlock(): Promise<void> {
    if (this.#locked) rmSync(this.#lockFile, { force: true });
    this.#locked = false;
  }

  async forceUnlock(id: string): Promise<void> {
    let holder: LockInfo | undefined;
    try {
      holder = JSON.parse(readFileSync(this.#lockFile, "utf8")) as LockInfo;
    } catch {
      fail("Failed to unlock state", "LocalState not locked");
    }
    if (holder.ID !== id) fail("Failed to unlock state", `lock ID "${id}" does not match existing lock`);
    rmSync(this.#lockFile, { force: true });
  }

  async close(): Promise<void> {
    await this.unlock();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
