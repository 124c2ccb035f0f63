import type { Diagnostic } from "../model.js";
import { pointerSegments, type YamlSource } from "../yaml-source.js";

/** Collects diagnostics, each located in the YAML source through its JSON pointer. */
/** Diagnostics of each severity reported with their position; past it, only counted. */
export const MAX_DIAGNOSTICS = 200;

export class Diagnostics {
  readonly errors: Diagnostic[] = [];
  readonly warnings: Diagnostic[] = [];
  /** Errors and warnings past {@link MAX_DIAGNOSTICS}: counted, not located. */
  readonly dropped = { errors: 0, warnings: 0 };
  /**
   * Values read in a canonical form (a plan written `Starter` read as `starter`, an env
   * value written `3.10` read as the string `"3.10"`): JSON pointer → value, applied to the
   * document once it is checked (`applyNormalisations`). A probe records none.
   */
  readonly normalised = new Map<string, unknown>();

  constructor(
    private readonly source: Pick<YamlSource, "locate"> & Partial<Pick<YamlSource, "scalarSource">>,
    private readonly isProbe = false,
  ) {}

  /** A scratch collector that locates nothing: to try a shape without reporting. */
  probe(): Diagnostics {
    return new Diagnostics({ locate: () => ({}) }, true);
  }

  /** The source text of the scalar at `pointer` (see {@link YamlSource.scalarSource}). */
  sourceText(pointer: string): string | undefined {
    return this.source.scalarSource?.(pointer);
  }

  /** Reads the value at `pointer` as `value` from now on (see {@link Diagnostics.normalised}). */
  normalise(pointer: string, value: unknown): void {
    if (!this.isProbe) this.normalised.set(pointer, value);
  }

  /** An error at `pointer`; `onKey` locates the mapping key rather than its value. */
  error(code: string, pointer: string, message: string, onKey = false): void {
    if (this.errors.length >= MAX_DIAGNOSTICS) this.dropped.errors++;
    else this.errors.push(this.make("error", code, pointer, message, onKey));
  }

  warn(code: string, pointer: string, message: string, onKey = false): void {
    if (this.warnings.length >= MAX_DIAGNOSTICS) this.dropped.warnings++;
    else this.warnings.push(this.make("warning", code, pointer, message, onKey));
  }

  /** Whether a diagnostic of `severity` would still be reported in full (not only counted). */
  accepts(severity: Diagnostic["severity"]): boolean {
    return (severity === "error" ? this.errors : this.warnings).length < MAX_DIAGNOSTICS;
  }

  /** The errors and warnings sorted by position, each list ending with "… and N more" when capped. */
  sorted(): { errors: Diagnostic[]; warnings: Diagnostic[] } {
    const more = (severity: Diagnostic["severity"], n: number): Diagnostic[] =>
      n > 0 ? [{ severity, code: "too-many", pointer: "", message: `… and ${n} more ${severity}s` }] : [];
    return {
      errors: [...this.errors.sort(byPosition), ...more("error", this.dropped.errors)],
      warnings: [...this.warnings.sort(byPosition), ...more("warning", this.dropped.warnings)],
    };
  }

  private make(
    severity: Diagnostic["severity"],
    code: string,
    pointer: string,
    message: string,
    onKey: boolean,
  ): Diagnostic {
    return { severity, code, pointer, message, ...this.source.locate(pointer, { key: onKey }) };
  }
}

export type PlainObject = Record<string, unknown>;

/** Sets every recorded canonical value in `doc` (the plain data of the checked document). */
export function applyNormalisations(doc: unknown, normalised: ReadonlyMap<string, unknown>): void {
  for (const [pointer, value] of normalised) {
    const segments = pointerSegments(pointer);
    const last = segments.pop();
    let node: unknown = doc;
    for (const seg of segments)
      node = isObject(node) || Array.isArray(node) ? (node as PlainObject)[seg] : undefined;
    if (last !== undefined && (isObject(node) || Array.isArray(node))) (node as PlainObject)[last] = value;
  }
}

export function isObject(v: unknown): v is PlainObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Sorts diagnostics by line, then column, then pointer; unlocated ones last. */
export function byPosition(a: Diagnostic, b: Diagnostic): number {
  const la = a.line ?? Number.MAX_SAFE_INTEGER;
  const lb = b.line ?? Number.MAX_SAFE_INTEGER;
  if (la !== lb) return la - lb;
  const ca = a.column ?? 0;
  const cb = b.column ?? 0;
  if (ca !== cb) return ca - cb;
  return a.pointer < b.pointer ? -1 : a.pointer > b.pointer ? 1 : 0;
}
