import type { BlueprintStack } from "../model.js";
import { findTemplates } from "../templates.js";
import { joinPointer } from "../yaml-source.js";
import { type Diagnostics, isObject } from "./context.js";
import { bool, checkShape, list, obj, str, typeName } from "./shape.js";

/**
 * Checks `stacks:` (Tenantry extension): Terraform/OpenTofu modules the `terraform` target
 * applies for each tenant (docs/terraform.md, "The stack format").
 *
 * ```yaml
 * stacks:
 *   - name: environment
 *     source: ./examples/terraform/aws        # a folder, git::https://…?ref=…, or a registry address
 *     version: "5.8.1"                         # registry sources only
 *     cloud: { provider: aws, region: …, roleArn: …, externalId: … }
 *     inputs: { name: ${{ tenant.slug }} }     # the module's variables
 *     outputs: [ { name: cluster_endpoint }, { name: kubeconfig, secret: true } ]
 *     state: { backend: s3, config: { bucket: …, region: … } }
 * ```
 */

/** A Terraform identifier (module, variable and output names). */
export const TF_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,62}$/;
/** A stack name: also part of platform names and output keys. */
const STACK_NAME = /^[a-z][a-z0-9_-]{0,39}$/;
/** `namespace/name/provider`, optionally behind a registry host. */
const REGISTRY =
  /^([a-z0-9.-]+\.[a-z]{2,}\/)?[A-Za-z0-9][A-Za-z0-9_-]*\/[A-Za-z0-9][A-Za-z0-9_-]*\/[a-z0-9]+(\/\/.+)?$/;

export const STATE_BACKENDS = ["pg", "s3", "gcs"] as const;
export const CLOUD_PROVIDERS = ["aws", "google"] as const;

const cloud = obj(
  {
    provider: str(CLOUD_PROVIDERS),
    region: str(),
    roleArn: str(),
    externalId: str(),
    project: str(),
    serviceAccount: str(),
  },
  ["provider"],
);
const stackShape = obj(
  {
    name: str(),
    source: str(),
    version: str(),
    cloud,
    inputs: { t: "any" },
    outputs: list(obj({ name: str(), secret: bool }, ["name"])),
    state: obj({ backend: str(STATE_BACKENDS), config: { t: "any" } }, ["backend"]),
  },
  ["name", "source"],
);

/** What kind of module source `source` is, or null when Tenantry cannot fetch it. */
export function sourceKind(source: string): "local" | "git" | "registry" | null {
  if (source.startsWith("./") || source.startsWith("../")) return "local";
  if (/^git::(https|ssh):\/\/.+/.test(source) || /^git::[^@\s]+@[^:\s]+:.+/.test(source)) return "git";
  if (REGISTRY.test(source)) return "registry";
  return null;
}

