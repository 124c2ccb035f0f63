import { isDeepStrictEqual } from "node:util";
import type { SchemaNode } from "../kubernetes-spec.js";
import { isObject, merge } from "./fields.js";
import { badRequest, StatusError } from "./status.js";

/**
 * The non-apply PATCH formats: strategic merge patch (as far as the fake needs it) and
 * JSON patch (RFC 6902). JSON merge patch (RFC 7386) is `mergePatch` in fields.ts.
 */
type Json = Record<string, unknown>;

/** Strategic merge patch, as far as the fake needs it: null removes, lists with a merge key merge by it. */
export function strategicMerge(target: unknown, patch: unknown, schema: SchemaNode | undefined): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Json = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith("$")) continue;
    const sub = schema?.property(k) ?? schema?.values();
    if (v === null) delete out[k];
    else if (Array.isArray(v) && Array.isArray(out[k]) && sub?.raw["x-kubernetes-patch-merge-key"]) {
      out[k] = merge(out[k], v, sub);
    } else out[k] = strategicMerge(out[k], v, sub);
  }
  return out;
}

/** JSON patch (RFC 6902): add, remove, replace, test, copy, move. */
export function jsonPatch(doc: Json, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw badRequest("the JSON patch must be an array of operations");
  let root: unknown = doc;
  const parse = (p: string) =>
    p
      .split("/")
      .slice(1)
      .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  const parentOf = (path: string[]) => {
    let cur: unknown = root;
    for (const p of path.slice(0, -1)) {
      cur = Array.isArray(cur) ? cur[Number(p)] : (cur as Json | undefined)?.[p];
      if (cur === undefined) throw badRequest(`doc is missing path: "/${path.join("/")}"`);
    }
    return cur as Json | unknown[];
  };
  const read = (path: string[]) => {
    let cur: unknown = root;
    for (const p of path) cur = Array.isArray(cur) ? cur[Number(p)] : (cur as Json | undefined)?.[p];
    return cur;
  };
  const put = (path: string[], value: unknown, insert: boolean) => {
    if (path.length === 0) {
      root = value;
      return;
    }
    const parent = parentOf(path);
    const last = path[path.length - 1]!;
    if (Array.isArray(parent)) {
      const i = last === "-" ? parent.length : Number(last);
      if (insert) parent.splice(i, 0, value);
      else parent[i] = value;
    } else parent[last] = value;
  };
  const del = (path: string[]) => {
    const parent = parentOf(path);
    const last = path[path.length - 1]!;
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else if (Object.hasOwn(parent, last)) delete parent[last];
    else throw badRequest(`unable to remove nonexistent key: ${last}: missing value`);
  };
  for (const op of ops as Json[]) {
    const path = parse(String(op["path"] ?? ""));
    switch (op["op"]) {
      case "add":
        put(path, structuredClone(op["value"]), true);
        break;
      case "replace":
        if (read(path) === undefined)
          throw badRequest(
            `replace operation does not apply: doc is missing key: ${op["path"]}: missing value`,
          );
        put(path, structuredClone(op["value"]), false);
        break;
      case "remove":
        del(path);
        break;
      case "test":
        if (!isDeepStrictEqual(read(path), op["value"]))
          throw new StatusError(422, "Invalid", `testing value ${op["path"]} failed: test failed`);
        break;
      case "copy":
        put(path, structuredClone(read(parse(String(op["from"])))), true);
        break;
      case "move": {
        const from = parse(String(op["from"]));
        const v = read(from);
        del(from);
        put(path, v, true);
        break;
      }
      default:
        throw badRequest(`Unexpected kind: ${String(op["op"])}`);
    }
  }
  return root;
}
