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
  visit,
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
  /**
   * The source text of the plain scalar at `pointer` (`3.10` for a value read as the number
   * 3.1, `true` for a boolean), or undefined when the pointer is not a scalar.
   */
  scalarSource(pointer: string): string | undefined;
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
    // The package's own check compares every key with every other (quadratic: 20,000
    // keys took seconds); duplicates are found below in one pass instead.
    uniqueKeys: false,
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
  if (syntaxErrors.length === 0) {
    visit(doc, {
      Map(_key, map) {
        const seen = new Set<string>();
        for (const p of map.items) {
          const k = keyString(p.key);
          if (k === undefined || isMergeKey(p.key)) continue;
          if (seen.has(k) && syntaxErrors.length < 200) {
            syntaxErrors.push({ message: `Map keys must be unique ("${k}")`, ...pos(start(p.key)) });
          }
          seen.add(k);
        }
      },
    });
  }
  let value: unknown;
  if (syntaxErrors.length === 0) {
    const firstAlias = () => {
      let at: number | undefined;
      visit(doc, {
        Alias(_key, node) {
          at = node.range?.[0];
          return visit.BREAK;
        },
      });
      return pos(at);
    };
    try {
      // An alias bomb (aliases of aliases…) is refused, not expanded.
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      syntaxErrors.push({
        message: `the document uses aliases too much (${firstLine((err as Error).message)}); at most ${MAX_ALIAS_COUNT} alias expansions`,
        ...firstAlias(),
      });
    }
    if (syntaxErrors.length === 0) {
      const shape = tooDeep(value);
      if (shape) {
        syntaxErrors.push({
          message: shape,
          ...(shape.includes("itself") ? firstAlias() : { line: 1, column: 1 }),
        });
        value = undefined;
      }
    }
  }
  return {
    value,
    syntaxErrors,
    syntaxWarnings,
    locate: (pointer, options = {}) => pos(findOffset(doc, pointerSegments(pointer), options.key === true)),
    scalarSource: (pointer) => {
      const node = findNode(doc, pointerSegments(pointer));
      return isScalar(node) && typeof node.source === "string" ? node.source : undefined;
    },
  };
}

/** Alias expansions allowed in one document (the yaml package's own default). */
export const MAX_ALIAS_COUNT = 100;
/** Nesting allowed in one document: far beyond any blueprint, well below the stack. */
export const MAX_DEPTH = 64;

/**
 * Why `value` cannot be a blueprint's data: it contains itself (an alias inside its own
 * anchor, `a: &a [*a]`) or nests deeper than {@link MAX_DEPTH}. Checked before anything
 * walks it recursively. Undefined when it is fine.
 */
function tooDeep(value: unknown): string | undefined {
  const path = new Set<object>();
  const walk = (v: unknown, depth: number): string | undefined => {
    if (typeof v !== "object" || v === null) return undefined;
    if (path.has(v)) return "the document contains itself (an alias inside its own anchor)";
    if (depth > MAX_DEPTH) return `the document nests deeper than ${MAX_DEPTH} levels`;
    path.add(v);
    const children = Array.isArray(v) ? v : v instanceof Map ? [...v.values()] : Object.values(v);
    for (const c of children) {
      const why = walk(c, depth + 1);
      if (why) return why;
    }
    path.delete(v);
    return undefined;
  };
  return walk(value, 0);
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

/** The node exactly at `segments`, or undefined when the path does not exist. */
function findNode(doc: Document, segments: string[]): unknown {
  let node: unknown = doc.contents;
  for (const seg of segments) {
    node = deref(doc, node);
    if (isMap(node)) node = findPair(doc, node, seg)?.value;
    else if (isSeq(node)) node = node.items[Number(seg)];
    else return undefined;
    if (node === undefined) return undefined;
  }
  return deref(doc, node);
}

// Each mapping's pairs by key, built on first use: locating every diagnostic of a large
// document stays linear (a search per diagnostic would be quadratic).
const pairIndex = new WeakMap<YAMLMap, Map<string, Pair>>();

function ownPair(map: YAMLMap, key: string): Pair | undefined {
  let index = pairIndex.get(map);
  if (!index) {
    index = new Map();
    for (const p of map.items) {
      const k = keyString(p.key);
      if (k !== undefined && !index.has(k)) index.set(k, p as Pair);
    }
    pairIndex.set(map, index);
  }
  return index.get(key);
}

/** The pair for `key` in `map`, looking through `<<` merge keys like the loader does. */
function findPair(doc: Document, map: YAMLMap, key: string, depth = 0): Pair | undefined {
  const own = ownPair(map, key);
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
