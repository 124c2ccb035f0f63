import { randomBytes } from "node:crypto";
import { badRequest } from "./errors.js";
import { asObject } from "./input.js";
import type { EnvVarRecord, Store } from "./store.js";
import type { SecretFile } from "./types.js";

/**
 * `envVarInput` items, `{key, value}` or `{key, generateValue: true}` (Render then
 * generates a random 256-bit value), into stored variables. Keys must be unique.
 */
export function envVarsFromInput(store: Store, items: unknown, what = "envVars"): EnvVarRecord[] {
  if (items === undefined) return [];
  if (!Array.isArray(items)) throw badRequest(`${what} must be an array`);
  const seen = new Set<string>();
  return items.map((item, i) => {
    const obj = asObject(item, `${what}[${i}]`);
    const key = obj["key"];
    if (typeof key !== "string" || key === "") throw badRequest(`${what}[${i}].key is required`);
    if (seen.has(key)) throw badRequest(`${what}: duplicate key ${key}`);
    seen.add(key);
    return { key, value: envVarValue(obj, `${what}[${i}]`), seq: store.nextSeq() };
  });
}

/** `{value}` or `{generateValue: true}` (`addUpdateEnvVarInput`). */
export function envVarValue(obj: Record<string, unknown>, what: string): string {
  if (typeof obj["value"] === "string") return obj["value"];
  if (obj["generateValue"] === true) return generatedValue();
  throw badRequest(`${what}: value (string) or generateValue (true) is required`);
}

export function generatedValue(): string {
  return randomBytes(32).toString("base64url");
}

/** Sets one variable, keeping its place in the list when it exists. */
export function upsertEnvVar(store: Store, list: EnvVarRecord[], key: string, value: string): EnvVarRecord {
  const existing = list.find((v) => v.key === key);
  if (existing) {
    existing.value = value;
    return existing;
  }
  const added = { key, value, seq: store.nextSeq() };
  list.push(added);
  return added;
}

export function secretFilesFromInput(items: unknown): SecretFile[] {
  if (items === undefined) return [];
  if (!Array.isArray(items)) throw badRequest("secretFiles must be an array");
  return items.map((item, i) => {
    const obj = asObject(item, `secretFiles[${i}]`);
    if (typeof obj["name"] !== "string" || typeof obj["content"] !== "string") {
      throw badRequest(`secretFiles[${i}]: name and content are required`);
    }
    return { name: obj["name"], content: obj["content"] };
  });
}

export const plainEnvVar = (v: EnvVarRecord) => ({ key: v.key, value: v.value });
