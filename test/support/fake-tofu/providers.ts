import { randomBytes } from "node:crypto";
import { deepEqual, typeOf, UNKNOWN, Unknown, type Value } from "./expressions.js";
import { goUuid } from "./state.js";
import type { Flavor } from "./ui.js";
import { FLAVORS } from "./ui.js";

/**
 * What the fake's providers do with a resource. `terraform_data` behaves as the built-in
 * one (schema checked; `output` follows `input`; `triggers_replace` forces replacement).
 * Every other type has no schema: its attributes are its arguments plus `id`, and any
 * attribute that configuration references but does not set is "computed" (unknown until
 * apply, then a made-up string). `aws_*` resources get `tags_all` (the provider's
 * `default_tags` merged with `tags`); `google_*` get `effective_labels` and
 * `terraform_labels` (`default_labels` merged with `labels`).
 */

export type Attrs = Record<string, Value>;
export type Action = "create" | "update" | "replace" | "no-op";

export interface ProviderInfo {
  /** Local name: `aws`, `terraform`. */
  local: string;
  /** Fully qualified: `registry.terraform.io/hashicorp/aws`, `terraform.io/builtin/terraform`. */
  fqn: string;
}

export function providerFor(
  type: string,
  required: Map<string, { source: string; version: string | undefined }>,
  flavor: Flavor,
): ProviderInfo {
  const local = type === "terraform_data" ? "terraform" : type.split("_")[0]!;
  if (local === "terraform") return { local, fqn: "terraform.io/builtin/terraform" };
  const source = required.get(local)?.source ?? `hashicorp/${local}`;
  const fqn = source.split("/").length === 3 ? source : `${FLAVORS[flavor].registry}/${source}`;
  return { local, fqn };
}

export const TERRAFORM_DATA_ARGS = ["input", "triggers_replace"];
const TERRAFORM_DATA_ATTRS = ["id", "input", "output", "triggers_replace"];

/** Attributes a reference may name on a resource of this type (undefined: any). */
export function knownAttributes(type: string): string[] | undefined {
  return type === "terraform_data" ? TERRAFORM_DATA_ATTRS : undefined;
}

export interface PlanInput {
  type: string;
  config: Attrs;
  prior: Attrs | undefined;
  /** Configuration of the resource's provider (`default_tags`, `default_labels`). */
  providerConfig: Attrs;
  /** Attributes other configuration references on this resource. */
  referenced: Set<string>;
}

export interface PlanResult {
  action: Action;
  after: Attrs;
  replacePaths?: string[][];
}

export function planResource(p: PlanInput): PlanResult {
  if (p.type === "terraform_data") return planTerraformData(p);
  const derived = derivedAttrs(p.type, p.config, p.providerConfig);
  const computed = new Set([
    "id",
    ...Object.keys(derived),
    ...[...p.referenced].filter((a) => !(a in p.config)),
  ]);
  if (!p.prior) {
    const after: Attrs = { ...p.config, ...derived };
    for (const a of computed) if (!(a in after)) after[a] = UNKNOWN;
    return { action: "create", after };
  }
  const after: Attrs = {};
  for (const [k, v] of Object.entries(p.prior)) if (computed.has(k)) after[k] = v;
  Object.assign(after, p.config, derived);
  for (const a of computed) if (!(a in after)) after[a] = UNKNOWN;
  const changed =
    Object.keys(after).some((k) => !computed.has(k) && !deepEqual(after[k]!, p.prior![k] ?? null)) ||
    Object.keys(p.prior).some((k) => !computed.has(k) && !(k in after) && p.prior![k] !== null) ||
    Object.keys(derived).some((k) => !deepEqual(derived[k]!, p.prior![k] ?? null));
  return changed ? { action: "update", after } : { action: "no-op", after: p.prior };
}

function planTerraformData(p: PlanInput): PlanResult {
  const input = p.config.input ?? null;
  const triggers = p.config.triggers_replace ?? null;
  const fresh: Attrs = { id: UNKNOWN, input, output: UNKNOWN, triggers_replace: triggers };
  if (!p.prior) return { action: "create", after: fresh };
  if (!deepEqual(triggers, p.prior.triggers_replace ?? null))
    return { action: "replace", after: fresh, replacePaths: [["triggers_replace"]] };
  if (!deepEqual(input, p.prior.input ?? null))
    return {
      action: "update",
      after: { id: p.prior.id ?? null, input, output: UNKNOWN, triggers_replace: triggers },
    };
  return { action: "no-op", after: p.prior };
}

/** Fills what was unknown at plan time. */
export function applyResource(type: string, name: string, after: Attrs): Attrs {
  const out: Attrs = {};
  for (const [k, v] of Object.entries(after)) out[k] = v;
  if (type === "terraform_data") {
    if (out.id instanceof Unknown) out.id = goUuid();
    if (out.output instanceof Unknown) out.output = out.input ?? null;
    return out;
  }
  for (const [k, v] of Object.entries(out)) {
    if (!(v instanceof Unknown)) continue;
    out[k] = k === "id" ? fakeId(type, name) : `${name}-${k}-${randomBytes(3).toString("hex")}`;
  }
  return out;
}

function fakeId(type: string, name: string): string {
  if (type.startsWith("aws_")) return `${name}-${randomBytes(8).toString("hex")}`;
  return goUuid();
}

function derivedAttrs(type: string, config: Attrs, provider: Attrs): Attrs {
  if (type.startsWith("aws_")) {
    const dt = provider.default_tags;
    const block = Array.isArray(dt) ? dt[0] : dt;
    const defaults =
      block && typeof block === "object" && !(block instanceof Unknown) ? (block as Attrs).tags : undefined;
    return { tags_all: merge(defaults, config.tags) };
  }
  if (type.startsWith("google_")) {
    const merged = merge(provider.default_labels, config.labels);
    return { effective_labels: merged, terraform_labels: merged };
  }
  return {};
}

function merge(a: Value | undefined, b: Value | undefined): Value {
  if (a instanceof Unknown || b instanceof Unknown) return UNKNOWN;
  const out: Attrs = {};
  for (const src of [a, b]) {
    if (src && typeof src === "object" && !Array.isArray(src)) Object.assign(out, src);
  }
  return out;
}

/** `terraform_data`'s attributes are dynamically typed: state keeps them as `{value, type}`. */
export function toStateAttrs(type: string, attrs: Attrs): Record<string, unknown> {
  if (type !== "terraform_data") return attrs;
  const out: Record<string, unknown> = {};
  for (const k of TERRAFORM_DATA_ATTRS) {
    const v = attrs[k] ?? null;
    out[k] = k === "id" || v === null ? v : { value: v, type: typeOf(v) };
  }
  return out;
}

export function fromStateAttrs(type: string, attrs: Record<string, unknown>): Attrs {
  if (type !== "terraform_data") return attrs as Attrs;
  const out: Attrs = {};
  for (const [k, v] of Object.entries(attrs)) {
    out[k] =
      v !== null && typeof v === "object" && "value" in v
        ? ((v as { value: Value }).value ?? null)
        : (v as Value);
  }
  return out;
}
