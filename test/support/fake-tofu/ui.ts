import type { Range } from "./json-source.js";

/**
 * What the fake prints: the `-json` message stream (one hclog-style JSON object a line,
 * as `terraform … -json` / `tofu … -json` print it) and human diagnostics on stderr for
 * the commands without `-json`. Both flavours differ only where the real CLIs do.
 */

export type Flavor = "terraform" | "tofu";

export const FLAVORS = {
  terraform: {
    product: "Terraform",
    cli: "terraform",
    version: "1.11.4",
    module: "terraform.ui",
    registry: "registry.terraform.io",
  },
  tofu: {
    product: "OpenTofu",
    cli: "tofu",
    version: "1.10.7",
    module: "tofu.ui",
    registry: "registry.opentofu.org",
  },
} as const;

/** The flavour this process runs as (from FAKE_TOFU_FLAVOR, set by bin/tofu and bin/terraform). */
export const runningFlavor: Flavor = process.env.FAKE_TOFU_FLAVOR === "terraform" ? "terraform" : "tofu";

export function currentFlavor(): (typeof FLAVORS)[Flavor] {
  return FLAVORS[runningFlavor];
}

export interface Diagnostic {
  severity: "error" | "warning";
  summary: string;
  detail: string;
  address?: string;
  range?: Range;
  /** Block the range sits in, e.g. `output.o`, `module.m`, `terraform.backend`. */
  context?: string | null;
  /** The snippet's `values`: what the traversals in the range evaluated to. */
  values?: { traversal: string; statement: string }[];
  /** Found while reading module calls: `init` reports it under "Initializing modules...", not as a configuration error. */
  moduleCall?: boolean;
}

/** Thrown anywhere to stop the command with these diagnostics (exit 1). */
export class DiagnosticsError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map((d) => d.summary).join("; "));
  }
}

export function fail(summary: string, detail: string, extra: Partial<Diagnostic> = {}): never {
  throw new DiagnosticsError([{ severity: "error", summary, detail, ...extra }]);
}

/** The texts of the configuration files read, by the name diagnostics give them, for snippets. */
export const sources = new Map<string, string>();

export interface HookResource {
  addr: string;
  module: string;
  resource: string;
  implied_provider: string;
  resource_type: string;
  resource_name: string;
  resource_key: string | number | null;
}

export class Ui {
  readonly f: (typeof FLAVORS)[Flavor];

  constructor(
    readonly flavor: Flavor,
    readonly json: boolean,
    readonly color: boolean,
    private readonly out: (line: string) => void = (l) => process.stdout.write(l),
    private readonly err: (line: string) => void = (l) => process.stderr.write(l),
  ) {
    this.f = FLAVORS[flavor];
  }

  /** One JSON message: the `@` keys first, the others in alphabetical order (as hclog writes them). */
  message(
    level: "info" | "error" | "warn",
    text: string,
    fields: Record<string, unknown>,
    secondsOnly = false,
  ) {
    const us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
    const now = new Date(Math.floor(us / 1000)).toISOString();
    const micro = String(us % 1000).padStart(3, "0");
    const timestamp = secondsOnly ? `${now.slice(0, 19)}Z` : `${now.slice(0, 23)}${micro}Z`;
    const line: Record<string, unknown> = {
      "@level": level,
      "@message": text,
      "@module": this.f.module,
      "@timestamp": timestamp,
    };
    for (const key of Object.keys(fields).sort()) line[key] = fields[key];
    const s = JSON.stringify(line);
    // OpenTofu's logger turns Go's HTML escaping off; Terraform's keeps it.
    this.out(`${this.flavor === "terraform" ? goEscape(s) : s}\n`);
  }

  version(): void {
    if (!this.json) return;
    this.message("info", `${this.f.product} ${this.f.version}`, {
      type: "version",
      [this.flavor]: this.f.version,
      ui: "1.2",
    });
  }

  log(text: string): void {
    if (this.json) this.message("info", text, { type: "log" });
    else this.out(`${text}\n`);
  }

  /** Terraform's `init -json` says its steps as `init_output` with a message code; OpenTofu as `log`. */
  initStep(code: string, text: string): void {
    if (!this.json) this.out(`\n${text}\n`);
    else if (this.flavor === "terraform")
      this.message("info", text, { type: "init_output", message_code: code }, true);
    else this.message("info", text, { type: "log" });
  }

