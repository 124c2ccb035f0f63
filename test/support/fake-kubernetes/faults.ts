import { StatusError, tooManyRequests } from "./status.js";
import type { RequestMatch } from "./types.js";

/**
 * Injected failures: throttling (429 with `Retry-After`, as API Priority and Fairness
 * answers), bursts of errors or dropped connections for the next matching requests, and
 * a revoked (401) or insufficient (403) token. A failed request has no effect.
 */
interface Rule {
  remaining: number;
  answer: () => StatusError | "drop";
  match: RequestMatch | undefined;
}

export class Faults {
  access: "ok" | "unauthorized" | "forbidden" = "ok";
  #rules: Rule[] = [];

  throttle(count: number, retryAfterSeconds: number, match?: RequestMatch): void {
    this.#add(count, () => tooManyRequests(retryAfterSeconds), match);
  }

  failNext(count: number, status: number | "drop", match?: RequestMatch): void {
    if (status !== "drop" && (status < 400 || status > 599))
      throw new Error(`failNext: ${status} is not an error status`);
    const reasons: Record<number, string> = {
      409: "Conflict",
      429: "TooManyRequests",
      500: "InternalError",
      503: "ServiceUnavailable",
      504: "Timeout",
    };
    this.#add(
      count,
      () =>
        status === "drop"
          ? "drop"
          : new StatusError(status, reasons[status] ?? "InternalError", `injected failure (HTTP ${status})`),
      match,
    );
  }

  #add(count: number, answer: () => StatusError | "drop", match: RequestMatch | undefined): void {
    if (!Number.isInteger(count) || count < 0)
      throw new Error("fake-kubernetes: count must be a non-negative integer");
    if (count > 0) this.#rules.push({ remaining: count, answer, match });
  }

  take(method: string, path: string): StatusError | "drop" | undefined {
    const rule = this.#rules.find((r) => matches(r.match, method, path));
    if (!rule) return undefined;
    rule.remaining--;
    if (rule.remaining === 0) this.#rules = this.#rules.filter((r) => r !== rule);
    return rule.answer();
  }
}

function matches(m: RequestMatch | undefined, method: string, path: string): boolean {
  if (!m) return true;
  if (m.method && m.method.toUpperCase() !== method) return false;
  if (m.path instanceof RegExp) return m.path.test(path);
  if (typeof m.path === "string") return path.includes(m.path);
  return true;
}
