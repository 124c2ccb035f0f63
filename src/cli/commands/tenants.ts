import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { type Command, InvalidArgumentError, Option } from "commander";
import { isTransitional, TENANT_STATUSES, type TenantStatus } from "../../domain/lifecycle.js";
import type {
  ApiClient,
  BlueprintRef,
  CostEstimate,
  Operation,
  Tenant,
  TenantEvent,
  TenantPlan,
  TenantStatus as TenantStatusView,
  TenantWithOperation,
  UpdateTenantInput,
} from "../api-client.js";
import { paintStatus } from "../color.js";
import type { ConnectionOptions } from "../connection.js";
import { CliError } from "../errors.js";
import { EXIT, type ExitCode } from "../exit-codes.js";
import {
  emit,
  formatDuration,
  formatMap,
  formatTime,
  formatValue,
  isStructured,
  keyValues,
  OUTPUT_FORMATS,
  type OutputFormat,
  parseOutputFormat,
  printLines,
  printStructured,
  table,
} from "../output.js";
import { run } from "../run.js";
import { followTenantEvents, untilInterrupted, watchTenants } from "../watch.js";

export type { Connection, ConnectionOptions } from "../connection.js";
export { CliError } from "../errors.js";
export { run } from "../run.js";

// ---------------------------------------------------------------------------------------
// Option parsing

export function keyValue(raw: string): [string, string] {
  const eq = raw.indexOf("=");
  if (eq <= 0) throw new InvalidArgumentError(`expected key=value, got "${raw}"`);
  return [raw.slice(0, eq), raw.slice(eq + 1)];
}

/** `--param` values: numbers, booleans, null and JSON objects/arrays/strings are parsed; the rest stays a string. */
export function parseParamValue(raw: string): unknown {
  const s = raw.trim();
  if (/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(s)) return Number(s);
  if (s === "true") return true;
  if (s === "false") return false;
  if (s === "null") return null;
  if (/^[[{"]/.test(s)) {
    try {
      return JSON.parse(s) as unknown;
    } catch {
      return raw;
    }
  }
  return raw;
}

/** A commander collector of repeated `key=value` options into an object. */
export const collectMap =
  (convert: (v: string) => unknown) =>
  (raw: string, previous: Record<string, unknown> | undefined): Record<string, unknown> => {
    const [k, v] = keyValue(raw);
    return { ...previous, [k]: convert(v) };
  };

/**
 * Reads a secrets file: `KEY=value` lines (the value is the rest of the line, as is),
 * blank lines and `#` comments skipped. A file keeps values out of the shell's history
 * and the process list, where `--secret KEY=value` would put them.
 */
export function readSecretsFile(file: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new CliError(`cannot read the secrets file ${file}: ${(err as Error).message}`);
  }
  const out: Record<string, string> = {};
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === "" || line.trimStart().startsWith("#")) return;
    const eq = line.indexOf("=");
    const key = eq < 0 ? "" : line.slice(0, eq).trim();
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      // The line number only: the line may hold a value.
      throw new CliError(`${file}, line ${i + 1}: expected KEY=value`);
    }
    out[key] = line.slice(eq + 1);
  });
  return out;
}

/** `--secret`, `--secrets-file` and `--unset-secret` as one `secrets` change (undefined: none). */
function secretsOf(options: {
  secret?: Record<string, string>;
  secretsFile?: string;
  unsetSecret?: string[];
}): Record<string, string | null> | undefined {
  const secrets: Record<string, string | null> = {
    ...(options.secretsFile ? readSecretsFile(options.secretsFile) : {}),
    ...options.secret,
  };
  for (const key of options.unsetSecret ?? []) secrets[key] = null;
  return Object.keys(secrets).length > 0 ? secrets : undefined;
}

const collectKeys = (raw: string, previous: string[] | undefined) => [...(previous ?? []), raw];

/**
 * A commander collector of repeated `--param` options: `NAME=value` (the value read by
 * {@link parseParamValue}) or `NAME.FIELD…=value`, which sets a field of an object param
 * and merges with the options before it: `--param 'cloud={"provider":"aws"}' --param
 * cloud.region=us-east-1` gives `{cloud: {provider: "aws", region: "us-east-1"}}`.
 */
export function collectParams(
  raw: string,
  previous: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const [key, value] = keyValue(raw);
  const path = key.split(".");
  if (path.some((s) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(s) || s === "__proto__")) {
    throw new InvalidArgumentError(
      `expected NAME=value or NAME.FIELD=value (letters, digits, _), got "${key}"`,
    );
  }
  const out = structuredClone(previous ?? {});
  let node = out;
  path.slice(0, -1).forEach((field, i) => {
    const next = Object.hasOwn(node, field) ? node[field] : undefined;
    if (next === undefined) node[field] = {};
    else if (typeof next !== "object" || next === null || Array.isArray(next)) {
      const at = path.slice(0, i + 1).join(".");
      throw new InvalidArgumentError(
        `cannot set ${key}: ${at} was given as ${JSON.stringify(next)}, not an object`,
      );
    }
    node = node[field] as Record<string, unknown>;
  });
  node[path[path.length - 1] ?? key] = parseParamValue(value);
  return out;
}

