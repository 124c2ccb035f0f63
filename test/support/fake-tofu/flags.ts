import { fail } from "./ui.js";

/** The CLI's flags, parsed as Go's flag package does (`-name`, `-name=value`, `-name value`). */

export interface Flags {
  bools: Set<string>;
  values: Map<string, string[]>;
  positional: string[];
}

const BOOL_FLAGS = new Set([
  "json",
  "auto-approve",
  "destroy",
  "detailed-exitcode",
  "no-color",
  "upgrade",
  "reconfigure",
  "migrate-state",
  "force-copy",
  "input",
  "refresh",
  "lock",
  "force",
  "raw",
  "backend",
  "get",
  "compact-warnings",
  "or-create",
]);
const VALUE_FLAGS = new Set([
  "out",
  "lock-timeout",
  "var",
  "backend-config",
  "parallelism",
  "state",
  "plugin-dir",
  "lockfile",
]);

export function parseFlags(args: string[]): Flags {
  const flags: Flags = { bools: new Set(), values: new Map(), positional: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith("-") || a === "-") {
      flags.positional.push(a);
      continue;
    }
    const [rawName, inline] = a.replace(/^--?/, "").split(/=(.*)/s, 2) as [string, string | undefined];
    if (BOOL_FLAGS.has(rawName)) {
      if (inline === undefined || inline === "true" || inline === "1") flags.bools.add(rawName);
      else if (inline === "false" || inline === "0") flags.bools.add(`no-${rawName}`);
      continue;
    }
    if (VALUE_FLAGS.has(rawName)) {
      const v = inline ?? args[++i];
      if (v === undefined) usage(`flag needs an argument: -${rawName}`);
      flags.values.set(rawName, [...(flags.values.get(rawName) ?? []), v]);
      continue;
    }
    if (rawName === "target" || rawName === "replace" || rawName === "var-file") {
      fail(
        `The fake does not implement -${rawName}`,
        "See docs/fake-tofu.md for what test/support/fake-tofu implements.",
      );
    }
    usage(`flag provided but not defined: -${rawName}`);
  }
  return flags;
}

function usage(message: string): never {
  fail("Failed to parse command-line flags", message);
}

/** `-lock-timeout=30s` (Go durations: ms, s, m, h). */
export function lockTimeoutMs(flags: Flags): number {
  const v = flags.values.get("lock-timeout")?.at(-1);
  if (!v) return 0;
  let total = 0;
  const re = /([0-9.]+)(ms|s|m|h)/g;
  let matched = "";
  for (let m = re.exec(v); m; m = re.exec(v)) {
    matched += m[0];
    total += Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "ms" | "s" | "m" | "h"];
  }
  if (matched !== v && v !== "0") usage(`invalid value "${v}" for flag -lock-timeout: parse error`);
  return total;
}

export function cliVars(flags: Flags): Map<string, string> {
  const out = new Map<string, string>();
  for (const kv of flags.values.get("var") ?? []) {
    const i = kv.indexOf("=");
    if (i < 0)
      fail(
        "Invalid -var option",
        `The given -var option "${kv}" is not correctly specified. It must be a variable name and value separated an equals sign, like -var="key=value".`,
      );
    out.set(kv.slice(0, i), kv.slice(i + 1));
  }
  return out;
}

export function backendOverrides(flags: Flags): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of flags.values.get("backend-config") ?? []) {
    const i = kv.indexOf("=");
    if (i < 0)
      fail(
        "Invalid backend configuration argument",
        `The -backend-config=... argument "${kv}" is not a key=value pair (backend configuration files are not implemented by the fake).`,
      );
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}
