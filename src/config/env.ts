/**
 * Reading environment variables for the configuration: the core's (`config.ts`) and each
 * provider's own section (`providers/<name>/config.ts`). Every reader throws a
 * {@link ConfigError} naming the variable; {@link ConfigReader} collects them, so that
 * start-up reports every bad value at once.
 */

export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = "ConfigError";
  }
}

/**
 * Several bad values at once: `variable` is the first's, the message lists them all, one
 * per line; `errors` has each.
 */
export class ConfigErrors extends ConfigError {
  readonly errors: ConfigError[];
  constructor(errors: ConfigError[]) {
    super(errors[0]?.variable ?? "configuration", "");
    this.message = errors.map((e) => e.message).join("\n");
    this.name = "ConfigErrors";
    this.errors = errors;
  }
}

/**
 * Collects the errors of many reads: {@link ConfigReader.read} returns the value, or the
 * fallback after recording the error; {@link ConfigReader.done} throws them together.
 */
export class ConfigReader {
  readonly errors: ConfigError[] = [];
  constructor(readonly env: Env) {}

  read<T>(parse: (env: Env) => T, fallback: T): T {
    try {
      return parse(this.env);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      if (err instanceof ConfigErrors) this.errors.push(...err.errors);
      else this.errors.push(err);
      return fallback;
    }
  }

  /** Throws the one error, or {@link ConfigErrors} with every one; nothing when all were good. */
  done(): void {
    const [first, ...rest] = this.errors;
    if (!first) return;
    throw rest.length === 0 ? first : new ConfigErrors(this.errors);
  }
}

export function str(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === "" ? undefined : v.trim();
}

export function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `expected a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `expected a number from ${min} to ${max}, got ${n}`);
  return n;
}

export function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = str(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `expected a URL such as ${protocols[0]}//user@host:port`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `expected a ${protocols.join(" or ")} URL, got ${parsed.protocol}`);
  }
  return raw;
}

/** One of `values`, or `fallback` when unset. */
export function oneOf<T extends string>(env: Env, name: string, values: readonly T[], fallback: T): T {
  const raw = str(env, name) ?? fallback;
  if (!(values as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `expected one of ${values.join(", ")}, got "${raw}"`);
  }
  return raw as T;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A duration in milliseconds: `30m`, `90s`, `1h30m`, `2d`, `500ms`, or a whole number of
 * seconds; `fallback` when unset. Between `minMs` and `maxMs`.
 */
export function duration(env: Env, name: string, fallbackMs: number, minMs: number, maxMs: number): number {
  const raw = str(env, name);
  if (raw === undefined) return fallbackMs;
  let ms: number;
  if (/^\d+$/.test(raw)) ms = Number(raw) * 1000;
  else if (/^(\d+(ms|s|m|h|d))+$/.test(raw)) {
    ms = 0;
    for (const [, n, unit] of raw.matchAll(/(\d+)(ms|s|m|h|d)/g))
      ms += Number(n) * (DURATION_UNITS[unit ?? "s"] ?? 1000);
  } else {
    throw new ConfigError(name, `expected a duration such as 30m, 90s or 1h30m, got "${raw}"`);
  }
  if (ms < minMs || ms > maxMs) {
    throw new ConfigError(
      name,
      `expected a duration from ${formatDuration(minMs)} to ${formatDuration(maxMs)}, got "${raw}"`,
    );
  }
  return ms;
}

/** `90000` → `1m30s`: how a duration reads in messages. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  let s = Math.round(ms / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [
    ["d", 86_400],
    ["h", 3600],
    ["m", 60],
  ] as const) {
    if (s >= size) {
      parts.push(`${Math.floor(s / size)}${unit}`);
      s %= size;
    }
  }
  if (s > 0 || parts.length === 0) parts.push(`${s}s`);
  return parts.join("");
}
