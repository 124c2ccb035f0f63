import type { Blueprint } from "../blueprints/model.js";
import { type RenderContext, type RenderResult, renderBlueprint } from "../blueprints/render.js";
import { declaredSecrets, undeclaredSecrets } from "../blueprints/secrets.js";
import { validateBlueprint } from "../blueprints/validate.js";
import { TenantryError } from "../domain/errors.js";
import { sha256 } from "../lib/crypto.js";

/**
 * Compiles blueprint source into the typed model, or throws `BLUEPRINT_INVALID` with
 * every diagnostic (pointer under `prefix`, line and column). Versions are immutable, so
 * compiled versions are kept by id.
 */
export function compileBlueprint(source: string, prefix = "/blueprint"): Blueprint {
  // The same source compiles to the same blueprint: inline blueprints sent with every
  // create are validated once.
  const digest = sha256(source);
  const known = bySource.get(digest);
  if (known) return known;
  const { blueprint, errors } = validateBlueprint(source);
  if (blueprint && errors.length === 0) {
    if (bySource.size >= CACHE_SIZE) bySource.clear();
    bySource.set(digest, blueprint);
    return blueprint;
  }
  const first = errors[0];
  const where = first?.line ? ` (line ${first.line}, column ${first.column ?? 1})` : "";
  throw new TenantryError(
    "BLUEPRINT_INVALID",
    `${errors.length} error${errors.length === 1 ? "" : "s"} in the blueprint; first: ${first?.message ?? "invalid"}${where}`,
    {
      errors: errors.map((e) => ({
        pointer: `${prefix}${e.pointer}`,
        message: e.message,
        ...(e.line ? { line: e.line, column: e.column ?? 1 } : {}),
      })),
    },
  );
}

const compiled = new Map<string, Blueprint>();
const bySource = new Map<string, Blueprint>();
// Enough for every blueprint version a fleet uses at once; past it the cache starts over.
const CACHE_SIZE = 500;

/** A stored version compiled earlier, if it is still cached. */
export function compiledById(id: string): Blueprint | undefined {
  return compiled.get(id);
}

/** {@link compileBlueprint} for a stored version, cached by its id. */
export function compileStored(version: { id: string; source: string }): Blueprint {
  let bp = compiled.get(version.id);
  if (!bp) {
    bp = compileBlueprint(version.source);
    if (compiled.size >= CACHE_SIZE) compiled.clear();
    compiled.set(version.id, bp);
  }
  return bp;
}

/** Renders for a tenant, or throws `VALIDATION_FAILED` naming each bad param or missing secret. */
export function renderOrThrow(blueprint: Blueprint, ctx: RenderContext): RenderResult {
  const result = renderBlueprint(blueprint, ctx);
  if (result.errors.length > 0) {
    throw new TenantryError(
      "VALIDATION_FAILED",
      `invalid ${result.errors.length === 1 ? "field" : "fields"}: ${result.errors.map((e) => e.pointer).join(", ")}`,
      { errors: result.errors },
    );
  }
  return result;
}

/**
 * Refuses secrets the blueprint does not declare (`UNDECLARED_SECRETS`, 422), naming each
 * at its pointer (`/secrets/KEY`, or what `pointer` makes of the key and its position);
 * they would otherwise be kept and never used.
 */
export function refuseUndeclaredSecrets(
  blueprint: Blueprint,
  keys: readonly string[],
  pointer: (key: string, index: number) => string = (key) => `/secrets/${key}`,
): void {
  const undeclared = undeclaredSecrets(blueprint, keys);
  if (undeclared.length === 0) return;
  const declared = [...declaredSecrets(blueprint)].sort().join(", ") || "none";
  throw new TenantryError(
    "UNDECLARED_SECRETS",
    `the blueprint declares no ${undeclared.length === 1 ? "secret" : "secrets"} ${undeclared.join(", ")} (only sync: false env vars take secrets; it declares: ${declared})`,
    {
      errors: undeclared.map((key) => ({
        pointer: pointer(key, keys.indexOf(key)),
        message: `not a secret of the blueprint (declared: ${declared})`,
      })),
      extra: { undeclared },
    },
  );
}
