import YAML from "yaml";
import { TENANT_STATUSES } from "../domain/lifecycle.js";
import { type ApiClient, ApiError, type Tenant, type TenantEvent } from "./api-client.js";
import { GrowingTable, type OutputFormat, printLines } from "./output.js";

/**
 * `--watch` and `--follow`: the event streams (server-sent events, `GET /v1/events` and
 * `GET /v1/tenants/{id}/events`) followed until Ctrl-C, which ends them with exit code 0.
 */

/** An AbortSignal that SIGINT or SIGTERM aborts; `dispose` stops listening. */
export function untilInterrupted(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const interrupt = () => controller.abort();
  process.once("SIGINT", interrupt);
  process.once("SIGTERM", interrupt);
  return {
    signal: controller.signal,
    dispose() {
      process.off("SIGINT", interrupt);
      process.off("SIGTERM", interrupt);
    },
  };
}

/** Tells on stderr that the stream was lost and is being resumed. */
const reconnecting = (info: { attempt: number; reason: string; lastEventId: number | undefined }) => {
  if (info.attempt === 1 || info.attempt % 10 === 0) {
    process.stderr.write(
      `event stream lost (${info.reason}); reconnecting${info.lastEventId === undefined ? "" : ` after event ${info.lastEventId}`}…\n`,
    );
  }
};

/** One record per line (JSON), a YAML document each (`---`), or the line(s) `text` gives. */
export function printRecord(format: OutputFormat, value: unknown, text: () => string[]): void {
  if (format === "json") printLines([JSON.stringify(value)]);
  else if (format === "yaml") process.stdout.write(`---\n${YAML.stringify(value, { lineWidth: 0 })}`);
  else printLines(text());
}

/**
 * Prints a tenant's events from the first, then new ones as they are recorded, until
 * `signal` aborts.
 */
export async function followTenantEvents(
  client: ApiClient,
  tenant: string,
  options: { output: OutputFormat; signal: AbortSignal; line: (e: TenantEvent, wide: boolean) => string },
): Promise<void> {
  await client.followEvents(tenant, {
    after: 0,
    signal: options.signal,
    onReconnect: reconnecting,
    onEvent: (e) =>
      printRecord(options.output, e, () => [
        options.output === "name" ? `event/${e.id}` : options.line(e, options.output === "wide"),
      ]),
  });
}

export interface TenantFilters {
  /** Comma-separated statuses. */
  status?: string;
  /** `key=value`, all must match. */
  labels?: string[];
  /** A substring of the name or slug. */
  q?: string;
}

/** Whether `t` passes the filters of `tenants list` (as the server applies them). */
export function matches(t: Tenant, f: TenantFilters): boolean {
  if (
    f.status &&
    !f.status
      .split(",")
      .map((s) => s.trim())
      .includes(t.status)
  )
    return false;
  for (const label of f.labels ?? []) {
    const eq = label.indexOf("=");
    if (t.labels[label.slice(0, eq)] !== label.slice(eq + 1)) return false;
  }
  if (f.q) {
    const q = f.q.toLowerCase();
    if (!t.name.toLowerCase().includes(q) && !t.slug.toLowerCase().includes(q)) return false;
  }
  return true;
}

export interface WatchOptions {
  /** One tenant (`tenants get T --watch`); else every tenant of the organization. */
  tenant?: string;
  filters?: TenantFilters;
  output: OutputFormat;
  signal: AbortSignal;
  /** The tenants to print first, read once the stream is open (so that no change falls between). */
  initial: () => Promise<Tenant[]>;
  headers: (wide: boolean) => string[];
  row: (t: Tenant, wide: boolean) => string[];
  /** Printed on stderr when there is nothing to show first. */
  empty?: string;
}

/**
 * kubectl's `--watch`: the table (or records) of `initial`, then a line for each tenant
 * that changes, read again after each of its events, until `signal` aborts.
 */
export async function watchTenants(client: ApiClient, options: WatchOptions): Promise<void> {
  const wide = options.output === "wide";
  const changed = new Set<string>();
  let wake: (() => void) | undefined;
  let ready: (() => void) | undefined;
  const isReady = new Promise<void>((resolve) => {
    ready = resolve;
  });
  let singleId: string | undefined;
  // Ends the stream on Ctrl-C, and when printing fails.
  const stop = new AbortController();
  const abort = () => {
    stop.abort();
    wake?.();
    ready?.();
  };
  options.signal.addEventListener("abort", abort, { once: true });
  const follow = client.followEvents(options.tenant, {
    signal: stop.signal,
    onReady: () => ready?.(),
    onReconnect: reconnecting,
    onEvent: (e) => {
      const id = e.tenant_id ?? singleId;
      if (id) changed.add(id);
      wake?.();
    },
  });
  let failed: unknown;
  const followed = follow.then(
    () => wake?.(),
    (err: unknown) => {
      failed = err;
      wake?.();
      ready?.();
    },
  );
  try {
    await isReady;
    if (failed) throw failed;
    if (options.signal.aborted) return;

    const first = (await options.initial()).filter((t) => matches(t, options.filters ?? {}));
    if (options.tenant !== undefined) singleId = first[0]?.id;
    const shown = new Map<string, string>();
    // Room for the longest status, so that the lines of later changes stay aligned.
    const table = new GrowingTable(options.headers(wide), {
      STATUS: Math.max(...TENANT_STATUSES.map((x) => x.length)),
    });
    const keyOf = (t: Tenant) =>
      isRecord(options.output) ? JSON.stringify(t) : JSON.stringify(options.row(t, wide));
    const print = (t: Tenant) =>
      printRecord(options.output, t, () => [
        options.output === "name" ? `tenant/${t.slug}` : table.row(options.row(t, wide)),
      ]);
    if (isRecord(options.output) || options.output === "name") first.forEach(print);
    else if (first.length > 0) printLines(table.start(first.map((t) => options.row(t, wide))));
    else {
      printLines(table.start([]));
      if (options.empty) process.stderr.write(`${options.empty}\n`);
    }
    for (const t of first) shown.set(t.id, keyOf(t));

    while (!options.signal.aborted && !failed) {
      if (changed.size === 0) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          if (options.signal.aborted || failed || changed.size > 0) resolve();
        });
        wake = undefined;
        continue;
      }
      const ids = [...changed];
      changed.clear();
      for (const id of ids) {
        if (options.signal.aborted) break;
        let t: Tenant;
        try {
          t = await client.getTenant(id);
        } catch (err) {
          if (err instanceof ApiError && err.status === 404) continue;
          throw err;
        }
        if (!matches(t, options.filters ?? {})) continue;
        const key = keyOf(t);
        if (shown.get(t.id) === key) continue;
        shown.set(t.id, key);
        print(t);
      }
    }
    if (failed && !options.signal.aborted) throw failed;
  } finally {
    options.signal.removeEventListener("abort", abort);
    stop.abort();
    await followed;
  }
}

const isRecord = (format: OutputFormat) => format === "json" || format === "yaml";