export const PARAM_HELP =
  "blueprint parameter (repeatable; numbers, true/false and JSON are parsed; NAME.FIELD=value sets a field of an object)";
const PARAM_CHANGE_HELP =
  "parameter to change (repeatable; merged into the tenant's, objects field by field; key=null removes one; NAME.FIELD=value sets a field)";

/** A commander collector of repeated `key=value` options into a list (checked, kept as written). */
export const collectList = (raw: string, previous: string[] | undefined): string[] => {
  keyValue(raw);
  return [...(previous ?? []), raw];
};

function positiveInt(max: number) {
  return (raw: string): number => {
    if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > max) {
      throw new InvalidArgumentError(`expected a whole number from 1 to ${max}`);
    }
    return Number(raw);
  };
}

/** A tenant argument: an id or slug, or `tenant/<slug>` as `-o name` prints it. */
export const tenantArg = (raw: string): string => raw.replace(/^tenants?\//, "");

export function positiveNumber(raw: string): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("expected a number of seconds above 0");
  return n;
}

/**
 * `--blueprint`: an existing file (or a .yaml/.yml path) is sent inline, stored under
 * the file's name (`starter.render.yaml` → `starter`, a new version when it changes);
 * anything else is a stored blueprint's name.
 */
export function blueprintRef(arg: string): BlueprintRef {
  const looksLikeFile = /\.ya?ml$/i.test(arg);
  const isFile = existsSync(arg) && statSync(arg).isFile();
  if (!isFile && !looksLikeFile) return arg;
  if (!isFile) throw new CliError(`blueprint file ${path.resolve(arg)} does not exist`);
  const source = readFileSync(arg, "utf8");
  if (!source.trim()) throw new CliError(`blueprint file ${path.resolve(arg)} is empty`);
  const name = path
    .basename(arg)
    .replace(/(\.render)?\.ya?ml$/i, "")
    .replace(/[^a-zA-Z0-9._-]+/g, "-")
    .replace(/^[^a-zA-Z0-9]+/, "")
    .slice(0, 100);
  return name ? { source, name } : { source };
}

export function withConnection(cmd: Command): Command {
  return cmd
    .option("--url <url>", "Tenantry API URL (env TENANTRY_URL; default http://localhost:$PORT or 8080)")
    .option("--api-key <key>", "API key (env TENANTRY_API_KEY; default: the local admin key file)");
}

export function withOutput(cmd: Command): Command {
  return cmd.addOption(
    new Option(
      "-o, --output <format>",
      "output format: table, wide (more columns), json, yaml, name (kind/name)",
    )
      .choices(OUTPUT_FORMATS as string[])
      .argParser(parseOutputFormat)
      .default("table"),
  );
}

function withWait(cmd: Command): Command {
  return cmd
    .option("--wait", "wait until the tenant settles, printing progress on stderr")
    .option("--timeout <seconds>", "give up waiting after this long (with --wait)", positiveNumber, 600);
}

export interface OutputOptions extends ConnectionOptions {
  output: OutputFormat;
}

interface WaitOptions extends OutputOptions {
  wait?: boolean;
  timeout: number;
}

// ---------------------------------------------------------------------------------------
// Waiting

const isKnownStatus = (s: string): s is TenantStatus => (TENANT_STATUSES as readonly string[]).includes(s);

/** The status the tenant reaches when an operation of this kind of work succeeds. */
function goalOf(kind: string): string {
  switch (kind) {
    case "suspend":
      return "suspended";
    case "destroy":
      return "destroyed";
    default:
      return "active";
  }
}

/** Progress on stderr: one line per change, or (on a terminal) a live line with a ticking clock. */
class Progress {
  private readonly tty = Boolean(process.stderr.isTTY);
  private lastKey: string | undefined;
  private open = false;

  private last: TenantStatusView | undefined;

  /** The same line with the clock moved on (a terminal only). */
  redraw(elapsedMs: number): void {
    if (this.tty && this.open && this.last) this.update(elapsedMs, this.last);
  }

  update(elapsedMs: number, s: TenantStatusView): void {
    this.last = s;
    const op = s.operation;
    let activity = "";
    if (op) activity = `${op.step ?? op.kind}${op.status === "queued" ? " (queued)" : ""}`;
    const key = `${s.status}\n${activity}`;
    const line =
      `[${(elapsedMs / 1000).toFixed(1).padStart(4)}s] ${s.status.padEnd(13)} ${activity}`.trimEnd();
    const changed = key !== this.lastKey;
    this.lastKey = key;
    if (this.tty) {
      if (changed && this.open) process.stderr.write("\n");
      process.stderr.write(`\r\x1b[2K${line}`);
      this.open = true;
    } else if (changed) {
      process.stderr.write(`${line}\n`);
    }
  }

