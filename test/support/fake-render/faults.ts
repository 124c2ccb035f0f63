/**
 * Injected failures: bursts of 5xx or dropped connections for the next matching requests,
 * and a revoked (401) or insufficient (403) API key. A failed request has no effect.
 */
export type AccessMode = "ok" | "unauthorized" | "forbidden";

interface FailRule {
  remaining: number;
  status: number | "drop";
  match: (method: string, path: string) => boolean;
}

export class Faults {
  access: AccessMode = "ok";
  #rules: FailRule[] = [];

  failNext(
    count: number,
    status: number | "drop",
    match: (method: string, path: string) => boolean = () => true,
  ) {
    if (!Number.isInteger(count) || count < 0)
      throw new Error(`failNext: count must be a non-negative integer`);
    if (status !== "drop" && (status < 400 || status > 599))
      throw new Error(`failNext: ${status} is not an error status`);
    if (count > 0) this.#rules.push({ remaining: count, status, match });
  }

  /** The failure this request gets, if any (rules apply in the order they were added). */
  take(method: string, path: string): number | "drop" | undefined {
    const rule = this.#rules.find((r) => r.match(method, path));
    if (!rule) return undefined;
    rule.remaining--;
    if (rule.remaining === 0) this.#rules = this.#rules.filter((r) => r !== rule);
    return rule.status;
  }
}