  /** Raw text: what the real CLIs print even under `-json` (for instance when a backend is configured). */
  raw(text: string): void {
    this.out(text);
  }

  diagnostics(diags: Diagnostic[]): void {
    for (const d of diags) {
      if (this.json) {
        const diagnostic: Record<string, unknown> = {
          severity: d.severity,
          summary: d.summary,
          detail: d.detail,
        };
        if (d.address) diagnostic.address = d.address;
        if (d.range) {
          diagnostic.range = d.range;
          diagnostic.snippet = { ...snippet(d.range, d.context ?? null), values: d.values ?? [] };
        }
        const prefix = d.severity === "error" ? "Error" : "Warning";
        this.message(d.severity === "error" ? "error" : "warn", `${prefix}: ${d.summary}`, {
          type: "diagnostic",
          diagnostic,
        });
      } else {
        this.err(human(d, this.color));
      }
    }
  }

  hook(type: string, text: string, hook: Record<string, unknown>, key = "hook"): void {
    if (this.json) this.message("info", text, { type, [key]: hook });
    else this.out(`${text}\n`);
  }

  /** Human text on stdout (`state list`, `output` without `-json`, `force-unlock`). */
  print(text: string): void {
    this.out(text);
  }

  colored(text: string, ansi: string): string {
    return this.color ? `${ansi}${text}\x1b[0m` : text;
  }
}

/** What Go's encoding/json does to `<`, `>` and `&` (in `show -json`, `output -json`, Terraform's messages). */
export function goEscape(json: string): string {
  return json.replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026");
}

function snippet(range: Range, context: string | null) {
  const text = sources.get(range.filename) ?? "";
  const lines = text.split("\n");
  const code = lines[range.start.line - 1] ?? "";
  const lineStartByte =
    Buffer.byteLength(lines.slice(0, range.start.line - 1).join("\n")) + (range.start.line > 1 ? 1 : 0);
  const startOffset = Math.max(0, range.start.byte - lineStartByte);
  const endOffset =
    range.end.line === range.start.line
      ? Math.max(startOffset, range.end.byte - lineStartByte)
      : Buffer.byteLength(code);
  return {
    context,
    code,
    start_line: range.start.line,
    highlight_start_offset: Math.min(startOffset, Buffer.byteLength(code)),
    highlight_end_offset: Math.min(endOffset, Buffer.byteLength(code)),
    values: [],
  };
}

/** The boxed form the CLIs print on stderr without `-json`. */
function human(d: Diagnostic, color: boolean): string {
  const red = (s: string) => (color ? `\x1b[31m${s}\x1b[0m\x1b[0m` : s);
  const bar = color ? "\x1b[31m│\x1b[0m \x1b[0m" : "│ ";
  const label = d.severity === "error" ? "Error: " : "Warning: ";
  const head = color
    ? `\x1b[1m\x1b[31m${label}\x1b[0m\x1b[0m\x1b[1m${d.summary}\x1b[0m`
    : `${label}${d.summary}`;
  const lines = [red("╷"), `${bar}${head}`, bar];
  if (d.range) {
    lines.push(`${bar}  on ${d.range.filename} line ${d.range.start.line}:`);
    lines.push(bar);
  }
  for (const l of d.detail.split("\n")) lines.push(`${bar}${l}`);
  lines.push(red("╵"));
  return `${lines.join("\n")}\n`;
}

export function hookResource(addr: ResourceAddr, providerShort: string): HookResource {
  return {
    addr: addr.instance,
    module: addr.module,
    resource: addr.instance.slice(addr.module ? addr.module.length + 1 : 0),
    implied_provider: providerShort,
    resource_type: addr.type,
    resource_name: addr.name,
    resource_key: addr.key,
  };
}

/** A resource instance's address in its parts. */
export interface ResourceAddr {
  /** `module.a.module.b` or `""` for the root module. */
  module: string;
  type: string;
  name: string;
  key: string | number | null;
  /** Full instance address, `module.a.aws_s3_bucket.b[0]`. */
  instance: string;
}

export function resourceAddr(
  module: string,
  type: string,
  name: string,
  key: string | number | null,
): ResourceAddr {
  const keyPart = key === null ? "" : typeof key === "number" ? `[${key}]` : `[${JSON.stringify(key)}]`;
  const local = `${type}.${name}${keyPart}`;
  return { module, type, name, key, instance: module ? `${module}.${local}` : local };
}