  end(): void {
    if (this.tty && this.open) process.stderr.write("\n");
    this.open = false;
  }
}

interface WaitResult {
  ok: boolean;
  tenant: Tenant;
  elapsedMs: number;
  /** Why waiting ended without reaching the goal. */
  problem?: string;
  /** The deadline passed. */
  timedOut?: boolean;
}

/**
 * Follows the tenant's event stream and reads its status after each event (and every 5 s
 * besides) until it is `goal`, failed, settled elsewhere, or the deadline passes.
 */
async function waitForTenant(
  client: ApiClient,
  id: string,
  goal: string,
  timeoutSeconds: number,
  /** Also wait until this operation is no longer open (the tenant may be at `goal` before it starts). */
  operationId?: string,
): Promise<WaitResult> {
  const started = Date.now();
  const deadline = started + timeoutSeconds * 1000;
  const progress = new Progress();
  const stop = new AbortController();
  let check = true;
  let failed: unknown;
  let wake: (() => void) | undefined;
  const poke = () => {
    check = true;
    wake?.();
  };
  let ready: () => void = () => {};
  const isReady = new Promise<void>((resolve) => {
    ready = resolve;
  });
  const followed = client
    .followEvents(id, { signal: stop.signal, onReady: () => ready(), onEvent: poke, onReconnect: poke })
    .catch((err: unknown) => {
      failed = err;
      ready();
      wake?.();
    });
  // On a terminal the clock ticks between changes.
  const ticking = process.stderr.isTTY
    ? setInterval(() => progress.redraw(Date.now() - started), 1000)
    : undefined;
  let problem: string | undefined;
  let timedOut = false;
  try {
    // The stream first: a change after the first status read is an event then.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      isReady,
      new Promise((resolve) => {
        timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
      }),
    ]);
    clearTimeout(timer);
    for (;;) {
      if (failed) throw failed;
      if (check) {
        check = false;
        const s = await client.tenantStatus(id);
        progress.update(Date.now() - started, s);
        if (s.status === goal && (operationId === undefined || s.operation?.id !== operationId)) break;
        if (s.status === "failed") {
          problem = `the tenant failed: ${s.error_message ?? "no error message"}`;
          break;
        }
        if (isKnownStatus(s.status) && !isTransitional(s.status)) {
          problem = `the tenant settled as ${s.status}, not ${goal}${s.error_message ? `: ${s.error_message}` : ""}`;
          break;
        }
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        timedOut = true;
        problem = `timed out after ${timeoutSeconds}s waiting for the tenant to become ${goal}`;
        break;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(
          () => {
            check = true;
            resolve();
          },
          Math.min(5_000, left),
        );
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
        if (check || failed) wake();
      });
      wake = undefined;
    }
  } finally {
    clearInterval(ticking);
    progress.end();
    stop.abort();
    await followed;
  }
  const tenant = await client.getTenant(id);
  if (timedOut) problem = `${problem} (it is ${tenant.status})`;
  return { ok: problem === undefined, tenant, elapsedMs: Date.now() - started, problem, timedOut };
}

/** After a mutation: print the result, or wait for the tenant to settle and print that. */
async function finish(
  client: ApiClient,
  result: TenantWithOperation,
  options: WaitOptions,
  printStarted: () => void,
  /** Wait for this operation to close as well as for the goal status (when the tenant may already be there). */
  untilOperationCloses = false,
): Promise<boolean | ExitCode> {
  const format = options.output;
  if (!options.wait) {
    if (isStructured(format)) printStructured(format as "json" | "yaml", result);
    else if (format === "name") printLines([`tenant/${result.tenant.slug}`]);
    else printStarted();
    return true;
  }
  if (!isStructured(format) && format !== "name") printStarted();
  const goal = goalOf(result.operation.effective_kind);
  const waited = await waitForTenant(
    client,
    result.tenant.id,
    goal,
    options.timeout,
    untilOperationCloses ? result.operation.id : undefined,
  );
  const t = waited.tenant;
  if (isStructured(format)) printStructured(format as "json" | "yaml", t);
  else if (format === "name") printLines([`tenant/${t.slug}`]);
  if (waited.ok) {
    if (!isStructured(format) && format !== "name") {
      printLines([`tenant ${t.slug} is ${paintStatus(t.status)} (${formatDuration(waited.elapsedMs)})`]);
    }
    return true;
  }
  const lines = [`error: ${waited.problem}`];
  if (t.failed_operation_id) {
    lines.push(`  see: tenantry operations get ${t.failed_operation_id}`);
    if (t.status === "failed") lines.push(`  try again: tenantry tenants retry ${t.slug} --wait`);
  }
  process.stderr.write(`${lines.join("\n")}\n`);
  return waited.timedOut ? EXIT.TIMEOUT : EXIT.FAILURE;
}

