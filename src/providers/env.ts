import { createHash } from "node:crypto";
import { type EnvBinding, envBindingsOf } from "../domain/resources.js";
import { type ProviderContext, ProviderError } from "./provider.js";

/**
 * Turns a rendered service's env bindings into concrete values, for providers that hand
 * processes or platforms literal environments (local processes, Render's API). Values
 * come from the tenant's secrets and from the recorded outputs of the resources the
 * service depends on; the engine creates those first.
 */
export function resolveEnv(ctx: ProviderContext, bindings: readonly EnvBinding[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const b of bindings) {
    const value = resolveBinding(ctx, b, 0);
    // A late binding (services that reference each other) whose source is not there yet:
    // left out now, set by the update the engine makes once it is known (`lateInputs`).
    if (value !== undefined) env[b.key] = value;
  }
  return env;
}

/**
 * What the late bindings of a rendered resource currently resolve to, as one string
 * (`KEY=<sha256 of the value>` or `KEY=?` while unknown), or undefined when it has none.
 * The engine adds it to the resource's spec hash: when a value it waited for becomes
 * known (or changes), the hash changes and the resource is updated with it.
 */
export function lateInputs(ctx: ProviderContext, bindings: readonly EnvBinding[]): string | undefined {
  const late = bindings.filter((b) => "from" in b && b.late === true);
  if (late.length === 0) return undefined;
  return late
    .map((b) => {
      const value = resolveBinding(ctx, b, 0);
      return `${b.key}=${value === undefined ? "?" : createHash("sha256").update(value).digest("hex")}`;
    })
    .join("\n");
}

/**
 * What the tenant secrets a rendered resource uses currently are, as one string of keyed
 * digests (`KEY=<digest of the secret's key and value>`, `KEY=?` when the tenant has no
 * value), or undefined when it uses none. The engine adds it to the resource's spec hash,
 * which never holds secret values: when a secret is set or rotated, the hash of exactly
 * the resources that use it changes and they are updated (redeployed) with it. `digest`
 * is keyed (an HMAC: `SecretBox.digest`), so a stored hash tells nothing about a value.
 */
export function secretInputs(
  ctx: ProviderContext,
  bindings: readonly EnvBinding[],
  digest: (value: string) => string,
): string | undefined {
  const lines = bindings.flatMap((b) => {
    if (!("secret" in b) || b.secret !== "tenant") return [];
    const key = b.secretKey ?? b.key;
    const value = ctx.secret({ secret: "tenant", key });
    return [`${b.key}=${value === undefined ? "?" : digest(`${key}\n${value}`)}`];
  });
  return lines.length === 0 ? undefined : lines.sort().join("\n");
}

// A service may read another's variable, which may read a third's; cycles are refused at
// validation, so a deep chain means something is wrong.
const MAX_DEPTH = 8;

function resolveBinding(ctx: ProviderContext, b: EnvBinding, depth: number): string | undefined {
  if ("value" in b) return b.value;
  if ("secret" in b) {
    const value =
      b.secret === "generated"
        ? ctx.secret({ secret: "generated", ref: b.ref })
        : ctx.secret({ secret: "tenant", key: b.secretKey ?? b.key });
    if (value === undefined) {
      throw new ProviderError(
        `${b.key}: the tenant has no value for this ${b.secret === "generated" ? "generated" : "write-only"} secret`,
        {
          retryable: false,
          code: "MISSING_SECRET",
        },
      );
    }
    return value;
  }
  const source = ctx.resource(b.from);
  if (!source && b.late) return undefined;
  if (!source) {
    // The engine creates dependencies first; it may still be on its way.
    throw new ProviderError(`${b.key}: ${b.from} does not exist yet`, {
      retryable: true,
      code: "DEPENDENCY_PENDING",
    });
  }
  if (b.envVarKey !== undefined) {
    if (depth >= MAX_DEPTH) {
      throw new ProviderError(`${b.key}: references between services are nested too deeply`, {
        retryable: false,
      });
    }
    const theirs = envBindingsOf(source).find((x) => x.key === b.envVarKey);
    if (!theirs) {
      throw new ProviderError(`${b.key}: ${b.from} has no variable ${b.envVarKey}`, { retryable: false });
    }
    return resolveBinding(ctx, theirs, depth + 1);
  }
  const property = b.property ?? "connectionString";
  const value = source.secretOutputs[property] ?? source.outputs[property];
  if ((value === undefined || value === null) && b.late) return undefined;
  if (value === undefined || value === null) {
    throw new ProviderError(`${b.key}: ${b.from} has no ${property} output`, { retryable: false });
  }
  return String(value);
}
