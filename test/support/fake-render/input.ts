import { badRequest } from "./errors.js";

/** Reading query parameters and JSON bodies defensively (validation may be off). */

export type Query = Record<string, string | string[]>;

/** An array parameter: repeated (`?name=a&name=b`) and/or comma-separated (`?name=a,b`). */
export function listParam(query: Query, name: string): string[] | undefined {
  const raw = query[name];
  if (raw === undefined) return undefined;
  return (Array.isArray(raw) ? raw : [raw]).flatMap((v) => v.split(",")).filter((v) => v !== "");
}

export function stringParam(query: Query, name: string): string | undefined {
  const raw = query[name];
  return Array.isArray(raw) ? raw[0] : raw;
}

/** `createdBefore`/`createdAfter`-style filters on an ISO timestamp. */
export function inTimeRange(
  query: Query,
  field: "created" | "updated" | "started" | "finished",
  value: string | undefined,
) {
  const before = stringParam(query, `${field}Before`);
  const after = stringParam(query, `${field}After`);
  if (before === undefined && after === undefined) return true;
  if (value === undefined) return false;
  const t = Date.parse(value);
  if (before !== undefined && !(t < Date.parse(before))) return false;
  if (after !== undefined && !(t > Date.parse(after))) return false;
  return true;
}

/** Keeps items whose value is one of the filter's, when the filter is given. */
export function matchesAny(filter: string[] | undefined, value: string | undefined): boolean {
  return filter === undefined || (value !== undefined && filter.includes(value));
}

export function asObject(body: unknown, what = "request body"): Record<string, unknown> {
  if (!body || typeof body !== "object" || Array.isArray(body))
    throw badRequest(`${what} must be a JSON object`);
  return body as Record<string, unknown>;
}

export function asArray(body: unknown, what = "request body"): unknown[] {
  if (!Array.isArray(body)) throw badRequest(`${what} must be a JSON array`);
  return body;
}

export function requiredString(obj: Record<string, unknown>, key: string, what = key): string {
  const v = obj[key];
  if (typeof v !== "string" || v === "") throw badRequest(`${what} is required`);
  return v;
}

export function optionalString(obj: Record<string, unknown>, key: string): string | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw badRequest(`${key} must be a string`);
  return v;
}

export function optionalObject(
  obj: Record<string, unknown>,
  key: string,
): Record<string, unknown> | undefined {
  const v = obj[key];
  return v === undefined ? undefined : asObject(v, key);
}
