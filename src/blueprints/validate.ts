import type {
  Blueprint,
  BlueprintDatabase,
  BlueprintEnvVarGroup,
  BlueprintService,
  Diagnostic,
  EnvVarGenerated,
  EnvVarSyncFalse,
  EnvVarValue,
  ServiceType,
} from "./model.js";
import { applyNormalisations, byPosition, Diagnostics, isObject, type PlainObject } from "./rules/context.js";
import { toEnvVarSpec } from "./rules/env-vars.js";
import { checkHooks } from "./rules/hooks.js";
import { checkParameters } from "./rules/parameters.js";
import { checkReferences } from "./rules/references.js";
import { root } from "./rules/render-shapes.js";
import { collectResources, type Entry, isStaticSite, type Resources } from "./rules/resources.js";
import { checkShape, typeName } from "./rules/shape.js";
import { checkStacks } from "./rules/stacks.js";
import { checkTemplates } from "./rules/template-refs.js";
import { loadYaml } from "./yaml-source.js";

/**
 * The largest blueprint source accepted, in bytes (the API allows as many characters):
 * 256 KiB, some twenty times the largest blueprint we know of, and validated within a
 * fraction of a second however hostile (docs/benchmarks.md, bench/hostile.ts).
 */
export const MAX_BLUEPRINT_BYTES = 256 * 1024;

export interface ValidationResult {
  /** The typed blueprint; null when there is any error. */
  blueprint: Blueprint | null;
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

/**
 * Validates render.yaml-format blueprint source (YAML 1.2) with Tenantry's extensions.
 * Every problem is reported at once, located by JSON pointer and line/column, sorted by
 * position. Nothing in the source is executed: templates are only checked, not resolved.
 */
export function validateBlueprint(source: string): ValidationResult {
  if (Buffer.byteLength(source, "utf8") > MAX_BLUEPRINT_BYTES) {
    return {
      blueprint: null,
      errors: [
        {
          severity: "error",
          code: "too-large",
          pointer: "",
          message: `the blueprint is larger than ${MAX_BLUEPRINT_BYTES / 1024} KiB`,
          line: 1,
          column: 1,
        },
      ],
      warnings: [],
    };
  }
  if (source.includes("\0")) {
    const before = source.slice(0, source.indexOf("\0"));
    const line = before.split("\n").length;
    return {
      blueprint: null,
      errors: [
        {
          severity: "error",
          code: "yaml-syntax",
          pointer: "",
          message: "the blueprint contains a NUL character",
          line,
          column: before.length - before.lastIndexOf("\n"),
        },
      ],
      warnings: [],
    };
  }
  const yaml = loadYaml(source);
  const d = new Diagnostics(yaml);
  for (const w of yaml.syntaxWarnings)
    d.warnings.push({ severity: "warning", code: "yaml-warning", pointer: "", ...w });
  if (yaml.syntaxErrors.length > 0) {
    const errors = yaml.syntaxErrors.map(
      (e): Diagnostic => ({ severity: "error", code: "yaml-syntax", pointer: "", ...e }),
    );
    return { blueprint: null, errors: errors.sort(byPosition), warnings: d.warnings.sort(byPosition) };
  }
  const doc = yaml.value;
  if (!isObject(doc)) {
    d.error(
      "wrong-type",
      "",
      `a blueprint is a YAML mapping with \`services\`, \`databases\`…, not ${typeName(doc)}`,
    );
    return { blueprint: null, errors: d.errors, warnings: d.warnings };
  }
  checkShape(doc, root, "", d);
  const resources = collectResources(doc, d);
  const { declared, parameters } = checkParameters(doc["parameters"], d);
  const kinds = new Map<string, string>();
  for (const s of resources.services) {
    const v = s.value;
    if (typeof v["name"] === "string")
      kinds.set(
        v["name"],
        isStaticSite(v) ? "static" : v["type"] === "redis" ? "keyvalue" : String(v["type"]),
      );
  }
  const hooks = checkHooks(doc["hooks"], kinds, d);
  const stacks = checkStacks(doc["stacks"], d);
  checkReferences(resources, d);
  checkTemplates(doc, declared, d);

  const { errors, warnings } = d.sorted();
  if (errors.length > 0) return { blueprint: null, errors, warnings };
  // What was read in a canonical form (`Starter` → `starter`, `value: 3.10` → "3.10").
  applyNormalisations(doc, d.normalised);
  const blueprint = toBlueprint(doc, resources, parameters, hooks);
  if (stacks.length > 0) blueprint.stacks = stacks;
  return { blueprint, errors, warnings };
}

function toBlueprint(
  doc: PlainObject,
  res: Resources,
  parameters: Blueprint["parameters"],
  hooks: Blueprint["hooks"],
): Blueprint {
  const bp: Blueprint = {
    services: res.services.map(toService),
    databases: res.databases.map((e) => withEnvironment({ ...e.value } as BlueprintDatabase, e)),
    envVarGroups: res.envVarGroups.map(toGroup),
    parameters,
    hooks,
  };
  if (isObject(doc["previews"])) bp.previews = doc["previews"];
  if (typeof doc["previewsEnabled"] === "boolean") bp.previewsEnabled = doc["previewsEnabled"];
  if (typeof doc["previewsExpireAfterDays"] === "number")
    bp.previewsExpireAfterDays = doc["previewsExpireAfterDays"];
  if (typeof doc["version"] === "string") bp.version = doc["version"];
  return bp;
}

function toService(e: Entry): BlueprintService {
  const { env, envVars, type, ...rest } = e.value;
  const service: BlueprintService = {
    type: (type === "redis" ? "keyvalue" : type) as ServiceType,
    name: String(e.value["name"]),
    ...rest,
    envVars: Array.isArray(envVars) ? envVars.map((v) => toEnvVarSpec(v as PlainObject)) : [],
  };
  if (service.runtime === undefined && typeof env === "string") service.runtime = env;
  return withEnvironment(service, e);
}

function toGroup(e: Entry): BlueprintEnvVarGroup {
  const list = e.value["envVars"];
  const envVars = (Array.isArray(list) ? list : []).map(
    (v) => toEnvVarSpec(v as PlainObject) as EnvVarValue | EnvVarGenerated | EnvVarSyncFalse,
  );
  const group: BlueprintEnvVarGroup = { name: String(e.value["name"]), envVars };
  return withEnvironment(group, e);
}

function withEnvironment<T extends { environment?: string }>(item: T, e: Entry): T {
  if (e.environment !== undefined) item.environment = e.environment;
  return item;
}