// ---------------------------------------------------------------------------------------
// Human output

function tenantSummary(t: Tenant, operation?: Operation): string[] {
  return keyValues([
    ["ID", t.id],
    ["Name", t.name],
    ["Slug", t.slug],
    ["Status", paintStatus(t.status)],
    ["Operation", operation ? `${operation.id} (${operation.kind}, ${operation.status})` : undefined],
  ]);
}

function resourceLines(
  resources: {
    key: string;
    kind?: string;
    name?: string;
    provider?: string;
    id: string | null;
    status?: string;
  }[],
  outputs: (key: string) => Record<string, unknown>,
): string[] {
  if (resources.length === 0) return ["Resources:  none"];
  const lines = ["Resources:"];
  const hasDetail = resources.some((r) => r.kind !== undefined);
  const headers = hasDetail
    ? ["KEY", "KIND", "NAME", "PROVIDER", "PROVIDER ID", "STATUS"]
    : ["KEY", "PROVIDER ID"];
  const rows = resources.map((r) =>
    hasDetail
      ? [r.key, r.kind ?? "-", r.name ?? "-", r.provider ?? "-", r.id ?? "-", r.status ?? "-"]
      : [r.key, r.id ?? "-"],
  );
  lines.push(...table(headers, rows, "  "));
  const withOutputs = resources.filter((r) => Object.keys(outputs(r.key)).length > 0);
  if (withOutputs.length > 0) {
    lines.push("Outputs:");
    for (const r of withOutputs) {
      lines.push(`  ${r.key}`);
      lines.push(
        ...keyValues(
          Object.entries(outputs(r.key)).map(([k, v]) => [k, formatValue(v)]),
          "    ",
        ),
      );
    }
  }
  return lines;
}

function tenantDetails(t: Tenant): string[] {
  const resources = t.resources ?? [];
  return [
    ...keyValues([
      ["ID", t.id],
      ["Name", t.name],
      ["Slug", t.slug],
      ["Status", paintStatus(t.status)],
      ["Desired state", t.desired_state],
      ["Target", t.target],
      ["Blueprint", `${t.blueprint.name}@${t.blueprint.version}`],
      ["Params", formatMap(t.params)],
      ["Labels", formatMap(t.labels)],
      ["Error", t.error_message ?? undefined],
      ["Failed operation", t.failed_operation_id ?? undefined],
      ["Generation", `${t.observed_generation}/${t.generation} observed`],
      ["Created", formatTime(t.created_at)],
      ["Updated", formatTime(t.updated_at)],
      ["Destroyed", t.destroyed_at ? formatTime(t.destroyed_at) : undefined],
    ]),
    ...resourceLines(
      resources.map((r) => ({ ...r, id: r.provider_id })),
      (key) => resources.find((r) => r.key === key)?.outputs ?? {},
    ),
  ];
}

function statusDetails(s: TenantStatusView): string[] {
  const op = s.operation;
  return [
    ...keyValues([
      ["ID", s.id],
      ["Slug", s.slug],
      ["Status", paintStatus(s.status)],
      ["Site URL", s.site_url ?? undefined],
      ["Operation", op ? `${op.id} (${op.kind}, ${op.status}${op.step ? `: ${op.step}` : ""})` : undefined],
      ["Error", s.error_message ?? undefined],
      ...(s.conditions ?? []).map((c): [string, string] => [
        "Condition",
        `${c.type} since ${formatTime(c.since)}: ${c.message}`,
      ]),
      ["Updated", formatTime(s.updated_at)],
    ]),
    ...resourceLines(
      Object.entries(s.resource_ids).map(([key, id]) => ({ key, id })),
      (key) => s.outputs[key] ?? {},
    ),
  ];
}

function operationDetails(o: Operation): string[] {
  const lines = keyValues([
    ["ID", o.id],
    ["Tenant", o.tenant_id],
    ["Kind", o.kind === o.effective_kind ? o.kind : `${o.kind} (of ${o.effective_kind})`],
    ["Retry of", o.retry_of ?? undefined],
    [
      "Requested by",
      o.requested_by
        ? o.requested_by.type === "system"
          ? "system (the engine)"
          : `${o.requested_by.name ?? "API key"} (${o.requested_by.id})`
        : undefined,
    ],
    ["Request id", o.request_id ?? undefined],
    ["Status", paintStatus(o.status)],
    ["Attempts", `${o.attempt} failed of ${o.max_attempts}`],
    ["Next run", o.next_run_at ? formatTime(o.next_run_at) : undefined],
    ["Error", o.error ? `${o.error.message} (${o.error.code})` : undefined],
    ["Created", formatTime(o.created_at)],
    ["Started", formatTime(o.started_at)],
    ["Finished", formatTime(o.finished_at)],
    ["Duration", formatDuration(o.duration_ms)],
  ]);
  if (o.steps.length === 0) return [...lines, "Steps:     none"];
  lines.push("Steps:");
  lines.push(
    ...table(
      ["SEQ", "NAME", "STATUS", "ATTEMPTS", "DURATION", "DETAIL"],
      o.steps.map((s) => [
        String(s.seq),
        s.name,
        s.status,
        String(s.attempts),
        formatDuration(s.duration_ms),
        s.error_message ?? s.detail ?? "",
      ]),
      "  ",
    ),
  );
  return lines;
}

