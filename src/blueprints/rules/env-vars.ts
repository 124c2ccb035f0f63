import type { EnvVarSpec } from "../model.js";
import { joinPointer } from "../yaml-source.js";
import { type Diagnostics, isObject, type PlainObject } from "./context.js";
import { envFromDatabase, envFromGroup, envFromService, envValue } from "./render-shapes.js";
import { checkShape, typeName } from "./shape.js";

/**
 * Checks the entries of an `envVars` list. Services accept every form; env var groups only
 * plain values (`value`, `generateValue`, `sync: false`). Cross-references are checked later
 * (references.ts), once every resource is known.
 */
export function checkEnvVars(list: unknown, pointer: string, d: Diagnostics, inGroup: boolean): void {
  if (!Array.isArray(list)) return; // the list itself is checked by its owner's shape
  const seen = new Map<string, string>();
  list.forEach((item, i) => {
    const at = joinPointer(pointer, i);
    if (!isObject(item)) {
      d.error("wrong-type", at, `an env var must be a mapping, not ${typeName(item)}`);
      return;
    }
    if (!inGroup && "fromGroup" in item) checkShape(item, envFromGroup, at, d);
    else if (!inGroup && "fromDatabase" in item) checkShape(item, envFromDatabase, at, d);
    else if (!inGroup && "fromService" in item) checkFromService(item, at, d);
    else checkValue(item, at, d, inGroup);
    const key = item["key"];
    if (typeof key === "string") {
      if (seen.has(key))
        d.warn("duplicate-env-var", joinPointer(at, "key"), `\`${key}\` is set twice; the last one wins`);
      seen.set(key, at);
    }
  });
}

function checkFromService(item: PlainObject, at: string, d: Diagnostics): void {
  checkShape(item, envFromService, at, d);
  const ref = item["fromService"];
  if (!isObject(ref)) return;
  const hasProperty = "property" in ref;
  const hasKey = "envVarKey" in ref;
  if (hasProperty && hasKey) {
    d.error(
      "conflicting-keys",
      joinPointer(at, "fromService", "envVarKey"),
      "use either `property` or `envVarKey`, not both",
      true,
    );
  } else if (!hasProperty && !hasKey) {
    d.error("missing-key", joinPointer(at, "fromService"), "`property` or `envVarKey` is required");
  }
}

function checkValue(item: PlainObject, at: string, d: Diagnostics, inGroup: boolean): void {
  if (inGroup && ("fromGroup" in item || "fromDatabase" in item || "fromService" in item)) {
    const key = ["fromGroup", "fromDatabase", "fromService"].find((k) => k in item) ?? "";
    d.error(
      "unknown-key",
      joinPointer(at, key),
      `\`${key}\` is not allowed in an env var group: only \`value\`, \`generateValue\` or \`sync: false\``,
      true,
    );
    return;
  }
  checkShape(withStringValues(item, at, d), envValue, at, d);
  if ("value" in item && item["generateValue"] === true) {
    d.error(
      "conflicting-keys",
      joinPointer(at, "generateValue"),
      "use either `value` or `generateValue: true`, not both",
      true,
    );
  } else if (
    !("value" in item) &&
    item["generateValue"] !== true &&
    item["sync"] !== false &&
    "key" in item
  ) {
    d.error("missing-key", at, "an env var needs `value`, `generateValue: true` or `sync: false`");
  }
}

/**
 * Unquoted booleans and numbers as env values (`value: true`, `value: 3000`), which Render's
 * current templates ship and Render deploys: an environment holds strings, so they are read
 * as the text written in the file (`3.10` stays `"3.10"`, not the number 3.1), with a warning
 * saying to quote them. The YAML is read as 1.2, so `yes`/`on`/`off` are strings already.
 */
function withStringValues(item: PlainObject, at: string, d: Diagnostics): PlainObject {
  let out = item;
  for (const key of ["value", "previewValue"] as const) {
    const v = item[key];
    if (typeof v !== "boolean" && typeof v !== "number") continue;
    const pointer = joinPointer(at, key);
    const text = d.sourceText(pointer) ?? String(v);
    d.warn(
      "unquoted-env-value",
      pointer,
      `${typeof v === "boolean" ? "a boolean" : "a number"} \`${text}\` is read as the string "${text}": quote it (\`${key}: "${text}"\`)`,
    );
    d.normalise(pointer, text);
    out = { ...out, [key]: text };
  }
  return out;
}

/** The typed form of a checked env var entry. */
export function toEnvVarSpec(item: PlainObject): EnvVarSpec {
  if ("fromGroup" in item) return { fromGroup: String(item["fromGroup"]) };
  const key = String(item["key"]);
  if ("fromDatabase" in item) {
    const ref = item["fromDatabase"] as { name: string; property: "host" };
    return { key, fromDatabase: { name: ref.name, property: ref.property } };
  }
  if ("fromService" in item) {
    const ref = item["fromService"] as PlainObject;
    return {
      key,
      fromService: {
        type: String(ref["type"]),
        name: String(ref["name"]),
        ...(ref["property"] !== undefined ? { property: ref["property"] as "host" } : {}),
        ...(ref["envVarKey"] !== undefined ? { envVarKey: String(ref["envVarKey"]) } : {}),
      },
    };
  }
  if ("value" in item) {
    const preview = item["previewValue"];
    return {
      key,
      value: String(item["value"]),
      ...(preview !== undefined ? { previewValue: String(preview) } : {}),
    };
  }
  if (item["generateValue"] === true) return { key, generateValue: true };
  return { key, sync: false };
}
