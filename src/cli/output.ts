/** Output helpers for the CLI: aligned tables, key/value blocks and JSON. No dependencies. */

export type OutputFormat = "text" | "json";

export const OUTPUT_FORMATS: readonly OutputFormat[] = ["text", "json"];

/** Writes `value` as pretty JSON on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Writes lines on stdout. */
export function printLines(lines: string[]): void {
  if (lines.length > 0) process.stdout.write(`${lines.join("\n")}\n`);
}

/** The display width of a cell (no terminal escapes are used, so this is the string length). */
const width = (s: string) => [...s].length;
const pad = (s: string, n: number) => s + " ".repeat(Math.max(0, n - width(s)));

/**
 * Aligned columns separated by two spaces; the last column is not padded.
 * `headers` are printed as given (conventionally upper case).
 */
export function table(headers: string[], rows: string[][], indent = ""): string[] {
  const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ""))));
  const line = (cells: string[]) =>
    indent +
    cells
      .map((c, i) => (i === cells.length - 1 ? c : pad(c, widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map((r) => line(headers.map((_, i) => r[i] ?? "")))];
}

/** `Key:   value` lines with the values aligned; entries whose value is undefined are skipped. */
export function keyValues(entries: [string, string | undefined][], indent = ""): string[] {
  const shown = entries.filter((e): e is [string, string] => e[1] !== undefined);
  const w = Math.max(0, ...shown.map(([k]) => width(k) + 1));
  return shown.map(([k, v]) => `${indent}${pad(`${k}:`, w)}  ${v}`);
}

/** A scalar or small structure on one line: strings bare, everything else as JSON. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return "-";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

/** `{a: 1, b: "x"}` → `a=1, b=x`; `-` when empty. */
export function formatMap(map: Record<string, unknown> | undefined): string {
  const entries = Object.entries(map ?? {});
  return entries.length === 0 ? "-" : entries.map(([k, v]) => `${k}=${formatValue(v)}`).join(", ");
}

/** ISO timestamp without milliseconds: `2025-01-02T03:04:05Z`; `-` for null. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "-";
  return iso.replace(/\.\d+Z$/, "Z");
}

/** 1234 → `1.2s`, 61000 → `1m1s`, 450 → `450ms`; `-` for null. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "-";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(ms / 60_000);
  return `${m}m${Math.round((ms % 60_000) / 1000)}s`;
}