/** A cost in the estimate's currency, two decimals: `19.00`. */
export const formatMoney = (n: number): string => n.toFixed(2);

/**
 * `Monthly cost:  26.00 USD` and `Prices:  render price table of 2025-06-01` (aligned with
 * the `before` entries), then the estimate's warnings.
 */
export function costSummary(
  cost: CostEstimate,
  label = "Monthly cost",
  before: [string, string | undefined][] = [],
): string[] {
  return [
    ...keyValues([
      ...before,
      [label, `${formatMoney(cost.totalMonthly)} ${cost.currency}`],
      ["Prices", `${cost.provider} price table of ${cost.priceDate}`],
    ]),
    ...cost.warnings.map((w) => `warning: ${w}`),
  ];
}

const PLAN_SYMBOLS: Record<string, string> = {
  create: "+",
  update: "~",
  replace: "-/+",
  delete: "-",
  "no-op": "=",
};

function changeValue(change: object, side: "from" | "to"): string {
  if (!(side in change)) return "(none)";
  const text = formatValue((change as Record<string, unknown>)[side]);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * One line per action in the order they would run (`~ update  database:main  /plan: a → b`),
 * a continuation line per further changed field, then the summary and monthly cost.
 */
export function planLines(plan: TenantPlan): string[] {
  const lines: string[] = [];
  const symbolWidth = Math.max(1, ...plan.actions.map((a) => (PLAN_SYMBOLS[a.action] ?? "?").length));
  const actionWidth = Math.max(0, ...plan.actions.map((a) => a.action.length));
  const keyWidth = Math.max(0, ...plan.actions.map((a) => a.key.length));
  for (const a of plan.actions) {
    const head = `${(PLAN_SYMBOLS[a.action] ?? "?").padStart(symbolWidth)} ${a.action.padEnd(actionWidth)}  ${a.key.padEnd(keyWidth)}  `;
    const details =
      a.action === "update" || a.action === "replace"
        ? a.changes.map(
            (c) =>
              `${c.path}: ${changeValue(c, "from")} → ${changeValue(c, "to")}${c.forcesReplace ? "  (forces replacement)" : ""}`,
          )
        : [];
    if (a.action !== "update" && a.action !== "no-op") {
      details.unshift(a.reason ? `${a.name} (${a.reason})` : a.name);
    }
    if (a.action === "no-op" || details.length === 0) details.unshift(a.name);
    lines.push(`${head}${details[0] ?? ""}`.trimEnd());
    for (const d of details.slice(1)) lines.push(`${" ".repeat(head.length)}${d}`);
  }
  if (plan.actions.length === 0) lines.push("no resources");
  const n = (k: string) => plan.summary[k] ?? 0;
  lines.push(
    "",
    `Plan: ${n("create")} to create, ${n("update")} to update, ${n("replace")} to replace, ${n("delete")} to delete, ${n("no-op")} unchanged.`,
    ...costSummary(plan.cost, "Monthly cost", [
      ["Blueprint", `${plan.blueprint.name}@${plan.blueprint.version}`],
      ["Params", formatMap(plan.params)],
    ]),
  );
  return lines;
}

/** `TIME  TYPE  MESSAGE`; wide: the id, actor and operation too. */
const eventLine = (e: TenantEvent, wide = false) =>
  wide
    ? `${e.id}  ${formatTime(e.created_at)}  ${e.type.padEnd(22)}  ${(e.actor?.type === "system" ? "system" : (e.actor?.name ?? "-")).padEnd(12)}  ${e.operation_id ?? "-"}  ${e.message}`
    : `${formatTime(e.created_at)}  ${e.type.padEnd(22)}  ${e.message}`;

const TENANT_HEADERS = ["SLUG", "NAME", "STATUS", "TARGET", "BLUEPRINT", "CREATED"];
const TENANT_WIDE_HEADERS = [...TENANT_HEADERS, "GENERATION", "LABELS", "ID", "ERROR"];

/** A tenant's row in `tenants list` (and `--watch`); wide: generation, labels, id and error too. */
function tenantRow(t: Tenant, wide = false): string[] {
  const row = [
    t.slug,
    t.name,
    paintStatus(t.status),
    t.target,
    `${t.blueprint.name}@${t.blueprint.version}`,
    formatTime(t.created_at),
  ];
  if (!wide) return row;
  return [
    ...row,
    `${t.observed_generation}/${t.generation}`,
    formatMap(t.labels),
    t.id,
    t.error_message ?? "-",
  ];
}

const tenantHeaders = (wide: boolean) => (wide ? TENANT_WIDE_HEADERS : TENANT_HEADERS);

// ---------------------------------------------------------------------------------------
// Commands

interface CreateOptions extends WaitOptions {
  blueprint: string;
  slug?: string;
  target?: string;
  param?: Record<string, unknown>;
  secret?: Record<string, string>;
  secretsFile?: string;
  label?: Record<string, string>;
  idempotencyKey?: string;
}

interface PlanOptions extends OutputOptions {
  blueprint?: string;
  param?: Record<string, unknown>;
}

interface UpdateOptions extends WaitOptions {
  blueprint?: string;
  param?: Record<string, unknown>;
  label?: Record<string, string>;
  name?: string;
  secret?: Record<string, string>;
  secretsFile?: string;
  unsetSecret?: string[];
  ifGeneration?: number;
  idempotencyKey?: string;
}

interface ListOptions extends OutputOptions {
  status?: string;
  label?: string[];
  q?: string;
  limit?: number;
  all?: boolean;
}

interface EventsOptions extends OutputOptions {
  follow?: boolean;
}

/** Ends with Ctrl-C (exit 0); a lost connection that cannot be resumed is exit 5. */
async function watching(body: (signal: AbortSignal) => Promise<void>): Promise<boolean> {
  const interrupt = untilInterrupted();
  try {
    await body(interrupt.signal);
  } finally {
    interrupt.dispose();
  }
  return true;
}

export function registerTenantCommands(program: Command): void {
  const tenants = program.command("tenants").description("create tenants and run their lifecycle");

  withWait(
    withOutput(
      withConnection(
        tenants
          .command("create")
          .description("create a tenant from a blueprint")
          .argument("<name>", 'display name, e.g. "Acme Corp"')
          .requiredOption(
            "--blueprint <ref>",
            "a stored blueprint NAME[@VERSION], or a path to a blueprint YAML file",
          )
          .option("--slug <slug>", "DNS label, unique per organization (default: derived from the name)")
          .option(
            "--target <target>",
            "provider to create the resources with (default: the server's TENANTRY_DEFAULT_TARGET)",
          )
          .option("--param <key=value>", PARAM_HELP, collectParams)
          .option("--secret <key=value>", "write-only secret value (repeatable)", collectMap(String))
          .option(
            "--secrets-file <file>",
            "write-only secrets as KEY=value lines (kept out of the process list)",
          )
          .option("--label <key=value>", "label (repeatable)", collectMap(String))
          .option("--idempotency-key <key>", "makes retrying this command safe"),
      ),
    ),
  ).action(async (name: string, options: CreateOptions) =>
    run(options, async ({ client }) => {
      const input = {
        name,
        blueprint: blueprintRef(options.blueprint),
        slug: options.slug,
        target: options.target,
        params: options.param,
        secrets: secretsOf(options) as Record<string, string> | undefined,
        labels: options.label,
      };
      const result = await client.createTenant(input, { idempotencyKey: options.idempotencyKey });
      return finish(client, result, options, () =>
        printLines([
          `created tenant ${result.tenant.slug}`,
          ...tenantSummary(result.tenant, result.operation),
        ]),
      );
    }),
  );

  withOutput(
    withConnection(
      tenants
        .command("list")
        .description("list tenants, oldest first (--watch: then a line per change, until Ctrl-C)")
        .option("--status <statuses>", `comma-separated statuses (${TENANT_STATUSES.join(", ")})`)
        .option("--label <key=value>", "only tenants with this label (repeatable)", collectList)
        .option("-q, --query <text>", "substring of the name or slug")
        .option("--limit <n>", "tenants per page (1-200; default 50)", positiveInt(200))
        .option("--all", "follow pages to list every matching tenant")
        .option(
          "-w, --watch",
          "after the list, print a tenant's row again whenever it changes (event stream)",
        ),
    ),
  ).action(async (options: ListOptions & { query?: string; watch?: boolean }) =>
    run(options, async ({ client }) => {
      const query = { status: options.status, labels: options.label, q: options.query };
      let more = false;
      const list = async (): Promise<Tenant[]> => {
        if (options.all) return client.listAllTenants({ ...query, limit: options.limit ?? 200 });
        const page = await client.listTenants({ ...query, limit: options.limit });
        more = page.next_cursor !== null;
        return page.data;
      };
      if (options.watch) {
        return watching((signal) =>
          watchTenants(client, {
            filters: query,
            output: options.output,
            signal,
            initial: async () => {
              const rows = await list();
              if (more) process.stderr.write("more tenants match: use --all to list them all\n");
              return rows;
            },
            headers: tenantHeaders,
            row: tenantRow,
          }),
        );
      }
      const rows = await list();
      if (!isStructured(options.output) && options.output !== "name" && rows.length === 0) {
        process.stderr.write("no tenants found\n");
      } else {
        emit(options.output, {
          value: rows,
          table: () =>
            table(
              TENANT_HEADERS,
              rows.map((t) => tenantRow(t)),
            ),
          wide: () =>
            table(
              TENANT_WIDE_HEADERS,
              rows.map((t) => tenantRow(t, true)),
            ),
          names: () => rows.map((t) => `tenant/${t.slug}`),
        });
      }
      if (more) process.stderr.write("more tenants match: use --all to list them all\n");
      return true;
    }),
  );

  withOutput(
    withConnection(
      tenants
        .command("get")
        .description("show a tenant with its resources and their outputs (--watch: its row at each change)")
        .argument("<tenant>", "id or slug (or tenant/<slug>, as -o name prints)", tenantArg)
        .option("-w, --watch", "print the tenant's row, then again whenever it changes (event stream)"),
    ),
  ).action(async (ref: string, options: OutputOptions & { watch?: boolean }) =>
    run(options, async ({ client }) => {
      if (options.watch) {
        return watching((signal) =>
          watchTenants(client, {
            tenant: ref,
            output: options.output,
            signal,
            initial: async () => [await client.getTenant(ref)],
            headers: tenantHeaders,
            row: tenantRow,
          }),
        );
      }
      const t = await client.getTenant(ref);
      emit(options.output, {
        value: t,
        table: () => tenantDetails(t),
        names: () => [`tenant/${t.slug}`],
      });
      return true;
    }),
  );

  withConnection(
    tenants
      .command("url")
      .description("print the URL of a tenant's web service or static site (the first one, or SERVICE)")
      .argument("<tenant>", "id or slug (or tenant/<slug>, as -o name prints)", tenantArg)
      .argument("[service]", "service name (web) or resource key (service:web)"),
  ).action(async (ref: string, service: string | undefined, options: ConnectionOptions) =>
    run(options, async ({ client }) => {
      const t = await client.getTenant(ref);
      const withUrl = (t.resources ?? []).filter((r) => typeof r.outputs["url"] === "string");
      const found = service
        ? withUrl.find((r) => r.key === service || r.key === `service:${service}`)
        : withUrl[0];
      if (!found) {
        process.stderr.write(
          `${t.slug} has no ${service ? `service "${service}" with a URL` : "service with a URL"}${
            withUrl.length
              ? ` (services with one: ${withUrl.map((r) => r.key.replace(/^service:/, "")).join(", ")})`
              : ""
          }\n`,
        );
        return false;
      }
      printLines([String(found.outputs["url"])]);
      return true;
    }),
  );

  withOutput(
    withConnection(
      tenants
        .command("status")
        .description("compact status: status, current operation step, resource ids and outputs")
        .argument("<tenant>", "id or slug (or tenant/<slug>, as -o name prints)", tenantArg),
    ),
  ).action(async (ref: string, options: OutputOptions) =>
    run(options, async ({ client }) => {
      const s = await client.tenantStatus(ref);
      emit(options.output, {
        value: s,
        table: () => statusDetails(s),
        names: () => [`tenant/${s.slug}`],
      });
      return true;
    }),
  );

  withOutput(
    withConnection(
      tenants
        .command("plan")
        .description("what a new blueprint version or new params would do to a tenant; nothing is applied")
        .argument("<tenant>", "id or slug (or tenant/<slug>, as -o name prints)", tenantArg)
        .option(
          "--blueprint <ref>",
          "a stored blueprint NAME[@VERSION], or a path to a blueprint YAML file (default: the tenant's)",
        )
        .option("--param <key=value>", PARAM_CHANGE_HELP, collectParams),
    ),
  ).action(async (ref: string, options: PlanOptions) =>
    run(options, async ({ client }) => {
      const plan = await client.planTenant(ref, {
        blueprint: options.blueprint === undefined ? undefined : blueprintRef(options.blueprint),
        params: options.param,
      });
      emit(options.output, { value: plan, table: () => planLines(plan) });
      return true;
    }),
  );

  withWait(
    withOutput(
      withConnection(
        tenants
          .command("update")
          .description(
            "change a tenant's blueprint, params, secrets, labels or name (a new blueprint, params or a changed secret start an update operation)",
          )
          .argument("<tenant>", "id or slug (or tenant/<slug>, as -o name prints)", tenantArg)
          .option(
            "--blueprint <ref>",
            "a stored blueprint NAME[@VERSION], or a path to a blueprint YAML file",
          )
          .option("--param <key=value>", PARAM_CHANGE_HELP, collectParams)
          .option("--label <key=value>", "label (repeatable)", collectMap(String))
          .option("--name <name>", "new display name")
          .option(
            "--secret <key=value>",
            "set or rotate a write-only secret (repeatable)",
            collectMap(String),
          )
          .option("--secrets-file <file>", "set or rotate write-only secrets from KEY=value lines")
          .option("--unset-secret <key>", "remove a write-only secret (repeatable)", collectKeys)
          .option(
            "--if-generation <generation>",
            "only if the tenant is still at this generation (If-Match), else fail with PRECONDITION_FAILED",
            positiveInt(Number.MAX_SAFE_INTEGER),
          )
          .option("--idempotency-key <key>", "makes retrying this command safe"),
      ),
    ),
  ).action(async (ref: string, options: UpdateOptions) =>
    run(options, async ({ client }) => {
      const input: UpdateTenantInput = {
        blueprint: options.blueprint === undefined ? undefined : blueprintRef(options.blueprint),
        params: options.param,
        labels: options.label,
        name: options.name,
        secrets: secretsOf(options),
      };
      if (Object.values(input).every((v) => v === undefined)) {
        throw new CliError(
          "nothing to update",
          ["pass --blueprint, --param, --secret, --secrets-file, --unset-secret, --label or --name"],
          EXIT.USAGE,
        );
      }
      const result = await client.updateTenant(ref, input, {
        ifMatch: options.ifGeneration,
        idempotencyKey: options.idempotencyKey,
      });
      const { tenant, operation } = result;
      if (operation === null) {
        // Only the name or labels changed: nothing to run, nothing to wait for.
        emit(options.output, {
          value: options.wait ? await client.getTenant(tenant.id) : result,
          table: () => [`updated tenant ${tenant.slug} (no operation needed)`, ...tenantSummary(tenant)],
          names: () => [`tenant/${tenant.slug}`],
        });
        return true;
      }
      return finish(
        client,
        { tenant, operation },
        options,
        () =>
          printLines([
            `updating tenant ${tenant.slug} to generation ${tenant.generation}`,
            ...tenantSummary(tenant, operation),
          ]),
        true,
      );
    }),
  );

  const actions = [
    { name: "suspend", description: "suspend an active tenant" },
    { name: "resume", description: "resume a suspended tenant" },
    { name: "retry", description: "re-run the failed operation of a failed tenant from where it stopped" },
    { name: "delete", description: "destroy every resource of a tenant (the record stays as destroyed)" },
  ] as const;
  for (const action of actions) {
    withWait(
      withOutput(
        withConnection(
          tenants
            .command(action.name)
            .description(action.description)
            .argument("<tenant>", "id or slug (or tenant/<slug>, as -o name prints)", tenantArg),
        ),
      ),
    ).action(async (ref: string, options: WaitOptions) =>
      run(options, async ({ client }) => {
        const result =
          action.name === "delete"
            ? await client.deleteTenant(ref)
            : await client.tenantAction(ref, action.name);
        return finish(client, result, options, () =>
          printLines([
            `tenant ${result.tenant.slug}: ${result.tenant.status} (operation ${result.operation.id})`,
          ]),
        );
      }),
    );
  }

  withOutput(
    withConnection(
      tenants
        .command("events")
        .description(
          "the tenant's timeline, oldest first (--follow: then new events live, until Ctrl-C; -o json: one object per line)",
        )
        .argument("<tenant>", "id or slug (or tenant/<slug>, as -o name prints)", tenantArg)
        .option("-f, --follow", "keep printing new events as they are recorded (event stream) until Ctrl-C"),
    ),
  ).action(async (ref: string, options: EventsOptions) =>
    run(options, async ({ client }) => {
      if (options.follow) {
        return watching((signal) =>
          followTenantEvents(client, ref, { output: options.output, signal, line: eventLine }),
        );
      }
      const events: TenantEvent[] = [];
      let after: number | undefined;
      for (;;) {
        const page = await client.tenantEvents(ref, { after, limit: 1000 });
        events.push(...page.data);
        const last = page.data.at(-1);
        if (page.next_cursor === null || !last) break;
        after = last.id;
      }
      emit(options.output, {
        value: events,
        table: () => events.map((e) => eventLine(e)),
        wide: () => events.map((e) => eventLine(e, true)),
        names: () => events.map((e) => `event/${e.id}`),
      });
      return true;
    }),
  );

  const operations = program.command("operations").description("units of lifecycle work");
  withOutput(
    withConnection(
      operations
        .command("get")
        .description("an operation with its steps, attempts, timings and error")
        .argument("<id>", "operation id (or operation/<id>)", (raw: string) =>
          raw.replace(/^operation\//, ""),
        ),
    ),
  ).action(async (id: string, options: OutputOptions) =>
    run(options, async ({ client }) => {
      const op = await client.getOperation(id);
      emit(options.output, {
        value: op,
        table: () => operationDetails(op),
        names: () => [`operation/${op.id}`],
      });
      return true;
    }),
  );
}
