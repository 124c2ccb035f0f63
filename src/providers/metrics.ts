import { Counter, Histogram, type Registry } from "prom-client";

/**
 * How a call to a platform ended: the HTTP status class, or `error` (no answer: refused,
 * reset, DNS; a CLI run that exited non-zero or could not start), `timeout` (our own
 * per-request timeout fired), `aborted` (the action's signal: a lost lease, a shutdown,
 * the action's deadline). A CLI run that exited 0 is `ok`.
 */
export type CallStatus = "1xx" | "2xx" | "3xx" | "4xx" | "5xx" | "ok" | "error" | "timeout" | "aborted";

/**
 * What providers report about their calls to platforms (docs/observability.md). One
 * instance per process, handed to each provider with its other dependencies
 * (`createRenderProvider({ metrics })`…); absent, nothing is counted.
 */
export interface ProviderMetrics {
  /**
   * One call, each attempt of a retried request separately: `provider` (`render`,
   * `kubernetes`, `terraform`), `method` (the HTTP method, or the CLI's subcommand).
   */
  call(provider: string, method: string, status: CallStatus, seconds: number): void;
  /**
   * A wait for a rate limit (the platform's 429 and its reset headers, or the client's own
   * pacing): `inline` when the request waited for its slot, `requeued` when the wait was
   * too long and the operation was handed back to come again then (no attempt spent).
   */
  rateLimitWait(provider: string, mode: "inline" | "requeued", seconds: number): void;
}

/** The class of an HTTP status; anything outside 100–599 is an `error`. */
export function statusClass(status: number): CallStatus {
  if (status >= 100 && status < 600) return `${Math.floor(status / 100)}xx` as CallStatus;
  return "error";
}

/**
 * How a call that threw ended: `aborted` when the caller's signal did it, `timeout` when
 * the error (or its cause, or the aborted request's reason) is a `TimeoutError`, else `error`.
 */
export function failureStatus(err: unknown, callerAborted: boolean, reason?: unknown): CallStatus {
  if (callerAborted) return "aborted";
  const isTimeout = (e: unknown) =>
    e instanceof Error &&
    (e.name === "TimeoutError" || (e.cause instanceof Error && e.cause.name === "TimeoutError"));
  return isTimeout(err) || isTimeout(reason) ? "timeout" : "error";
}

/**
 * `fetch` that reports each request to `metrics`: its status class when it answered, else
 * how it failed (see {@link failureStatus}: the request's signal tells a timeout from the
 * caller's abort by its reason). Reported once, at the answer's headers or at the abort,
 * whichever comes first (a fetch whose link to its signal was lost still ends the count).
 */
export function meteredFetch(
  inner: typeof fetch,
  metrics: ProviderMetrics | undefined,
  provider: string,
): typeof fetch {
  if (!metrics) return inner;
  return async (input, init) => {
    const method = (init?.method ?? "GET").toUpperCase();
    const started = performance.now();
    const signal = init?.signal ?? undefined;
    let reported = false;
    const report = (status: CallStatus) => {
      if (reported) return;
      reported = true;
      signal?.removeEventListener("abort", onAbort);
      metrics.call(provider, method, status, (performance.now() - started) / 1000);
    };
    const aborted = (): CallStatus => (isTimeoutReason(signal?.reason) ? "timeout" : "aborted");
    const onAbort = () => report(aborted());
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const response = await inner(input, init);
      report(statusClass(response.status));
      return response;
    } catch (err) {
      report(signal?.aborted ? aborted() : failureStatus(err, false));
      throw err;
    }
  };
}

const isTimeoutReason = (reason: unknown) => reason instanceof Error && reason.name === "TimeoutError";

/** Seconds: an HTTP request takes milliseconds, a `tofu apply` up to an hour. */
const CALL_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

/** {@link ProviderMetrics} on a prom-client registry. */
export function createProviderMetrics(registry: Registry): ProviderMetrics {
  const registers = [registry];
  const labelNames = ["provider", "method", "status_class"] as const;
  const calls = new Counter({
    name: "tenantry_provider_requests_total",
    help: "Calls to platforms (HTTP requests, each attempt; CLI runs), by provider, method (or CLI subcommand) and status class (2xx, 4xx, 5xx, error, timeout, aborted; ok for a CLI run that succeeded)",
    labelNames,
    registers,
  });
  const latency = new Histogram({
    name: "tenantry_provider_request_duration_seconds",
    help: "Duration of calls to platforms (HTTP requests to the answer's headers; CLI runs to their exit), by provider, method and status class",
    labelNames,
    buckets: CALL_BUCKETS,
    registers,
  });
  const waits = new Counter({
    name: "tenantry_provider_rate_limit_waits_total",
    help: "Waits for a platform's rate limit: inline (the request waited for its slot) or requeued (the operation was handed back to come again then), by provider",
    labelNames: ["provider", "mode"],
    registers,
  });
  const waited = new Counter({
    name: "tenantry_provider_rate_limit_wait_seconds_total",
    help: "Seconds of those rate-limit waits (for requeued ones: how long until the slot), by provider and mode",
    labelNames: ["provider", "mode"],
    registers,
  });
  return {
    call(provider, method, status, seconds) {
      const labels = { provider, method, status_class: status };
      calls.inc(labels);
      latency.observe(labels, seconds);
    },
    rateLimitWait(provider, mode, seconds) {
      waits.inc({ provider, mode });
      waited.inc({ provider, mode }, Math.max(0, seconds));
    },
  };
}
