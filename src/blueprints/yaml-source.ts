import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  type Pair,
  parseDocument,
  type YAMLMap,
} from "yaml";

/** A YAML 1.2 document, its plain value, and a locator from JSON pointers back to the source. */
export interface YamlSource {
  /** The document as plain data (`undefined` when the source has syntax errors). */
  value: unknown;
  /** YAML syntax errors, located. */
  syntaxErrors: { message: string; line?: number; column?: number }[];
  syntaxWarnings: { message: string; line?: number; column?: number }[];
  /**
   * 1-based line and column of the node at `pointer`; `key: true` locates the mapping key
   * instead of its value. A pointer that does not exist resolves to its nearest ancestor.
   */
  locate(pointer: string, options?: { key?: boolean }): { line?: number; column?: number };
}

export function pointerSegments(pointer: string): string[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

export function joinPointer(base: string, ...segments: (string | number)[]): string {
  return segments.reduce<string>(
    (p, s) => `${p}/${String(s).replace(/~/g, "~0").replace(/\//g, "~1")}`,
    base,
  );
}

/** Loads YAML 1.2 (`off`, `no`, `yes` stay strings); `<<` merge keys are honoured as Render does. */
export function loadYaml(source: string): YamlSource {
  const lines = new LineCounter();
  const doc = parseDocument(source, {
    version: "1.2",
    merge: true,
    lineCounter: lines,
    prettyErrors: false,
  });
  const pos = (offset: number | undefined): { line: number; column: number } => {
    if (offset === undefined) return { line: 1, column: 1 };
    const p = lines.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const firstLine = (m: string) => m.split("\n")[0] ?? m;
  const located = (e: { message: string; pos: [number, number] }) => ({
    message: firstLine(e.message),
    ...pos(e.pos[0]),
  });
  const syntaxErrors = doc.errors.map(located);
  const syntaxWarnings = doc.warnings.map(located);
  const value = syntaxErrors.length > 0 ? undefined : doc.toJS({ maxAliasCount: 1000 });
  return {
    value,
    syntaxErrors,
    syntaxWarnings,
    locate: (pointer, options = {}) => pos(findOffset(doc, pointerSegments(pointer), options.key === true)),
  };
}

function deref(doc: Document, node: unknown): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

function start(node: unknown): number | undefined {
  return (node as Node | null)?.range?.[0];
}

/** Offset of the deepest node along `segments` (or of the key of the last pair when `key`). */
function findOffset(doc: Document, segments: string[], key: boolean): number | undefined {
  let node: unknown = doc.contents;
  let best = start(node);
  for (const [i, seg] of segments.entries()) {
    node = deref(doc, node);
    const last = i === segments.length - 1;
    if (isMap(node)) {
      const pair = findPair(doc, node, seg);
      if (!pair) return best;
      const value = deref(doc, pair.value);
      const emptyValue =
        value === null || (isScalar(value) && value.value === null && value.range?.[0] === value.range?.[1]);
      if (last && (key || emptyValue)) return start(pair.key) ?? best;
      node = pair.value;
    } else if (isSeq(node)) {
      const item = node.items[Number(seg)];
      if (item === undefined) return best;
      node = item;
    } else {
      return best;
    }
    best = start(deref(doc, node)) ?? start(node) ?? best;
  }
  return best;
}

/** The pair for `key` in `map`, looking through `<<` merge keys like the loader does. */
function findPair(doc: Document, map: YAMLMap, key: string, depth = 0): Pair | undefined {
  const own = map.items.find((p) => keyString(p.key) === key);
  if (own || depth > 10) return own;
  for (const p of map.items) {
    if (!isMergeKey(p.key)) continue;
    const sources = isSeq(p.value) ? p.value.items : [p.value];
    for (const src of sources) {
      const target = deref(doc, src);
      const found = isMap(target) ? findPair(doc, target, key, depth + 1) : undefined;
      if (found) return found;
    }
  }
  return undefined;
}

function isMergeKey(key: unknown): boolean {
  const v = isScalar(key) ? key.value : key;
  return v === "<<" || (typeof v === "symbol" && v.description === "<<");
}

function keyString(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return key === null || key === undefined ? undefined : String(key);
}
