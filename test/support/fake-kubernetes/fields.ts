import { isDeepStrictEqual } from "node:util";
import type { SchemaNode } from "../kubernetes-spec.js";

/**
 * Field paths of objects, as server-side apply sees them: walking an object with its
 * schema, maps and structs are descended into field by field (`f:name`), lists typed
 * `x-kubernetes-list-type: map` by their items' keys (`k:{"name":"web"}`), `set` lists by
 * value (`v:"x"`), and `atomic` lists and maps (the default for lists, and
 * `x-kubernetes-map-type: atomic`) are one field. A path is its elements joined by "\n".
 */
export type FieldSet = Set<string>;
type Json = Record<string, unknown>;

export const SEP = "\n";

export function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

type ListType = "atomic" | "set" | "map";

function listType(schema: SchemaNode | undefined, items: unknown[]): ListType {
  const declared = schema?.raw["x-kubernetes-list-type"];
  if (declared === "map" || declared === "set" || declared === "atomic") return declared;
  if (schema) return "atomic";
  // No schema (the spec folder is absent): lists of named objects merge by name.
  return items.length > 0 && items.every((i) => isObject(i) && typeof i["name"] === "string")
    ? "map"
    : "atomic";
}

function mapKeys(schema: SchemaNode | undefined): string[] {
  const keys = schema?.raw["x-kubernetes-list-map-keys"];
  return Array.isArray(keys) ? (keys as string[]) : ["name"];
}

function atomicMap(schema: SchemaNode | undefined): boolean {
  return schema?.raw["x-kubernetes-map-type"] === "atomic";
}

function child(schema: SchemaNode | undefined, name: string): SchemaNode | undefined {
  return schema?.property(name) ?? schema?.values();
}

/** The key of a map-list item, key fields in sorted order, missing ones defaulted by the schema. */
function itemKey(item: Json, keys: string[], itemSchema: SchemaNode | undefined): string {
  const k: Json = {};
  for (const name of [...keys].sort()) {
    const v = item[name] ?? itemSchema?.property(name)?.raw["default"];
    if (v !== undefined) k[name] = v;
  }
  return `k:${JSON.stringify(k)}`;
}

/** Every leaf path of `value`, plus the path of each map-list item (its existence). */
export function fieldSet(value: unknown, schema: SchemaNode | undefined, prefix: string[] = []): FieldSet {
  const out: FieldSet = new Set();
  collect(value, schema, prefix, out);
  return out;
}

function collect(value: unknown, schema: SchemaNode | undefined, prefix: string[], out: FieldSet): void {
  if (isObject(value)) {
    const entries = Object.entries(value);
    if (atomicMap(schema) || entries.length === 0) {
      if (prefix.length > 0) out.add(prefix.join(SEP));
      return;
    }
    for (const [k, v] of entries) collect(v, child(schema, k), [...prefix, `f:${k}`], out);
    return;
  }
  if (Array.isArray(value)) {
    const lt = listType(schema, value);
    if (lt === "atomic" || value.length === 0) {
      out.add(prefix.join(SEP));
      return;
    }
    const itemSchema = schema?.items();
    for (const item of value) {
      if (lt === "set") {
        out.add([...prefix, `v:${JSON.stringify(item)}`].join(SEP));
      } else if (isObject(item)) {
        const p = [...prefix, itemKey(item, mapKeys(schema), itemSchema)];
        out.add(p.join(SEP));
        collect(item, itemSchema, p, out);
      }
    }
    return;
  }
  out.add(prefix.join(SEP));
}

interface Located {
  found: boolean;
  value?: unknown;
}

/** The value at a path (`found: false` when some element of it is absent). */
export function valueAt(root: unknown, path: string, schema?: SchemaNode): Located {
  let cur: unknown = root;
  let s = schema;
  for (const el of path.split(SEP)) {
    if (el.startsWith("f:")) {
      const name = el.slice(2);
      if (!isObject(cur) || !Object.hasOwn(cur, name)) return { found: false };
      cur = cur[name];
      s = child(s, name);
    } else if (el.startsWith("k:")) {
      if (!Array.isArray(cur)) return { found: false };
      const keys = Object.keys(JSON.parse(el.slice(2)) as Json);
      const itemSchema = s?.items();
      const item = cur.find((i) => isObject(i) && itemKey(i, keys, itemSchema) === el);
      if (item === undefined) return { found: false };
      cur = item;
      s = itemSchema;
    } else if (el.startsWith("v:")) {
      if (!Array.isArray(cur)) return { found: false };
      const want = JSON.parse(el.slice(2)) as unknown;
      if (!cur.some((i) => isDeepStrictEqual(i, want))) return { found: false };
      cur = want;
      s = s?.items();
    } else {
      return { found: false };
    }
  }
  return { found: true, value: cur };
}

