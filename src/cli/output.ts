/** Output helpers for the CLI: aligned tables, key/value blocks, JSON, YAML and names. */
import { InvalidArgumentError } from "commander";
import YAML from "yaml";
import { visibleWidth } from "./color.js";
import { CliError } from "./errors.js";
import { EXIT } from "./exit-codes.js";

/**
 * `-o`: `table` (the default: tables and key/value blocks), `wide` (tables with more
 * columns), `json`, `yaml`, `name` (`kind/name`, one per line, as kubectl). `text` is the
 * old name of `table`.
 */
export type OutputFormat = "table" | "wide" | "json" | "yaml" | "name";

export const OUTPUT_FORMATS: readonly OutputFormat[] = ["table", "wide", "json", "yaml", "name"];

/** Commander's parser of `-o`: one of {@link OUTPUT_FORMATS}, `text` read as `table`. */
export function parseOutputFormat(raw: string): OutputFormat {
  const value = raw.trim().toLowerCase();
  if (value === "text") return "table";
  if ((OUTPUT_FORMATS as readonly string[]).includes(value)) return value as OutputFormat;
  throw new InvalidArgumentError(`expected one of ${OUTPUT_FORMATS.join(", ")}`);
}

/** Whether the format is data for programs (JSON or YAML) rather than text for people. */
export const isStructured = (format: OutputFormat): boolean => format === "json" || format === "yaml";

/** Writes `value` as pretty JSON on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Writes `value` as a YAML document on stdout. */
export function printYaml(value: unknown): void {
  process.stdout.write(YAML.stringify(value, { lineWidth: 0 }));
}

/** JSON or YAML. */
export function printStructured(format: "json" | "yaml", value: unknown): void {
  if (format === "yaml") printYaml(value);
  else printJson(value);
}

/** What a command shows, in each format; `names` for `-o name`, `wide` for `-o wide` (default: `table`). */
export interface Rendering {
  /** For `-o json` and `-o yaml`. */
  value: unknown;
  table: () => string[];
  wide?: () => string[];
  /** `kind/name` lines; without it `-o name` is a usage error for the command. */
  names?: () => string[];
}

/** Prints `r` in `format`. */
export function emit(format: OutputFormat, r: Rendering): void {
  switch (format) {
    case "json":
    case "yaml":
      printStructured(format, r.value);
      return;
    case "name":
      if (!r.names) throw new CliError("-o name: this command has no names to print", [], EXIT.USAGE);
      printLines(r.names());
      return;
    case "wide":
      printLines((r.wide ?? r.table)());
      return;
    default:
      printLines(r.table());
  }
}

/** Writes lines on stdout. */
export function printLines(lines: string[]): void {
  if (lines.length > 0) process.stdout.write(`${lines.join("\n")}\n`);
}

/** The display width of a cell (colour escapes do not count). */
const width = visibleWidth;
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

/**
 * A table printed now and added to later, as `--watch` does: the header and the first
 * rows aligned together, later rows padded to the same columns (wider cells push the rest
 * of their line right, as kubectl's).
 */
export class GrowingTable {
  private widths: number[] | undefined;

  constructor(
    private readonly headers: string[],
    /** Columns kept at least this wide, by header (the longest status: later rows stay aligned). */
    private readonly reserve: Record<string, number> = {},
  ) {}

  /** The first rows, with the header (also when there are none). */
  start(rows: string[][]): string[] {
    this.widths = this.headers.map((h, i) =>
      Math.max(width(h), this.reserve[h] ?? 0, ...rows.map((r) => width(r[i] ?? ""))),
    );
    return [this.line(this.headers), ...rows.map((r) => this.line(r))];
  }

  /** A later row. */
  row(cells: string[]): string {
    return this.line(cells);
  }

  private line(cells: string[]): string {
    const widths = this.widths ?? this.headers.map((h) => width(h));
    return this.headers
      .map((_, i) => {
        const c = cells[i] ?? "";
        return i === this.headers.length - 1 ? c : pad(c, widths[i] ?? 0);
      })
      .join("  ")
      .trimEnd();
  }
}
