/**
 * How a change's `params` apply to a tenant's (`PATCH /v1/tenants/{id}`, and the plan of
 * one): a JSON Merge Patch (RFC 7386). Objects are merged field by field, at any depth;
 * `null` removes a param or a field; anything else (lists included) replaces what was.
 * For scalar params this is the merge it always was: a new value replaces, `null` removes.
 */

/**
 * How deep objects are merged; a patch nested deeper replaces its value whole. Past the
 * deepest declaration (MAX_PARAMETER_DEPTH), so only hostile input reaches it.
 */
const MAX_MERGE_DEPTH = 64;

/** The tenant's params with `change` applied; neither argument is modified. */
export function mergeParams(
  current: Readonly<Record<string, unknown>>,
  change: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  return mergeObject(current, change, 0);
}

function mergeObject(
  target: Readonly<Record<string, unknown>>,
  patch: Readonly<Record<string, unknown>>,
  depth: number,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(target)) define(out, k, v);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) {
      delete out[k];
      continue;
    }
    const before = Object.hasOwn(out, k) ? out[k] : undefined;
    define(
      out,
      k,
      isPlainObject(v) && depth < MAX_MERGE_DEPTH
        ? mergeObject(isPlainObject(before) ? before : {}, v, depth + 1)
        : v,
    );
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** An own property, whatever the key (`__proto__` from JSON.parse included). */
function define(o: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}