export function checkStacks(value: unknown, d: Diagnostics): BlueprintStack[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    d.error("wrong-type", "/stacks", `must be a list of stacks, not ${typeName(value)}`);
    return [];
  }
  const stacks: BlueprintStack[] = [];
  const seen = new Set<string>();
  value.forEach((entry, i) => {
    const at = joinPointer("/stacks", i);
    const before = d.errors.length;
    checkShape(entry, stackShape, at, d);
    if (!isObject(entry)) return;
    const name = entry["name"];
    if (typeof name === "string") {
      if (!STACK_NAME.test(name)) {
        d.error(
          "bad-name",
          joinPointer(at, "name"),
          `\`${name}\` is not a stack name: lowercase letters, digits, \`-\` and \`_\`, starting with a letter, at most 40`,
        );
      } else if (seen.has(name)) {
        d.error("duplicate-name", joinPointer(at, "name"), `another stack is named \`${name}\``);
      }
      seen.add(name);
    }
    const source = entry["source"];
    const version = entry["version"];
    if (typeof source === "string") {
      const kind = findTemplates(source).length > 0 ? "templated" : sourceKind(source);
      if (kind === "templated") {
        d.error("templated-source", joinPointer(at, "source"), "a module source cannot be templated");
      } else if (kind === null) {
        d.error(
          "bad-source",
          joinPointer(at, "source"),
          `\`${source}\` is not a module source Tenantry can use: a folder (\`./modules/env\`), a git URL (\`git::https://…//path?ref=v1.2.0\`) or a registry address (\`terraform-aws-modules/vpc/aws\` with \`version\`)`,
        );
      } else if (kind === "registry" && version === undefined) {
        d.warn(
          "unpinned-module",
          joinPointer(at, "source"),
          "a registry module without `version` takes its newest release at every plan: pin a version",
        );
      } else if (kind === "git" && !/[?&]ref=/.test(source)) {
        d.warn(
          "unpinned-module",
          joinPointer(at, "source"),
          "a git module without `?ref=` follows its default branch: pin a tag or commit",
        );
      }
      if (kind !== "registry" && kind !== "templated" && version !== undefined) {
        d.error(
          "version-not-allowed",
          joinPointer(at, "version"),
          "`version` is for registry sources only: pin a git source with `?ref=`",
        );
      }
    }
    const inputs = entry["inputs"];
    if (inputs !== undefined) {
      if (!isObject(inputs)) {
        d.error(
          "wrong-type",
          joinPointer(at, "inputs"),
          `must be a mapping of variable names to values, not ${typeName(inputs)}`,
        );
      } else {
        for (const key of Object.keys(inputs)) {
          if (!TF_NAME.test(key)) {
            d.error(
              "bad-name",
              joinPointer(joinPointer(at, "inputs"), key),
              `\`${key}\` is not a Terraform variable name`,
              true,
            );
          }
        }
      }
    }
    const outputs = Array.isArray(entry["outputs"]) ? entry["outputs"] : [];
    const outputNames = new Set<string>();
    outputs.forEach((o, j) => {
      const n = isObject(o) ? o["name"] : undefined;
      if (typeof n !== "string") return;
      const p = joinPointer(joinPointer(joinPointer(at, "outputs"), j), "name");
      if (!TF_NAME.test(n)) d.error("bad-name", p, `\`${n}\` is not a Terraform output name`);
      else if (outputNames.has(n)) d.error("duplicate-name", p, `output \`${n}\` is listed twice`);
      outputNames.add(n);
    });
    const c = entry["cloud"];
    if (isObject(c)) {
      const p = joinPointer(at, "cloud");
      if (c["provider"] === "aws") {
        if (c["region"] === undefined) d.error("missing-key", p, "an aws stack needs `region`");
        for (const k of ["project", "serviceAccount"])
          if (c[k] !== undefined)
            d.error("not-for-provider", joinPointer(p, k), `\`${k}\` is for google stacks`);
        if (c["roleArn"] !== undefined && c["externalId"] === undefined) {
          d.warn(
            "no-external-id",
            joinPointer(p, "roleArn"),
            "a role assumed in a customer's account should require an external id (`externalId`): see docs/terraform-credentials.md",
          );
        }
      }
      if (c["provider"] === "google") {
        if (c["project"] === undefined) d.error("missing-key", p, "a google stack needs `project`");
        for (const k of ["roleArn", "externalId"])
          if (c[k] !== undefined)
            d.error("not-for-provider", joinPointer(p, k), `\`${k}\` is for aws stacks`);
      }
    }
    const state = entry["state"];
    if (isObject(state) && state["config"] !== undefined) {
      const config = state["config"];
      const p = joinPointer(joinPointer(at, "state"), "config");
      if (!isObject(config)) d.error("wrong-type", p, `must be a mapping, not ${typeName(config)}`);
      else if (state["backend"] === "pg")
        d.error("not-for-backend", p, "the pg backend is Tenantry's own: it takes no config");
      else
        for (const [k, v] of Object.entries(config)) {
          if (typeof v !== "string" && typeof v !== "boolean" && typeof v !== "number")
            d.error(
              "wrong-type",
              joinPointer(p, k),
              `must be a string, number or boolean, not ${typeName(v)}`,
            );
        }
    }
    if (d.errors.length > before || typeof name !== "string" || typeof source !== "string") return;
    stacks.push({
      name,
      source,
      ...(typeof version === "string" ? { version } : {}),
      ...(isObject(c) ? { cloud: c as unknown as NonNullable<BlueprintStack["cloud"]> } : {}),
      inputs: isObject(inputs) ? inputs : {},
      outputs: outputs.flatMap((o) =>
        isObject(o) && typeof o["name"] === "string"
          ? [{ name: o["name"], secret: o["secret"] === true }]
          : [],
      ),
      ...(isObject(state) ? { state: state as unknown as NonNullable<BlueprintStack["state"]> } : {}),
    });
  });
  // One root module, one state: at most one stack says where it lives.
  const withState = value.flatMap((entry, i) => (isObject(entry) && entry["state"] !== undefined ? [i] : []));
  for (const i of withState.slice(1)) {
    d.error(
      "one-state",
      joinPointer(joinPointer("/stacks", i), "state"),
      "a tenant's stacks share one state: declare `state` on one stack only",
    );
  }
  return stacks;
}