/** Removes the field at a path (a map key, a map-list item, a set value); absent paths are ignored. */
export function removeAt(root: Json, path: string, schema?: SchemaNode): void {
  const els = path.split(SEP);
  const last = els.pop()!;
  const parent = els.length === 0 ? { found: true, value: root } : valueAt(root, els.join(SEP), schema);
  if (!parent.found) return;
  const p = parent.value;
  if (last.startsWith("f:") && isObject(p)) {
    delete p[last.slice(2)];
  } else if (Array.isArray(p)) {
    let index = -1;
    if (last.startsWith("k:")) {
      const keys = Object.keys(JSON.parse(last.slice(2)) as Json);
      index = p.findIndex((i) => isObject(i) && itemKey(i, keys, undefined) === last);
    } else if (last.startsWith("v:")) {
      const want = JSON.parse(last.slice(2)) as unknown;
      index = p.findIndex((i) => isDeepStrictEqual(i, want));
    }
    if (index >= 0) p.splice(index, 1);
  }
}

/** Server-side apply's merge: maps field by field, map-lists by key, sets by value, the rest replaced. */
export function merge(live: unknown, applied: unknown, schema: SchemaNode | undefined): unknown {
  if (isObject(applied) && isObject(live) && !atomicMap(schema)) {
    const out: Json = { ...live };
    for (const [k, v] of Object.entries(applied)) out[k] = merge(live[k], v, child(schema, k));
    return out;
  }
  if (Array.isArray(applied) && Array.isArray(live)) {
    const lt = listType(schema, applied);
    if (lt === "set") {
      const out = [...live];
      for (const v of applied) if (!out.some((x) => isDeepStrictEqual(x, v))) out.push(v);
      return out;
    }
    if (lt === "map") {
      const keys = mapKeys(schema);
      const itemSchema = schema?.items();
      const out = [...live];
      for (const item of applied) {
        if (!isObject(item)) continue;
        const k = itemKey(item, keys, itemSchema);
        const i = out.findIndex((x) => isObject(x) && itemKey(x, keys, itemSchema) === k);
        if (i >= 0) out[i] = merge(out[i], item, itemSchema);
        else out.push(structuredClone(item));
      }
      return out;
    }
  }
  return structuredClone(applied);
}

/** JSON merge patch (RFC 7386): `null` removes, objects merge, everything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Json = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** A set as `fieldsV1`: a trie of path elements, `{}` at the leaves, `".": {}` where a node is owned itself. */
export function toFieldsV1(set: FieldSet): Json {
  const root: Json = {};
  for (const path of [...set].sort()) {
    let node = root;
    for (const el of path.split(SEP)) {
      node[el] ??= {};
      node = node[el] as Json;
    }
  }
  const mark = (n: Json, prefix: string[]): void => {
    for (const [k, v] of Object.entries(n)) {
      const p = [...prefix, k];
      if (Object.keys(v as Json).length === 0) continue;
      mark(v as Json, p);
      if (set.has(p.join(SEP))) (v as Json)["."] = {};
    }
  };
  mark(root, []);
  return root;
}

export function fromFieldsV1(trie: unknown): FieldSet {
  const out: FieldSet = new Set();
  const walk = (n: Json, prefix: string[]): void => {
    for (const [k, v] of Object.entries(n)) {
      if (k === ".") {
        out.add(prefix.join(SEP));
        continue;
      }
      const p = [...prefix, k];
      if (!isObject(v) || Object.keys(v).length === 0) out.add(p.join(SEP));
      else walk(v, p);
    }
  };
  if (isObject(trie)) walk(trie, []);
  return out;
}

/** `f:spec\nf:replicas` → `.spec.replicas`; `k:{"name":"web"}` → `[name="web"]`, as conflict messages show them. */
export function displayPath(path: string): string {
  return path
    .split(SEP)
    .map((el) => {
      if (el.startsWith("f:")) return `.${el.slice(2)}`;
      if (el.startsWith("k:")) {
        const k = JSON.parse(el.slice(2)) as Json;
        return `[${Object.entries(k)
          .map(([n, v]) => `${n}=${JSON.stringify(v)}`)
          .join(",")}]`;
      }
      if (el.startsWith("v:")) return `[=${el.slice(2)}]`;
      return el;
    })
    .join("");
}

export function isItemPath(path: string): boolean {
  const last = path.split(SEP).pop() ?? "";
  return last.startsWith("k:") || last.startsWith("v:");
}
